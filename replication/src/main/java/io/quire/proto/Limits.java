package io.quire.proto;

/**
 * Every fixed bound of the protocol in one place, with their relationships checked at class load.
 * Thread-safe (constants). Tunables that an operator may change live in the daemons' configs and
 * are checked against these at start-up.
 */
public final class Limits {
    /** Smallest and largest page size a volume may have (powers of two). */
    public static final int PAGE_SIZE_MIN_BYTES = 4 * 1024;
    public static final int PAGE_SIZE_MAX_BYTES = 1024 * 1024;
    public static final int PAGE_SIZE_DEFAULT_BYTES = 64 * 1024;

    /** Largest frame (after the length prefix) either side accepts; larger closes the connection. */
    public static final int FRAME_MAX_BYTES = 4 * 1024 * 1024;

    /** Largest JSON body of a control-plane request or response. */
    public static final int JSON_BODY_MAX_BYTES = 2 * 1024 * 1024;

    /** Entries per LIST_VERSIONS response (the listing is paged with a cursor). */
    public static final int LIST_VERSIONS_MAX_ENTRIES = 4096;
    /** Bytes of one LIST_VERSIONS entry: inode, index, epoch, seq (8 each), crc (4), flags (1). */
    public static final int LIST_VERSIONS_ENTRY_BYTES = 8 * 4 + 4 + 1;

    /** Page groups per volume: the unit of placement and repair. */
    public static final int PAGE_GROUPS_PER_VOLUME = 256;
    /** Consecutive pages of one file that share a group (a stripe), so readahead hits one set. */
    public static final int PAGES_PER_STRIPE = 16;

    /** Replica count bounds. */
    public static final int REPLICAS_MAX = 7;

    /** Requests in flight on one client connection; beyond it callers wait, then get OVERLOADED. */
    public static final int CONNECTION_IN_FLIGHT_MAX = 1024;

    /** Servers and volumes a cluster map may hold (bounds the map's JSON size). */
    public static final int SERVERS_MAX = 1000;
    public static final int VOLUMES_MAX = 4096;
    public static final int NAME_MAX_CHARS = 64;

    static {
        check(Integer.bitCount(PAGE_SIZE_MIN_BYTES) == 1 && Integer.bitCount(PAGE_SIZE_MAX_BYTES) == 1,
                "page size bounds are powers of two");
        check(FRAME_MAX_BYTES >= PAGE_SIZE_MAX_BYTES + 1024, "a frame holds the largest page");
        check(FRAME_MAX_BYTES >= JSON_BODY_MAX_BYTES, "a frame holds the largest JSON body");
        // A cluster map of VOLUMES_MAX active (plus up to 1000 deleted) volumes at ~300 bytes each.
        check(JSON_BODY_MAX_BYTES >= (VOLUMES_MAX + 1000) * 300 + SERVERS_MAX * 300, "the largest cluster map fits a JSON body");
        check(FRAME_MAX_BYTES >= 64 + LIST_VERSIONS_MAX_ENTRIES * LIST_VERSIONS_ENTRY_BYTES,
                "a frame holds a full LIST_VERSIONS page");
    }

    private Limits() {
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new ExceptionInInitializerError("Limits: expected " + what);
        }
    }
}
