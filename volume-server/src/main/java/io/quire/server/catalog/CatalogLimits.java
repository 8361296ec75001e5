package io.quire.server.catalog;

import io.quire.proto.Limits;

/**
 * Thread-safe (constants): the catalog's fixed bounds and defaults, beside the protocol's
 * {@link Limits}. Relationships are checked at class load.
 */
public final class CatalogLimits {
    /** Largest volume size or maximum size: 1 PiB keeps size arithmetic far from overflow. */
    public static final long VOLUME_SIZE_MAX_BYTES = 1L << 50;
    /** Defaults of a new volume when the request says 0. */
    public static final int REPLICAS_DEFAULT = 3;
    public static final int WRITE_QUORUM_DEFAULT = 2;
    /** Zone of a server that names none. */
    public static final String ZONE_DEFAULT = "default";

    /** Longest lease a mount may ask for; a dead mount blocks its volume at most this long. */
    public static final long LEASE_TTL_MAX_MS = 60 * 60 * 1000L;
    public static final int HOLDER_MAX_CHARS = 256;
    public static final int ADDRESS_MAX_CHARS = 256;

    /**
     * DELETED volumes kept so that servers learn to free their pages; beyond it the oldest is
     * forgotten (ids are never reused, so a server may treat an unknown id as deleted).
     */
    public static final int DELETED_VOLUMES_KEPT_MAX = 1000;

    /** Largest number in a heartbeat (2^53: exact in every JSON reader; sums over servers fit a long). */
    public static final long REPORTED_VALUE_MAX = 1L << 53;

    /** Largest log record payload; commands hold a few short strings, so this is generous. */
    public static final int LOG_RECORD_MAX_BYTES = 64 * 1024;

    /** Proposals waiting for the proposer thread; beyond it callers get OVERLOADED. */
    public static final int PROPOSALS_QUEUED_MAX = 1024;
    /** How long a caller waits for its proposal to be logged and applied before TIMEOUT. */
    public static final long PROPOSE_TIMEOUT_MS = 30_000;

    static {
        check(WRITE_QUORUM_DEFAULT <= REPLICAS_DEFAULT && REPLICAS_DEFAULT <= Limits.REPLICAS_MAX,
                "default W <= default R <= REPLICAS_MAX");
        check(VOLUME_SIZE_MAX_BYTES < Long.MAX_VALUE / 100, "size percentages do not overflow");
        check(REPORTED_VALUE_MAX < Long.MAX_VALUE / Limits.SERVERS_MAX, "sums of reports fit a long");
        check(LOG_RECORD_MAX_BYTES > 4 * (Limits.NAME_MAX_CHARS + HOLDER_MAX_CHARS + ADDRESS_MAX_CHARS),
                "a log record holds the longest command");
    }

    private CatalogLimits() {
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new ExceptionInInitializerError("CatalogLimits: expected " + what);
        }
    }
}
