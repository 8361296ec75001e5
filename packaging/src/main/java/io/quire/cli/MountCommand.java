package io.quire.cli;

import io.quire.client.CatalogClient;
import io.quire.client.ClusterMapCache;
import io.quire.cluster.Volume;
import io.quire.mount.MountConfig;
import io.quire.mount.daemon.CacheToken;
import io.quire.mount.daemon.DaemonConfig;
import io.quire.mount.daemon.DaemonLauncher;
import io.quire.mount.daemon.LeaseKeeper;
import io.quire.mount.daemon.MountDaemon;
import io.quire.mount.daemon.Preflight;
import io.quire.mount.daemon.RuntimeFiles;
import io.quire.mount.daemon.StateDirs;
import io.quire.mount.daemon.VolumeSpace;
import io.quire.net.ConnectionPool;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Confined to the main thread (picocli fills it). {@code quire mount VOLUME MOUNTPOINT} mounts a
 * volume, in the background by default: the command checks what it can (mount point, catalog,
 * volume, lease), starts the daemon as a detached child running this same command with
 * {@code --foreground}, and returns once the mount is ready.
 */
@Command(name = "mount", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Mount a volume at a directory.",
            "Runs in the background and returns once the mount is ready, unless --foreground.",
            "Stop it with 'quire umount MOUNTPOINT' (or Ctrl-C with --foreground): pending writes are"
                + " flushed to the servers first."})
final class MountCommand implements Callable<Integer> {
    /** How long the background start waits for the daemon (it may wait out a dead daemon's lease). */
    static final long READY_TIMEOUT_DEFAULT_S = 120;

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "VOLUME", description = "The volume to mount.")
    String volume;

    @Parameters(index = "1", paramLabel = "MOUNTPOINT", description = "An existing directory.")
    Path mountPoint;

    @Option(names = "--catalog", paramLabel = "HOST:PORT", defaultValue = "${env:QUIRE_CATALOG}",
            description = "Catalog address (default: $QUIRE_CATALOG).")
    String catalog;

    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "Local cache of the volume (default: STATE/cache/VOLUME).")
    Path cacheDir;

    @Option(names = "--cache-size", paramLabel = "SIZE", converter = Sizes.class, defaultValue = "2G",
            description = "Largest size of the local cache (default: ${DEFAULT-VALUE}).")
    long cacheSize;

    @Option(names = "--read-only", description = "Mount read-only (takes no lease; many may mount so).")
    boolean readOnly;

    @Option(names = "-o", paramLabel = "OPTIONS", split = ",",
            description = "More FUSE mount options, comma-separated (e.g. nonempty).")
    List<String> fuseOptions = new ArrayList<>();

    @Option(names = {"-f", "--foreground"}, description = "Stay in the foreground, logging to stderr.")
    boolean foreground;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "State directory (default: $QUIRE_STATE_DIR, /var/lib/quire for root, else"
                + " $XDG_STATE_HOME/quire or ~/.local/state/quire).")
    Path stateDir;

    @Option(names = "--metrics-listen", paramLabel = "HOST:PORT",
            description = "Serve Prometheus metrics at http://HOST:PORT/metrics.")
    String metricsListen;

    @Option(names = "--io-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long fsync, reads and writes wait for the replicas before failing with EIO"
                + " (default: ${DEFAULT-VALUE}).")
    long ioTimeoutS;

    @Option(names = "--writeback-delay-ms", paramLabel = "MS", defaultValue = "" + MountConfig.WRITEBACK_DELAY_DEFAULT_MS,
            description = "How long a partly written page may stay in the cache before it is uploaded; fsync,"
                + " umount and a dirty cache past half its bound upload at once, and so does a page written whole"
                + " (0: upload every page at once; default: ${DEFAULT-VALUE}).")
    long writebackDelayMs;

    @Option(names = "--ready-timeout", paramLabel = "SECONDS", defaultValue = "" + READY_TIMEOUT_DEFAULT_S,
            description = "How long to wait for a background mount to be ready (default: ${DEFAULT-VALUE}).")
    long readyTimeoutS;

    @Option(names = "--lease-ttl-ms", hidden = true, defaultValue = "" + LeaseKeeper.TTL_DEFAULT_MS)
    long leaseTtlMs;

    @Option(names = "--map-poll-ms", hidden = true, defaultValue = "" + DaemonConfig.MAP_POLL_DEFAULT_MS)
    long mapPollMs;

    @Option(names = "--grow-check-ms", hidden = true, defaultValue = "" + VolumeSpace.CHECK_INTERVAL_DEFAULT_MS)
    long growCheckMs;

    /** Set by the background start: the log the daemon's output goes to (for its runtime file). */
    @Option(names = "--daemon-log", hidden = true)
    Path daemonLog;

    @Override
    public Integer call() throws Exception {
        StateDirs state = StateDirs.resolve(stateDir);
        DaemonConfig config = config(state);
        if (foreground) {
            return Foreground.run(() -> MountDaemon.start(config), d -> { }, () -> { },
                    Foreground.stopWaitMs(config.ioTimeoutMs()));
        }
        Preflight.prepareMountPoint(config.mountPoint(), new RuntimeFiles(state));
        Volume v = checkVolume(config);
        RuntimeFiles.Entry e = DaemonLauncher.launch(QuireCli.class.getName(), childArgs(config), config.mountPoint(),
                state, readyTimeoutS * 1000);
        PrintWriter out = spec.commandLine().getOut();
        out.println("mounted volume " + v.name() + " at " + e.mountPoint() + (e.readOnly() ? " read-only" : "")
                + " (daemon pid " + e.pid() + ", epoch " + e.epoch() + ", log " + e.logFile() + ")");
        out.flush();
        return 0;
    }

    private DaemonConfig config(StateDirs state) {
        if (ioTimeoutS <= 0 || readyTimeoutS <= 0) {
            throw new IllegalArgumentException("--io-timeout and --ready-timeout must be positive");
        }
        return new DaemonConfig(volume, mountPoint, catalog,
                cacheDir == null ? null : cacheDir.toAbsolutePath().normalize(), cacheSize, readOnly, fuseOptions,
                state, leaseTtlMs, ioTimeoutS * 1000, mapPollMs, growCheckMs, writebackDelayMs, metricsListen,
                daemonLog == null ? null : daemonLog.toAbsolutePath());
    }

    /** A wrong catalog, volume, held lease or stale cache is reported here, in one line, not from the daemon's log. */
    private static Volume checkVolume(DaemonConfig config) {
        try (ConnectionPool pool = new ConnectionPool(); ClusterMapCache maps =
                new ClusterMapCache(new CatalogClient(pool, config.catalog()))) {
            Volume v = Preflight.findVolume(maps, config.volume(), config.catalog());
            if (!config.readOnly()) {
                Preflight.checkLeaseFree(maps.map(), v);
                CacheToken.check(config.effectiveCacheDir(), v.id(), v.name(), v.leaseEpoch() + 1);
            }
            return v;
        }
    }

    /** This command again, for the daemon: absolute paths (it runs in /), --foreground, its log. */
    private List<String> childArgs(DaemonConfig c) {
        List<String> a = new ArrayList<>(List.of("mount", c.volume(), c.mountPoint().toString(),
                "--catalog", c.catalog(), "--state-dir", c.state().root().toString(),
                "--cache-size", Long.toString(c.cacheBytesMax()), "--io-timeout", Long.toString(ioTimeoutS),
                "--lease-ttl-ms", Long.toString(c.leaseTtlMs()), "--map-poll-ms", Long.toString(c.mapPollMs()),
                "--grow-check-ms", Long.toString(c.growCheckMs()),
                "--writeback-delay-ms", Long.toString(c.writebackDelayMs()),
                "--daemon-log", c.state().logOf(c.mountPoint()).toString(), "--foreground"));
        if (c.cacheDir() != null) {
            a.addAll(List.of("--cache-dir", c.cacheDir().toString()));
        }
        if (c.readOnly()) {
            a.add("--read-only");
        }
        if (!c.fuseOptions().isEmpty()) {
            a.addAll(List.of("-o", String.join(",", c.fuseOptions())));
        }
        if (c.metricsListen() != null) {
            a.addAll(List.of("--metrics-listen", c.metricsListen()));
        }
        return a;
    }
}
