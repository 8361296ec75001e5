package io.quire.mount.journal;

import io.quire.proto.Limits;

/**
 * Thread-safe (constants). Fixed bounds of the metadata journal, with their relationships checked
 * at class load. Tunables live in {@link JournalConfig}.
 */
public final class JournalLimits {
    /**
     * Largest journal record (one metadata operation's net changes). The largest real ones are a
     * purge dropping every xattr of an inode (names bounded by XATTR_LIST_MAX) and a flusher round
     * raising a thousand remote marks: well under a MiB. Past this an operation fails with EIO
     * rather than write a record no reader would accept.
     */
    public static final int RECORD_MAX_BYTES = 64 << 20;
    /** Mutations in one record (bounded by the bytes anyway; checked when decoding). */
    public static final int RECORD_MUTATIONS_MAX = RECORD_MAX_BYTES / 8;
    /** Largest value a checkpoint entry may carry (the largest real one is a 64 KiB xattr). */
    public static final int ENTRY_VALUE_MAX_BYTES = 1 << 20;
    /** Checkpoint page writes, and page deletes after a checkpoint, in flight at once. */
    public static final int CHECKPOINT_IN_FLIGHT_MAX = 16;
    /** Page reads in flight at once while rebuilding. */
    public static final int REBUILD_READS_IN_FLIGHT_MAX = 16;
    /** Bytes of changes applied per LMDB transaction while rebuilding. */
    public static final int REBUILD_TXN_BYTES_MAX = 4 << 20;
    /** First retry delay after a failed journal or checkpoint write; doubled per failure. */
    public static final long RETRY_FIRST_MS = 10;
    /** Idle wake-up of the uploader and the checkpointer, so retries and triggers fall due. */
    public static final long IDLE_WAIT_MS = 500;
    /**
     * Failed upload attempts in a row after which closing stops waiting for the journal: the
     * cluster is unreachable and the records stay in the cache for the next start.
     */
    public static final int CLOSE_FAILED_ATTEMPTS_MAX = 3;
    /** Records dropped from the local journal table per transaction once durable. */
    public static final int TRIM_RECORDS_PER_TXN_MAX = 100_000;

    static {
        check(JournalPage.HEADER_BYTES + JournalPage.FRAGMENT_HEADER_BYTES < Limits.PAGE_SIZE_MIN_BYTES / 2,
                "a journal page header leaves most of the smallest page for records");
        check(CheckpointPage.HEADER_BYTES < Limits.PAGE_SIZE_MIN_BYTES / 2,
                "a checkpoint page header leaves most of the smallest page for entries");
        check(Superblock.ENCODED_BYTES <= Limits.PAGE_SIZE_MIN_BYTES, "the superblock fits the smallest page");
        check(RECORD_MAX_BYTES <= Integer.MAX_VALUE / 2, "record lengths fit an int");
    }

    private JournalLimits() {
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new ExceptionInInitializerError("JournalLimits: expected " + what);
        }
    }
}
