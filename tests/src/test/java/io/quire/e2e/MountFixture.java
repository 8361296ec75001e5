package io.quire.e2e;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real {@code quire mount} daemons against a {@link ClusterFixture}. Not thread-safe: one test
 * drives it. {@link #close()} unmounts everything it mounted — through {@code quire umount}, and
 * when that fails by killing the daemon and {@code umount -l} — also when a test failed.
 */
final class MountFixture implements AutoCloseable {
    static final Duration MOUNT_WAIT = Duration.ofSeconds(60);

    private final ClusterFixture cluster;
    private final Path root;
    private final List<Path> mountPoints = new ArrayList<>();
    private final List<Process> daemons = new ArrayList<>();

    MountFixture(ClusterFixture cluster, Path root) {
        this.cluster = cluster;
        this.root = root;
    }

    /** A daemon started with {@code --foreground} by this test, so it can be killed by PID. */
    record Daemon(Process process, Path mountPoint, Path log) {
        void kill9() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Starts {@code quire mount VOLUME DIR --foreground ...} and waits until DIR is mounted. */
    Daemon mountForeground(String volume, Path dir, Path cacheDir, String... extra) throws IOException {
        if (!isStale(dir)) {
            Files.createDirectories(dir);
        }
        Path log = root.resolve("mount-" + dir.getFileName() + "-" + System.nanoTime() + ".log");
        List<String> cmd = new ArrayList<>(ClusterFixture.javaCommand());
        cmd.addAll(List.of("mount", volume, dir.toString(), "--catalog", cluster.catalog(),
                "--cache-dir", cacheDir.toString(), "--foreground"));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        remember(dir);
        daemons.add(p);
        await("mount of " + dir).atMost(MOUNT_WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
            if (!p.isAlive()) {
                throw new IllegalStateException("quire mount exited with " + p.exitValue() + ":\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
            return isMounted(dir);
        });
        return new Daemon(p, dir, log);
    }

    /** {@code quire mount} without --foreground, in this JVM: returns once mounted (or fails). */
    ClusterFixture.Result mount(String volume, Path dir, Path cacheDir, String... extra) throws IOException {
        if (!isStale(dir)) { // a dead daemon's mount point cannot be stat'ed; quire mount cleans it up
            Files.createDirectories(dir);
        }
        remember(dir);
        List<String> args = new ArrayList<>(List.of("mount", volume, dir.toString(), "--cache-dir", cacheDir.toString()));
        args.addAll(List.of(extra));
        return cluster.cli(args.toArray(String[]::new));
    }

    ClusterFixture.Result umount(Path dir) {
        return ClusterFixture.runWithoutCatalog("umount", dir.toString());
    }

    private void remember(Path dir) {
        if (!mountPoints.contains(dir)) {
            mountPoints.add(dir);
        }
    }

    /** Mounted: the directory's device differs from its parent's. A dead daemon's mount throws here. */
    static boolean isMounted(Path dir) {
        try {
            Object dev = Files.getAttribute(dir, "unix:dev");
            Object parentDev = Files.getAttribute(dir.toAbsolutePath().getParent(), "unix:dev");
            return !dev.equals(parentDev);
        } catch (IOException e) {
            return false;
        }
    }

    /** Runs a command, returns its exit status and combined output. Bounded by {@code timeoutSec}. */
    static ClusterFixture.Result sh(long timeoutSec, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out;
        if (!p.waitFor(timeoutSec, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor();
            out = p.getInputStream().readAllBytes();
            return new ClusterFixture.Result(-1, new String(out, StandardCharsets.UTF_8), "timed out");
        }
        out = p.getInputStream().readAllBytes();
        return new ClusterFixture.Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), "");
    }

    void dumpLogs() throws IOException {
        try (var files = Files.list(root)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("mount-")).toList()) {
                System.out.println("==== " + f + " ====");
                System.out.println(Files.readString(f, StandardCharsets.UTF_8));
            }
        }
    }

    @Override
    public void close() {
        for (Path dir : mountPoints) {
            if (isMounted(dir) || isStale(dir)) {
                ClusterFixture.Result r = umount(dir);
                if (r.exit() != 0 || isMounted(dir)) {
                    System.out.println("quire umount " + dir + " failed (" + r.err().strip() + "); forcing");
                }
            }
        }
        for (Process p : daemons) {
            if (p.isAlive()) {
                p.destroyForcibly();
                try {
                    p.waitFor(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        for (Path dir : mountPoints) {
            unmountLazily(dir);
        }
    }

    /**
     * Last-resort cleanup: {@code umount -l DIR} when DIR is still mounted or stale (its daemon
     * died). Does nothing otherwise; never throws, bounded by 30 s.
     */
    static void unmountLazily(Path dir) {
        if (isMounted(dir) || isStale(dir)) {
            try {
                sh(30, "umount", "-l", dir.toString());
            } catch (IOException | InterruptedException e) {
                System.out.println("umount -l " + dir + " failed: " + e);
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** A mount whose daemon died: stat fails with "Transport endpoint is not connected". */
    static boolean isStale(Path dir) {
        try {
            Files.getAttribute(dir, "unix:dev");
            return false;
        } catch (IOException e) {
            return String.valueOf(e.getMessage()).contains("not connected")
                    || String.valueOf(e.getMessage()).contains("Transport endpoint");
        }
    }
}
