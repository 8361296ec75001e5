package io.quire.server;

import java.nio.file.Path;

/**
 * Everything a volume server is started with, checked once at start-up. Thread-safe (immutable).
 *
 * @param joinAddress          the catalog to register with; null when this server runs the catalog
 * @param heartbeatIntervalMs  how often the server reports to the catalog and refreshes its map
 * @param repairIntervalMs     pause between two anti-entropy rounds over every group it leads
 * @param scrubPagesPerSecond  background CRC verification rate (0 disables scrub)
 * @param livenessTimeoutMs    (catalog) a server without heartbeat this long is not live
 * @param reReplicationGraceMs (catalog) a dead server keeps its place this long before its data
 *                             is re-replicated elsewhere
 */
public record ServerConfig(Path dataDir, String listenHost, int listenPort, String zone,
                           boolean catalog, String joinAddress, long capacityBytes,
                           String metricsListen, Path portFile,
                           long heartbeatIntervalMs, long repairIntervalMs, int scrubPagesPerSecond,
                           long livenessTimeoutMs, long reReplicationGraceMs, int workerThreads) {

    public static final long HEARTBEAT_INTERVAL_MS_DEFAULT = 1000;
    public static final long REPAIR_INTERVAL_MS_DEFAULT = 2000;
    public static final int SCRUB_PAGES_PER_SECOND_DEFAULT = 200;
    public static final long LIVENESS_TIMEOUT_MS_DEFAULT = 3000;
    public static final long RE_REPLICATION_GRACE_MS_DEFAULT = 10 * 60_000;
    public static final int WORKER_THREADS_DEFAULT = 8;
    public static final long CAPACITY_BYTES_DEFAULT = 100L << 30;

    public ServerConfig {
        if (dataDir == null) {
            throw new IllegalArgumentException("--data is required");
        }
        if (catalog == (joinAddress != null)) {
            throw new IllegalArgumentException("give exactly one of --catalog and --join");
        }
        if (zone == null || zone.isBlank() || !zone.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("--zone must be 1-64 characters of A-Z a-z 0-9 . _ -");
        }
        if (capacityBytes <= 0) {
            throw new IllegalArgumentException("--capacity must be positive");
        }
        if (listenPort < 0 || listenPort > 65535) {
            throw new IllegalArgumentException("listen port out of range: " + listenPort);
        }
        if (heartbeatIntervalMs < 50 || heartbeatIntervalMs * 2 > livenessTimeoutMs) {
            throw new IllegalArgumentException("heartbeat interval must be >= 50 ms and at most half the liveness timeout");
        }
        if (repairIntervalMs < 100) {
            throw new IllegalArgumentException("repair interval must be >= 100 ms");
        }
        if (reReplicationGraceMs < livenessTimeoutMs) {
            throw new IllegalArgumentException("re-replication grace must be >= the liveness timeout");
        }
        if (workerThreads < 1 || workerThreads > 256) {
            throw new IllegalArgumentException("worker threads must be 1..256");
        }
    }
}
