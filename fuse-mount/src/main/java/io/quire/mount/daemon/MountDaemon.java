package io.quire.mount.daemon;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.quire.client.CatalogClient;
import io.quire.client.ClusterMapCache;
import io.quire.client.QuorumReplicatedPages;
import io.quire.cluster.GrowVolumeRequest;
import io.quire.cluster.Volume;
import io.quire.metrics.MetricsHttpServer;
import io.quire.mount.Errno;
import io.quire.mount.MountConfig;
import io.quire.mount.PosixException;
import io.quire.mount.WriteAdmission;
import io.quire.mount.fuse.FuseMount;
import io.quire.mount.vfs.StatFs;
import io.quire.mount.vfs.Vfs;
import io.quire.net.ConnectionPool;
import io.quire.proto.Opcode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe. One running {@code quire mount}: the cluster connection, the read-write lease,
 * the cache, the POSIX layer and the FUSE mount, started in that order by {@link #start} and torn
 * down in the reverse order by {@link #close}.
 *
 * <p>Start: clean a stale mount at the mount point, read the cluster map, find the volume, take
 * the lease ({@link LeaseKeeper}; never with {@code readOnly}), claim the cache for the lease's
 * epoch ({@link CacheToken}), open the {@link Vfs} (which uploads what a previous run left dirty)
 * over {@link QuorumReplicatedPages}, mount it, write the runtime file ({@link RuntimeFiles}).
 * Any failure undoes what was done, the lease included.
 *
 * <p>Stop ({@link #close}): unmount, wait (bounded by the I/O timeout) until every dirty page has
 * W acknowledgements, close the Vfs (which flushes what it still holds), release the lease, drop
 * the runtime file. {@link #awaitStop} returns when a stop was asked for or when the file system
 * was unmounted from outside.
 */
public final class MountDaemon implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MountDaemon.class);
    /** Replica retries start this soon; they back off from there. */
    private static final long RETRY_BACKOFF_MS = 50;
    /** How often the stop wait looks at the mount (an outside umount ends the daemon). */
    private static final long MOUNT_WATCH_MS = 1_000;
    private static final long DRAIN_POLL_MS = 50;
    private static final long DRAIN_LOG_EVERY_MS = 5_000;

    private final DaemonConfig config;
    private final RuntimeFiles runtime;
    private final List<AutoCloseable> opened = new ArrayList<>(); // closed in reverse order on failure
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private ConnectionPool pool;
    private CatalogClient catalog;
    private ClusterMapCache maps;
    private Volume volume;
    private LeaseKeeper lease;
    private VolumeSpace space;
    private QuorumReplicatedPages replicas;
    private Vfs vfs;
    private FuseMount fuse;
    private MetricsHttpServer metrics;
    private Path cacheDir;
    private boolean temporaryCache;
    private boolean closed;
    private boolean clean;

    private MountDaemon(DaemonConfig config) {
        this.config = config;
        this.runtime = new RuntimeFiles(config.state());
    }

    /** Mounts as {@code config} says and returns once the mount is ready. */
    public static MountDaemon start(DaemonConfig config) {
        MountDaemon d = new MountDaemon(config);
        try {
            d.startUp();
            return d;
        } catch (RuntimeException | Error e) {
            d.abort();
            throw e;
        }
    }

    private void startUp() {
        Path mp = config.mountPoint();
        Preflight.prepareMountPoint(mp, runtime);
        pool = new ConnectionPool();
        opened.add(pool);
        catalog = new CatalogClient(pool, config.catalog());
        maps = new ClusterMapCache(catalog);
        opened.add(maps);
        volume = Preflight.findVolume(maps, config.volume(), config.catalog());
        long epoch;
        if (config.readOnly()) {
            // Versions read need an epoch above the newest written (rebuilding the metadata checks
            // that); nothing is ever written with it (ReadOnlyReplicatedPages), so no fence rises.
            epoch = volume.leaseEpoch() + 1;
            cacheDir = createTemporaryCache(config.volume());
            temporaryCache = true;
        } else {
            cacheDir = config.effectiveCacheDir();
            if (Files.exists(cacheDir) && !Files.isDirectory(cacheDir)) {
                throw new IllegalArgumentException("cache directory " + cacheDir + " is not a directory");
            }
            // The next grant is leaseEpoch + 1 unless someone races us; claim checks again after.
            CacheToken.check(cacheDir, volume.id(), volume.name(), volume.leaseEpoch() + 1);
            lease = LeaseKeeper.acquire(new CatalogLeaseAuthority(catalog, maps), config.volume(), LeaseHolder.of(mp),
                    config.leaseTtlMs());
            opened.add(lease);
            epoch = lease.epoch();
            volume = lease.grantedVolume();
            CacheToken.claim(cacheDir, volume.id(), volume.name(), epoch);
        }
        maps.startPolling(config.mapPollMs());
        long volumeId = volume.id();
        space = new VolumeSpace(volume, () -> maps.map().volume(volumeId).orElse(null), this::grow,
                config.growCheckMs());
        opened.add(space);
        registerGauges();
        long attemptMs = Math.min(DaemonConfig.ATTEMPT_TIMEOUT_MAX_MS, config.ioTimeoutMs());
        replicas = new QuorumReplicatedPages(pool, maps,
                new QuorumReplicatedPages.Config(attemptMs, config.ioTimeoutMs(), RETRY_BACKOFF_MS), registry);
        opened.add(replicas);
        vfs = Vfs.open(mountConfig(epoch), config.readOnly() ? new ReadOnlyReplicatedPages(replicas) : replicas,
                registry);
        opened.add(vfs);
        if (!config.readOnly()) {
            space.start(this::usedBytes);
        }
        if (config.metricsListen() != null) {
            try {
                metrics = MetricsHttpServer.start(config.metricsListen(), registry);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot serve metrics on " + config.metricsListen() + ": " + e.getMessage(), e);
            }
            opened.add(metrics);
        }
        fuse = FuseMount.mount(vfs, mp, fuseOptions(), registry);
        opened.add(fuse);
        runtime.write(new RuntimeFiles.Entry(ProcessHandle.current().pid(), RuntimeFiles.currentProcessStartMs(),
                mp.toString(), volume.name(), volume.id(), epoch, config.readOnly(), config.catalog(),
                cacheDir.toString(), config.logFile() == null ? null : config.logFile().toString()));
        log.info("volume {} (id {}) mounted {} at {}, epoch {}, cache {}", volume.name(), volume.id(),
                config.readOnly() ? "read-only" : "read-write", mp, epoch, cacheDir);
    }

    /** Lease and room, next to the POSIX layer's own meters. */
    private void registerGauges() {
        Gauge.builder("quire.volume.size", space, VolumeSpace::sizeBytes).baseUnit("bytes").register(registry);
        FunctionCounter.builder("quire.volume.enospc", space, VolumeSpace::refusals).register(registry);
        if (lease != null) {
            Gauge.builder("quire.lease.held", lease, l -> l.held() ? 1 : 0).register(registry);
            Gauge.builder("quire.lease.epoch", lease, LeaseKeeper::epoch).register(registry);
        }
    }

    private MountConfig mountConfig(long epoch) {
        int pageSize = volume.pageSizeBytes();
        long dirty = Math.min(MountConfig.DIRTY_BYTES_DEFAULT,
                config.cacheBytesMax() * MountConfig.DIRTY_SHARE_OF_CACHE_MAX_PERCENT / 100);
        long dirtyMin = (long) MountConfig.DIRTY_PAGES_MIN * pageSize;
        if (dirty < dirtyMin) {
            throw new IllegalArgumentException("--cache-size " + config.cacheBytesMax() + " is too small for volume "
                    + volume.name() + " with " + pageSize + "-byte pages: it needs at least "
                    + dirtyMin * 100 / MountConfig.DIRTY_SHARE_OF_CACHE_MAX_PERCENT + " bytes");
        }
        WriteAdmission admission = config.readOnly()
                ? (used, growth) -> {
                    throw new PosixException(Errno.EROFS, "volume " + volume.name() + " is mounted read-only");
                }
                : (used, growth) -> {
                    lease.checkHeld();
                    space.checkRoom(used, growth);
                };
        return MountConfig.builder(volume.id(), volume.name(), epoch, cacheDir)
                .pageSizeBytes(pageSize)
                .cacheBytesMax(config.cacheBytesMax())
                .dirtyBytesMax(dirty)
                .volumeSizeBytes(space::sizeBytes)
                .fsyncTimeoutMs(config.ioTimeoutMs())
                .readTimeoutMs(config.ioTimeoutMs())
                .dirtyWaitMs(config.ioTimeoutMs())
                .writebackDelayMs(config.writebackDelayMs())
                .writeAdmission(admission)
                .build();
    }

    private FuseMount.Options fuseOptions() {
        List<String> extra = new ArrayList<>(config.fuseOptions());
        extra.remove("default_permissions"); // always on
        if (config.readOnly() && !extra.contains("ro")) {
            extra.add("ro");
        }
        // allow_other needs root or user_allow_other in /etc/fuse.conf; without it the mount fails.
        return new FuseMount.Options(Preflight.mayAllowOther(), true, false, extra);
    }

    /** What statfs counts as used: the pages holding data. */
    private long usedBytes() {
        StatFs s = vfs.statfs();
        return (s.blocks() - s.blocksFree()) * s.fragmentSize();
    }

    private void grow(Volume v, long usedBytes) {
        catalog.call(Opcode.GROW_VOLUME, new GrowVolumeRequest(v.name(), usedBytes), Volume.class);
        maps.refresh(); // df shows the new size now, not at the next poll
    }

    private static Path createTemporaryCache(String volume) {
        try {
            return Files.createTempDirectory("quire-ro-" + volume + "-");
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a temporary cache: " + e.getMessage(), e);
        }
    }

    public Volume volume() {
        return space.volume();
    }

    public long epoch() {
        return vfs.config().epoch();
    }

    public Path mountPoint() {
        return config.mountPoint();
    }

    public Path cacheDir() {
        return cacheDir;
    }

    /** The lease keeper (null for a read-only mount). */
    public LeaseKeeper lease() {
        return lease;
    }

    public Vfs vfs() {
        return vfs;
    }

    /** Asks {@link #awaitStop} to return (a signal, {@code quire umount}). */
    public void requestStop() {
        stopRequested.countDown();
    }

    /** Waits until a stop is requested or the file system was unmounted from outside. */
    public void awaitStop() throws InterruptedException {
        while (!stopRequested.await(MOUNT_WATCH_MS, TimeUnit.MILLISECONDS)) {
            if (!fuse.isMounted()) {
                log.warn("{} was unmounted from outside; stopping", config.mountPoint());
                return;
            }
        }
    }

    /** True when the last {@link #close} left no page without W acknowledgements. */
    public synchronized boolean closedClean() {
        return clean;
    }

    /** Unmounts, flushes, releases the lease; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        log.info("stopping: unmounting {} (volume {})", config.mountPoint(), volume.name());
        space.close();
        fuse.close();
        if (metrics != null) {
            metrics.close();
        }
        clean = drain();
        vfs.close();
        if (lease != null) {
            lease.close();
        }
        replicas.close();
        maps.close();
        pool.close();
        runtime.delete(config.mountPoint(), ProcessHandle.current().pid());
        if (temporaryCache) {
            deleteTree(cacheDir);
        }
        log.info("stopped: volume {} {}", volume.name(), clean ? "fully flushed" : "closed with unflushed pages"
                + " (they stay in the cache and are uploaded by the next mount with it)");
    }

    /**
     * Waits for every dirty page to reach W replicas, up to the I/O timeout without progress;
     * true when none is left.
     */
    private boolean drain() {
        if (lease == null) {
            return true;
        }
        vfs.uploadAll();
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(config.ioTimeoutMs());
        long nextLog = start + TimeUnit.MILLISECONDS.toNanos(DRAIN_LOG_EVERY_MS);
        long lastLeft = Long.MAX_VALUE;
        long left = vfs.dirtyPages();
        while (left > 0) {
            long now = System.nanoTime();
            if (left < lastLeft) { // progress: the deadline counts from the last acknowledged page
                lastLeft = left;
                deadline = now + TimeUnit.MILLISECONDS.toNanos(config.ioTimeoutMs());
            }
            if (!lease.held() || now - deadline > 0) {
                log.error("volume {}: {} pages not yet on W replicas at stop ({}); they stay in cache {}",
                        volume.name(), vfs.dirtyPages(), lease.held() ? "I/O timeout" : "lease lost", cacheDir);
                return false;
            }
            if (now - nextLog > 0) {
                log.info("volume {}: flushing, {} pages left", volume.name(), vfs.dirtyPages());
                nextLog = now + TimeUnit.MILLISECONDS.toNanos(DRAIN_LOG_EVERY_MS);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(DRAIN_POLL_MS));
            left = vfs.dirtyPages();
        }
        return true;
    }

    /** Undoes a failed start, newest first; never throws. */
    private void abort() {
        for (int i = opened.size() - 1; i >= 0; i--) {
            try {
                opened.get(i).close();
            } catch (Exception e) {
                log.warn("while undoing a failed start: {}", e.toString());
            }
        }
        if (temporaryCache && cacheDir != null) {
            deleteTree(cacheDir);
        }
    }

    private static void deleteTree(Path dir) {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            log.warn("cannot remove temporary cache {}: {}", dir, e.toString());
        }
    }
}
