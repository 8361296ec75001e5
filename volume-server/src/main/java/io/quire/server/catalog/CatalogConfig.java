package io.quire.server.catalog;

/**
 * Thread-safe (immutable) tunables of the catalog, with their bounds checked on construction.
 *
 * @param livenessTimeoutMs       a server without a heartbeat for this long is not live
 * @param reReplicationGraceMs    a server down for less than this still takes part in placement, so
 *                                a quick restart moves no data; after it its pages are re-replicated
 * @param snapshotIntervalEntries log entries between snapshots (after which the log restarts)
 */
public record CatalogConfig(long livenessTimeoutMs, long reReplicationGraceMs, int snapshotIntervalEntries) {
    public static final long LIVENESS_TIMEOUT_DEFAULT_MS = 3000;
    public static final long LIVENESS_TIMEOUT_MIN_MS = 100;
    public static final long LIVENESS_TIMEOUT_MAX_MS = 10 * 60 * 1000L;
    public static final long RE_REPLICATION_GRACE_DEFAULT_MS = 60_000;
    public static final long RE_REPLICATION_GRACE_MAX_MS = 7 * 24 * 60 * 60 * 1000L;
    public static final int SNAPSHOT_INTERVAL_DEFAULT_ENTRIES = 1000;
    public static final int SNAPSHOT_INTERVAL_MAX_ENTRIES = 1_000_000;

    public static final CatalogConfig DEFAULTS =
            new CatalogConfig(LIVENESS_TIMEOUT_DEFAULT_MS, RE_REPLICATION_GRACE_DEFAULT_MS);

    public CatalogConfig {
        check(livenessTimeoutMs >= LIVENESS_TIMEOUT_MIN_MS && livenessTimeoutMs <= LIVENESS_TIMEOUT_MAX_MS,
                "livenessTimeoutMs " + livenessTimeoutMs + " out of range " + LIVENESS_TIMEOUT_MIN_MS + ".."
                        + LIVENESS_TIMEOUT_MAX_MS);
        // A grace shorter than the liveness timeout would re-replicate before a server is even declared down.
        check(reReplicationGraceMs >= livenessTimeoutMs && reReplicationGraceMs <= RE_REPLICATION_GRACE_MAX_MS,
                "reReplicationGraceMs " + reReplicationGraceMs + " out of range livenessTimeoutMs ("
                        + livenessTimeoutMs + ").." + RE_REPLICATION_GRACE_MAX_MS);
        check(snapshotIntervalEntries >= 1 && snapshotIntervalEntries <= SNAPSHOT_INTERVAL_MAX_ENTRIES,
                "snapshotIntervalEntries " + snapshotIntervalEntries + " out of range 1.."
                        + SNAPSHOT_INTERVAL_MAX_ENTRIES);
    }

    public CatalogConfig(long livenessTimeoutMs, long reReplicationGraceMs) {
        this(livenessTimeoutMs, reReplicationGraceMs, SNAPSHOT_INTERVAL_DEFAULT_ENTRIES);
    }

    public CatalogConfig withSnapshotIntervalEntries(int entries) {
        return new CatalogConfig(livenessTimeoutMs, reReplicationGraceMs, entries);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("catalog config: " + message);
        }
    }
}
