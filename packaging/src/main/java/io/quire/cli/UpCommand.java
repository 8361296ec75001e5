package io.quire.cli;

import io.quire.cluster.Volume;
import io.quire.mount.daemon.DaemonConfig;
import io.quire.mount.daemon.MountDaemon;
import io.quire.mount.daemon.MountPoints;
import io.quire.mount.daemon.Preflight;
import io.quire.mount.daemon.RuntimeFiles;
import io.quire.mount.daemon.StateDirs;
import io.quire.proto.Opcode;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Confined to the main thread (picocli fills it). {@code quire up [DIR]} is a first try in one
 * command: three volume servers in this JVM (zones a, b, c, data under {@code STATE/up}), the
 * volume {@code demo} created if missing, mounted at DIR in the foreground; Ctrl-C or
 * {@code quire umount DIR} flushes, unmounts and stops everything.
 */
@Command(name = "up", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Start a local 3-server cluster in this process and mount a volume of it (a first try).",
            "Stops cleanly on Ctrl-C or 'quire umount DIR'."})
final class UpCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", defaultValue = "quire-mnt",
            description = "Where to mount (created if missing; default: ./${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--volume", paramLabel = "NAME", defaultValue = "demo", description = "Volume name (default: ${DEFAULT-VALUE}).")
    String volume;

    @Option(names = "--size", paramLabel = "SIZE", converter = Sizes.class, defaultValue = "10G",
            description = "Size of a new volume (default: ${DEFAULT-VALUE}).")
    long size;

    @Option(names = "--max-size", paramLabel = "SIZE", converter = Sizes.class, defaultValue = "100G",
            description = "Size a new volume may grow to (default: ${DEFAULT-VALUE}).")
    long maxSize;

    @Option(names = "--cache-size", paramLabel = "SIZE", converter = Sizes.class, defaultValue = "2G",
            description = "Largest size of the local cache (default: ${DEFAULT-VALUE}).")
    long cacheSize;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "State directory (default: as quire mount).")
    Path stateDir;

    @Override
    public Integer call() throws Exception {
        StateDirs state = StateDirs.resolve(stateDir);
        Path mp = dir.toAbsolutePath().normalize();
        Files.createDirectories(state.upDir());
        AtomicReference<LocalCluster> cluster = new AtomicReference<>();
        PrintWriter out = spec.commandLine().getOut();
        return Foreground.run(() -> {
            out.println("starting 3 servers (data in " + state.upDir() + ")...");
            out.flush();
            LocalCluster c = LocalCluster.start(state.upDir());
            cluster.set(c);
            Volume v = createIfMissing(c);
            if (MountPoints.mountedType(mp).isEmpty() && !Files.exists(mp)) {
                Files.createDirectories(mp);
            }
            Preflight.prepareMountPoint(mp, new RuntimeFiles(state));
            return MountDaemon.start(DaemonConfig.defaults(v.name(), mp, c.catalog().address(), state)
                    .withCacheDir(state.upDir().resolve("cache")).withCacheBytesMax(cacheSize));
        }, d -> printWelcome(out, d, cluster.get()), () -> {
            LocalCluster c = cluster.get();
            if (c != null) {
                c.close();
            }
        }, Foreground.stopWaitMs(DaemonConfig.IO_TIMEOUT_DEFAULT_MS));
    }

    private Volume createIfMissing(LocalCluster c) {
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("name", volume);
        req.put("sizeBytes", size);
        req.put("maxSizeBytes", Math.max(size, maxSize));
        req.put("replicas", 3);
        req.put("writeQuorum", 2);
        req.put("pageSizeBytes", 64 * 1024);
        try {
            return c.catalog().call(Opcode.CREATE_VOLUME, req, Volume.class);
        } catch (QuireException e) {
            if (e.status() != Status.VOLUME_EXISTS) {
                throw e;
            }
            return c.catalog().clusterMap().volume(volume).orElseThrow(() -> e);
        }
    }

    private static void printWelcome(PrintWriter out, MountDaemon d, LocalCluster c) {
        Volume v = d.volume();
        Path mp = d.mountPoint();
        String catalog = c.catalog().address();
        // One write, so whoever waits for "Quire is up" finds the rest of the banner with it.
        String nl = System.lineSeparator();
        out.print(nl
                + "Quire is up: volume '" + v.name() + "' (" + Sizes.format(v.sizeBytes()) + ", grows to "
                + Sizes.format(v.maxSizeBytes()) + ", 3 replicas) is mounted at " + mp + nl
                + "Catalog: " + catalog + " (servers in zones a, b, c, in this process)" + nl
                + nl
                + "Try, in another shell:" + nl
                + "  export QUIRE_CATALOG=" + catalog + nl
                + "  quire status" + nl
                + "  cp -r /usr/share/doc " + mp + "/ && ls " + mp + nl
                + "  df -h " + mp + nl
                + "  quire umount " + mp + "     (or Ctrl-C here: pending writes are flushed first)" + nl);
        out.flush();
    }
}
