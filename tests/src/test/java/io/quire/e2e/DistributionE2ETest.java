package io.quire.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged distribution ({@code packaging/target/quire-VERSION/bin/quire}) as users run it:
 * it starts, and because the launcher {@code exec}s the JVM, SIGTERM reaches the server, which
 * stops cleanly and leaves no JVM behind; a server runs with C1 only.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DistributionE2ETest {
    @TempDir
    Path root;

    /** The packaged launcher {@code bin/quire}; skips the test when the distribution is not built. */
    static Path launcher() {
        Path dist = Path.of(System.getProperty("quire.dist.dir", "../packaging/target/quire-0.1.0"));
        Path bin = dist.resolve("bin/quire");
        assumeTrue(Files.isExecutable(bin), "the distribution is built by 'mvn package' (tests/run runs verify)");
        return bin;
    }

    @Test
    void launcherRunsTheCli() throws Exception {
        ClusterFixture.Result version = MountFixture.sh(60, launcher().toString(), "--version");
        assertEquals(0, version.exit(), version.out());
        assertTrue(version.out().startsWith("quire "), version.out());
        ClusterFixture.Result wrong = MountFixture.sh(60, launcher().toString(), "volume", "create");
        assertEquals(2, wrong.exit(), wrong.out());
    }

    @Test
    void sigtermReachesTheServerThroughTheLauncher() throws Exception {
        Path portFile = root.resolve("port");
        Path log = root.resolve("server.log");
        Process p = new ProcessBuilder(launcher().toString(), "server", "--data", root.resolve("data").toString(),
                "--listen", "127.0.0.1:0", "--zone", "a", "--catalog", "--port-file", portFile.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(portFile) || !p.isAlive());
            assertTrue(p.isAlive(), Files.readString(log, StandardCharsets.UTF_8));
            // exec: the launcher's PID is the JVM itself.
            String command = p.info().command().orElse("");
            assertTrue(command.endsWith("java"), "launcher process runs " + command);
            // A server compiles with C1 only (see the launcher).
            List<String> jvmArgs = List.of(p.info().arguments().orElse(new String[0]));
            assertTrue(jvmArgs.contains("-XX:TieredStopAtLevel=1"), "server JVM arguments " + jvmArgs);
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "server did not stop on SIGTERM");
            String out = Files.readString(log, StandardCharsets.UTF_8);
            assertTrue(out.contains("stopped"), out);
        } finally {
            p.destroyForcibly();
        }
    }
}
