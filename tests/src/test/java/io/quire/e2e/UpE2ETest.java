package io.quire.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quire.proto.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code quire up} as users run it, through the packaged launcher: it mounts the volume
 * {@code demo} of a local three-server cluster, the mount behaves like a directory, a signal
 * (SIGTERM, then SIGINT as Ctrl-C sends it) flushes, unmounts and ends the process with nothing
 * left behind, and a second {@code up} with the same state finds the same data.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class UpE2ETest {
    private static final Duration START_WAIT = Duration.ofSeconds(90);
    private static final long STOP_WAIT_SEC = 60;
    private static final String READY = "Quire is up: volume 'demo'";
    private static final Pattern CATALOG = Pattern.compile("(?m)^Catalog: (\\S+:\\d+) ");
    private static final int SIGINT_MASK = 1 << (2 - 1); // bit of signal 2 in /proc/PID/status SigIgn

    @TempDir
    Path root;
    Path dir;
    Path state;
    Process up;

    @BeforeEach
    void setUp() {
        assumeTrue(Files.exists(Path.of("/dev/fuse")), "/dev/fuse is needed for mount tests");
        dir = root.resolve("mnt"); // does not exist yet: up creates it
        state = root.resolve("state");
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        if (up != null && up.isAlive()) {
            up.destroy();
            if (!up.waitFor(STOP_WAIT_SEC, TimeUnit.SECONDS)) {
                up.destroyForcibly();
                up.waitFor(30, TimeUnit.SECONDS);
            }
        }
        if (dir != null) {
            MountFixture.unmountLazily(dir);
        }
    }

    @Test
    void upMountsDemoStopsOnSignalsAndKeepsTheDataAcrossRuns() throws Exception {
        Path log1 = root.resolve("up-1.log");
        String catalog = startUp(log1);

        ClusterFixture.Result list = MountFixture.sh(60, DistributionE2ETest.launcher().toString(),
                "volume", "list", "--json", "--catalog", catalog);
        assertEquals(0, list.exit(), list.out());
        JsonNode demo = null;
        for (JsonNode v : Json.MAPPER.readTree(list.out())) {
            if (v.path("name").asText().equals("demo")) {
                demo = v;
            }
        }
        assertTrue(demo != null, "no volume demo in: " + list.out());
        assertEquals("ACTIVE", demo.path("state").asText(), list.out());
        assertFalse(demo.path("leaseHolder").asText().isEmpty(), "demo is mounted read-write: " + list.out());

        byte[] data = new byte[(5 << 20) + 12_345]; // a few MiB, the last page partial
        new Random(42).nextBytes(data);
        Files.write(dir.resolve("data.bin"), data); // never fsynced: the stop must flush it
        assertArrayEquals(data, Files.readAllBytes(dir.resolve("data.bin")));
        Files.createDirectories(dir.resolve("sub/deeper"));
        Files.writeString(dir.resolve("sub/deeper/hello.txt"), "hello");
        Files.createSymbolicLink(dir.resolve("link"), Path.of("data.bin"));
        assertEquals(Path.of("data.bin"), Files.readSymbolicLink(dir.resolve("link")));
        assertArrayEquals(data, Files.readAllBytes(dir.resolve("link")));
        ClusterFixture.Result ls = MountFixture.sh(30, "ls", "-la", dir.toString());
        assertEquals(0, ls.exit(), ls.out());
        assertTrue(ls.out().contains("data.bin") && ls.out().contains("sub")
                && ls.out().contains("link -> data.bin"), ls.out());

        stop(log1, false); // SIGTERM

        Path log2 = root.resolve("up-2.log");
        startUp(log2);
        assertArrayEquals(data, Files.readAllBytes(dir.resolve("data.bin")), "data.bin after a restart of up");
        assertEquals("hello", Files.readString(dir.resolve("sub/deeper/hello.txt")));
        assertEquals(Path.of("data.bin"), Files.readSymbolicLink(dir.resolve("link")));
        stop(log2, true); // SIGINT, as Ctrl-C sends it
    }

    /** Starts {@code bin/quire up DIR --state-dir STATE}, waits until it is ready, returns the catalog address. */
    private String startUp(Path log) throws IOException {
        up = new ProcessBuilder(DistributionE2ETest.launcher().toString(), "up", dir.toString(),
                "--state-dir", state.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Process p = up;
        await("quire up to mount " + dir).atMost(START_WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
            if (!p.isAlive()) {
                throw new IllegalStateException("quire up exited with " + p.exitValue() + ":\n" + read(log));
            }
            // Everything this test reads from the banner, not only its first line: on a busy machine
            // a poll can fall between two writes of the log.
            String text = read(log);
            return MountFixture.isMounted(dir) && text.contains(READY) && CATALOG.matcher(text).find();
        });
        assertTrue(p.info().command().orElse("").endsWith("java"), "the launcher execs the JVM");
        Matcher m = CATALOG.matcher(read(log));
        assertTrue(m.find(), "no catalog address in:\n" + read(log));
        return m.group(1);
    }

    /**
     * Stops {@code up} with SIGINT or SIGTERM; asserts a clean exit (status 0: everything flushed)
     * within 60 s, DIR no longer mounted, and no process it started (seen as its child before the
     * signal, or naming DIR on its command line, as fusermount does) still alive.
     */
    private void stop(Path log, boolean sigint) throws Exception {
        Process p = up;
        List<ProcessHandle> started = p.descendants().toList(); // e.g. fusermount (auto_unmount)
        if (sigint && sigintIgnored(p.pid())) {
            // Started from a non-interactive shell's background job, SIGINT is ignored and the JVM
            // keeps it so; Ctrl-C in a terminal is not. SIGTERM takes the same path.
            System.out.println("SIGINT is ignored by quire up (inherited); stopping it with SIGTERM");
            sigint = false;
        }
        if (sigint) {
            ClusterFixture.Result kill = MountFixture.sh(10, "kill", "-INT", Long.toString(p.pid()));
            assertEquals(0, kill.exit(), kill.out());
        } else {
            p.destroy();
        }
        assertTrue(p.waitFor(STOP_WAIT_SEC, TimeUnit.SECONDS),
                "quire up did not stop within " + STOP_WAIT_SEC + " s of SIG" + (sigint ? "INT" : "TERM") + ":\n" + read(log));
        assertEquals(0, p.exitValue(), "quire up's exit status after a stop:\n" + read(log));
        assertFalse(MountFixture.isStale(dir), dir + " is left as a stale mount");
        assertFalse(MountFixture.isMounted(dir), dir + " is still mounted");
        await("processes started by quire up to end").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> started.stream().noneMatch(ProcessHandle::isAlive)
                        && ProcessHandle.allProcesses().noneMatch(h -> h.info().commandLine().orElse("")
                                .contains(dir.toString())));
    }

    private static boolean sigintIgnored(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16) & SIGINT_MASK) != 0;
            }
        }
        return false;
    }

    private static String read(Path log) throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }
}
