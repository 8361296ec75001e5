package io.quire.mount;

/**
 * Thread-safe (constants). Fixed bounds of the mount daemon, in one place, with their
 * relationships checked at class load. Operator tunables live in {@link MountConfig} and are
 * checked against these when a config is built.
 */
public final class MountLimits {
    /** Longest name of a directory entry (Linux NAME_MAX); longer is ENAMETOOLONG. */
    public static final int NAME_MAX_BYTES = 255;
    /** Longest symlink target (PATH_MAX less its NUL). */
    public static final int SYMLINK_MAX_BYTES = 4095;
    /** Longest path the adapter resolves. */
    public static final int PATH_MAX_BYTES = 4096;
    /** Extended attributes: Linux's XATTR_NAME_MAX, XATTR_SIZE_MAX and XATTR_LIST_MAX. */
    public static final int XATTR_NAME_MAX_BYTES = 255;
    public static final int XATTR_VALUE_MAX_BYTES = 64 * 1024;
    public static final int XATTR_LIST_MAX_BYTES = 64 * 1024;
    /** Hard links per inode (ext4's limit); beyond it link() is EMLINK. */
    public static final int LINK_MAX = 65_000;
    /** Largest file: offsets stay below 2^62 so that page-index arithmetic never overflows. */
    public static final long FILE_MAX_BYTES = 1L << 62;

    /** Open file and directory handles at once; beyond it open() is ENFILE. */
    public static final int OPEN_HANDLES_MAX = 1 << 16;
    /** Pages one write transaction touches; a larger write() is split into several. */
    public static final int WRITE_TXN_PAGES_MAX = 64;
    /** Rounds of "fetch the missing pages, try again" one read or write may take before EIO. */
    public static final int FETCH_ROUNDS_MAX = 8;
    /** Cached pages one truncate/unlink drops inline; the rest is left to the trash collector. */
    public static final int TRASH_LOCAL_CHUNK_PAGES = 256;
    /** Pages the flusher clears, or the evictor drops, in one write transaction. */
    public static final int MAINTENANCE_BATCH_PAGES = 256;
    /** Distinct page keys remembered as recently read (the evictor's second-chance bits). */
    public static final int REFERENCED_KEYS_MAX = 1 << 20;
    /**
     * Slots of the stamps that tell a fetched page copy from a stale one ({@code FetchStamps}):
     * 32 KiB; pages sharing a slot only make each other's fetches run again.
     */
    public static final int FETCH_STAMP_SLOTS = 4096;
    /** Readahead fetches in flight at once over all files. */
    public static final int READAHEAD_IN_FLIGHT_MAX = 64;

    /** LMDB: concurrent read transactions (FUSE worker threads plus background threads). */
    public static final int LMDB_READERS_MAX = 1024;
    /** LMDB: the map never grows beyond this (it is address space, not disk). */
    public static final long LMDB_MAP_MAX_BYTES = 1L << 42;
    /** LMDB: room for metadata above the page cache when the map is first sized. */
    public static final long LMDB_MAP_METADATA_BYTES = 256L * 1024 * 1024;
    /**
     * LMDB: a write starts only with at least this much never-used map left in each environment,
     * growing the maps first: far more than one transaction adds, so the second of a write's two
     * commits never finds its map full (the first would then be committed alone).
     */
    public static final long LMDB_MAP_ROOM_BYTES = 16L * 1024 * 1024;
    /** Write transactions retried after growing a full map before giving up with ENOSPC. */
    public static final int LMDB_MAP_GROW_ATTEMPTS_MAX = 8;

    /** Eviction starts above this share of the cache size and stops below the low mark. */
    public static final int CACHE_HIGH_WATER_PERCENT = 90;
    public static final int CACHE_LOW_WATER_PERCENT = 80;

    static {
        check(WRITE_TXN_PAGES_MAX >= 3, "a 128 KiB FUSE write fits one transaction of 64 KiB pages");
        check(CACHE_LOW_WATER_PERCENT < CACHE_HIGH_WATER_PERCENT, "eviction low mark below the high mark");
        check(LMDB_MAP_MAX_BYTES > LMDB_MAP_METADATA_BYTES, "map room for metadata");
        check(FILE_MAX_BYTES / io.quire.proto.Limits.PAGE_SIZE_MIN_BYTES < Long.MAX_VALUE / 2,
                "page indexes fit a long");
    }

    private MountLimits() {
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new ExceptionInInitializerError("MountLimits: expected " + what);
        }
    }
}
