package io.quire.mount.daemon;

import io.quire.client.CatalogClient;
import io.quire.mount.MountConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * Thread-safe (immutable). What one mount daemon is started with, checked when built.
 *
 * @param cacheDir      the cache; null for the default, {@code STATE/cache/VOLUME}
 * @param fuseOptions   extra {@code -o} options, one per element
 * @param leaseTtlMs    the read-write lease's TTL; it is renewed every third of it
 * @param ioTimeoutMs   how long a blocking operation waits for W replicas before EIO (fsync, cold
 *                      read, a writer waiting for dirty room); also each replica call's deadline
 * @param mapPollMs     how often the cluster map is refreshed (df shows growth this late at most)
 * @param growCheckMs   how often usage is compared with the size
 * @param writebackDelayMs how long a partly written page waits before its upload
 *                      ({@link MountConfig#writebackDelayMs()}; 0 uploads at once)
 * @param metricsListen HOST:PORT for Prometheus metrics, or null
 * @param logFile       where this daemon logs when started in the background, or null
 */
public record DaemonConfig(String volume, Path mountPoint, String catalog, Path cacheDir, long cacheBytesMax,
                           boolean readOnly, List<String> fuseOptions, StateDirs state, long leaseTtlMs,
                           long ioTimeoutMs, long mapPollMs, long growCheckMs, long writebackDelayMs, String metricsListen,
                           Path logFile) {
    public static final long IO_TIMEOUT_DEFAULT_MS = 60_000;
    public static final long IO_TIMEOUT_MIN_MS = 1_000;
    public static final long IO_TIMEOUT_MAX_MS = 60 * 60_000;
    public static final long MAP_POLL_DEFAULT_MS = 2_000;
    public static final long MAP_POLL_MIN_MS = 50;
    /** One replica call never waits longer than this, even with a long I/O timeout. */
    public static final long ATTEMPT_TIMEOUT_MAX_MS = 5_000;
    /** Below this a cache cannot hold the dirty bound of even the smallest page size. */
    public static final long CACHE_BYTES_MIN = 16L << 20;

    public DaemonConfig {
        require(volume != null && !volume.isBlank(), "a volume name");
        require(mountPoint != null, "a mount point");
        mountPoint = MountPoints.normalize(mountPoint);
        catalog = CatalogClient.checkAddress(catalog);
        require(cacheBytesMax >= CACHE_BYTES_MIN, "--cache-size of at least " + (CACHE_BYTES_MIN >> 20) + "M");
        fuseOptions = List.copyOf(fuseOptions);
        for (String o : fuseOptions) {
            require(!o.isBlank() && !o.contains(",") && o.chars().noneMatch(Character::isWhitespace),
                    "FUSE options without blanks, one per -o or comma-separated; got '" + o + "'");
        }
        require(state != null, "a state directory");
        require(leaseTtlMs >= LeaseKeeper.TTL_MIN_MS && leaseTtlMs <= LeaseKeeper.TTL_MAX_MS,
                "a lease TTL within " + LeaseKeeper.TTL_MIN_MS + ".." + LeaseKeeper.TTL_MAX_MS + " ms");
        require(ioTimeoutMs >= IO_TIMEOUT_MIN_MS && ioTimeoutMs <= IO_TIMEOUT_MAX_MS,
                "an I/O timeout within " + IO_TIMEOUT_MIN_MS + ".." + IO_TIMEOUT_MAX_MS + " ms");
        require(mapPollMs >= MAP_POLL_MIN_MS && growCheckMs >= MAP_POLL_MIN_MS, "poll intervals of at least "
                + MAP_POLL_MIN_MS + " ms");
        require(writebackDelayMs >= 0 && writebackDelayMs <= MountConfig.WRITEBACK_DELAY_MAX_MS,
                "--writeback-delay-ms within 0.." + MountConfig.WRITEBACK_DELAY_MAX_MS);
        if (metricsListen != null) {
            CatalogClient.checkAddress(metricsListen);
        }
    }

    /** Defaults for everything but what names the mount. */
    public static DaemonConfig defaults(String volume, Path mountPoint, String catalog, StateDirs state) {
        return new DaemonConfig(volume, mountPoint, catalog, null, MountConfig.CACHE_BYTES_DEFAULT, false, List.of(),
                state, LeaseKeeper.TTL_DEFAULT_MS, IO_TIMEOUT_DEFAULT_MS, MAP_POLL_DEFAULT_MS,
                VolumeSpace.CHECK_INTERVAL_DEFAULT_MS, MountConfig.WRITEBACK_DELAY_DEFAULT_MS, null, null);
    }

    /** The cache directory this mount uses when read-write. */
    public Path effectiveCacheDir() {
        return cacheDir != null ? cacheDir.toAbsolutePath().normalize() : state.cacheOf(volume);
    }

    public DaemonConfig withCacheDir(Path dir) {
        return new DaemonConfig(volume, mountPoint, catalog, dir, cacheBytesMax, readOnly, fuseOptions, state,
                leaseTtlMs, ioTimeoutMs, mapPollMs, growCheckMs, writebackDelayMs, metricsListen, logFile);
    }

    public DaemonConfig withCacheBytesMax(long bytes) {
        return new DaemonConfig(volume, mountPoint, catalog, cacheDir, bytes, readOnly, fuseOptions, state,
                leaseTtlMs, ioTimeoutMs, mapPollMs, growCheckMs, writebackDelayMs, metricsListen, logFile);
    }

    public DaemonConfig withTimings(long leaseTtlMs, long ioTimeoutMs, long mapPollMs, long growCheckMs) {
        return new DaemonConfig(volume, mountPoint, catalog, cacheDir, cacheBytesMax, readOnly, fuseOptions, state,
                leaseTtlMs, ioTimeoutMs, mapPollMs, growCheckMs, writebackDelayMs, metricsListen, logFile);
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException("expected " + what);
        }
    }
}
