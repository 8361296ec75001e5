package io.quire.mount.daemon;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * Thread-safe (stateless). Starts a mount daemon in the background: the same JVM (java binary,
 * JVM flags, class path) runs {@code MAIN ARGS...} in a new session ({@code setsid}, so that the
 * terminal's Ctrl-C or hang-up does not reach it), with stdin from /dev/null and stdout and stderr
 * appended to its log file; then waits until it is ready.
 *
 * <p>Ready means what the tests mean by mounted: the daemon's runtime file names a live process
 * and the mount point's device differs from its parent's. If the daemon exits first, or is not
 * ready in time (then it is stopped), the failure carries the daemon's own error line, or the
 * tail of its log.
 */
public final class DaemonLauncher {
    /** A log larger than this is moved to LOG.1 before the next start, so logs stay bounded. */
    static final long LOG_BYTES_MAX = 16L << 20;
    static final int LOG_TAIL_LINES = 20;
    /** Bytes read from the end of the log to find its tail. */
    static final int LOG_TAIL_BYTES_MAX = 16 * 1024;
    static final long POLL_MS = 50;
    /** How long a daemon that was not ready in time gets to stop after SIGTERM before SIGKILL. */
    static final long STOP_GRACE_MS = 10_000;
    static final List<Path> SETSID = List.of(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid"));
    /** Prefix of the CLI's error lines (README: "An error is one line on stderr starting with quire:"). */
    static final String ERROR_PREFIX = "quire: ";

    private DaemonLauncher() {
    }

    /**
     * Launches {@code mainClass args} and returns the daemon's runtime entry once its mount is ready.
     *
     * @throws IllegalStateException with the daemon's error when it failed or was not ready in time
     */
    public static RuntimeFiles.Entry launch(String mainClass, List<String> args, Path mountPoint, StateDirs dirs,
                                            long readyTimeoutMs) throws IOException {
        Path mp = MountPoints.normalize(mountPoint);
        Path logFile = dirs.logOf(mp);
        Files.createDirectories(logFile.getParent());
        rotate(logFile);
        Files.writeString(logFile, "=== quire mount of " + mp + " starting at " + Instant.now() + "\n",
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        long logStart = Files.size(logFile);
        List<String> cmd = command(mainClass, args);
        Process p = new ProcessBuilder(cmd)
                .directory(Path.of("/").toFile()) // never pin the caller's directory (it may need unmounting)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectErrorStream(true)
                .start();
        RuntimeFiles runtime = new RuntimeFiles(dirs);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(readyTimeoutMs);
        while (true) {
            Optional<RuntimeFiles.Entry> e = runtime.live(mp).filter(x -> x.pid() == p.pid());
            if (e.isPresent() && p.isAlive() && MountPoints.isMounted(mp)) {
                return e.get();
            }
            if (!p.isAlive()) {
                throw new IllegalStateException(failure(logFile, logStart,
                        "the mount daemon exited with status " + p.exitValue() + " before the mount was ready"));
            }
            if (System.nanoTime() - deadline > 0) {
                stop(p);
                throw new IllegalStateException(failure(logFile, logStart, "the mount daemon (pid " + p.pid()
                        + ") was not ready within " + readyTimeoutMs + " ms and was stopped"));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL_MS));
        }
    }

    /** {@code [setsid] JAVA JVM-FLAGS -cp CLASSPATH MAIN ARGS}. */
    static List<String> command(String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        SETSID.stream().filter(Files::isExecutable).findFirst().ifPresent(s -> cmd.add(s.toString()));
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // A debugger agent would clash on its port; the daemon runs without it.
            if (!a.startsWith("-agentlib:jdwp") && !a.startsWith("-Xrunjdwp")) {
                cmd.add(a);
            }
        }
        cmd.add("-cp");
        // Absolute, since the daemon runs in "/".
        cmd.add(Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(e -> Path.of(e).toAbsolutePath().toString()).collect(Collectors.joining(File.pathSeparator)));
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    private static void rotate(Path logFile) throws IOException {
        if (Files.exists(logFile) && Files.size(logFile) > LOG_BYTES_MAX) {
            Files.move(logFile, logFile.resolveSibling(logFile.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void stop(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(STOP_GRACE_MS, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
    }

    /** The daemon's own error line if it printed one, else {@code what} and the log's tail. */
    static String failure(Path logFile, long from, String what) {
        List<String> lines = tail(logFile, from);
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).startsWith(ERROR_PREFIX)) {
                return lines.get(i).substring(ERROR_PREFIX.length()) + " (daemon log: " + logFile + ")";
            }
        }
        List<String> last = lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size());
        return what + "; last lines of " + logFile + ":\n  " + String.join("\n  ", last);
    }

    /** The lines written to the log since {@code from}, at most the last few KiB of them. */
    static List<String> tail(Path logFile, long from) {
        try (RandomAccessFile f = new RandomAccessFile(logFile.toFile(), "r")) {
            long start = Math.max(from, f.length() - LOG_TAIL_BYTES_MAX);
            byte[] b = new byte[(int) Math.max(0, f.length() - start)];
            f.seek(start);
            f.readFully(b);
            String text = new String(b, StandardCharsets.UTF_8);
            return text.isBlank() ? List.of() : List.of(text.strip().split("\n"));
        } catch (IOException e) {
            return List.of("(cannot read " + logFile + ": " + e.getMessage() + ")");
        }
    }
}
