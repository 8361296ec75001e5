package io.quire.page;

/**
 * Inode numbers Quire keeps for its own pages; file systems allocate below {@link #FIRST}.
 * Thread-safe (constants). Part of the on-server format: never renumber.
 */
public final class ReservedInodes {
    /** Every inode at or above this is reserved. */
    public static final long FIRST = 1L << 61;
    /** Page 0: the superblock pointing at the current metadata checkpoint and journal start. */
    public static final long SUPERBLOCK = FIRST;
    /** Pages 0, 1, 2, ...: the metadata journal. */
    public static final long JOURNAL = FIRST + 1;
    /** Two checkpoint areas, written alternately so one complete checkpoint always exists. */
    public static final long CHECKPOINT_A = FIRST + 2;
    public static final long CHECKPOINT_B = FIRST + 3;
    /** {@code quire bench pages} writes its pages at inodes from here on. */
    public static final long BENCH_BASE = 1L << 62;

    private ReservedInodes() {
    }

    public static boolean isReserved(long inode) {
        return inode >= FIRST;
    }
}
