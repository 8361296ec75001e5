package io.quire.e2e;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.quire.cli.QuireCli;
import io.quire.proto.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Real {@code quire server} processes on 127.0.0.1 with ephemeral ports, the first one running
 * the catalog. Not thread-safe: one test drives it. Always {@link #close()} it (try-with-resources):
 * every process it started is killed by PID, and on failure {@link #dumpLogs()} prints their logs.
 */
public final class ClusterFixture implements AutoCloseable {
    /** Fast loops so tests converge quickly; still bounded. */
    static final long HEARTBEAT_MS = 200;
    static final long LIVENESS_TIMEOUT_MS = 1500;
    static final long REPAIR_INTERVAL_MS = 500;

    private final Path root;
    private final List<Node> nodes = new ArrayList<>();
    private String catalogAddress;

    /** One server: its directories, zone, process and port. */
    static final class Node {
        final int index;
        final Path dataDir;
        final Path log;
        final String zone;
        Process process;
        int port;

        Node(int index, Path dataDir, Path log, String zone) {
            this.index = index;
            this.dataDir = dataDir;
            this.log = log;
            this.zone = zone;
        }
    }

    private ClusterFixture(Path root) {
        this.root = root;
    }

    /** Starts {@code n} servers in zones z0..z(n-1); waits until all are registered and live. */
    public static ClusterFixture start(Path root, int n) throws IOException {
        ClusterFixture f = new ClusterFixture(root);
        try {
            for (int i = 0; i < n; i++) {
                f.nodes.add(new Node(i, root.resolve("server-" + i), root.resolve("server-" + i + ".log"), "z" + i));
                f.launch(i);
                if (i == 0) {
                    f.catalogAddress = "127.0.0.1:" + f.nodes.get(0).port;
                }
            }
            f.awaitLive(n);
            return f;
        } catch (IOException | RuntimeException | Error e) {
            f.dumpLogs();
            f.close();
            throw e;
        }
    }

    public String catalog() {
        return catalogAddress;
    }

    public int size() {
        return nodes.size();
    }

    public int port(int i) {
        return nodes.get(i).port;
    }

    public Path dataDir(int i) {
        return nodes.get(i).dataDir;
    }

    private void launch(int i) throws IOException {
        Node node = nodes.get(i);
        Files.createDirectories(node.dataDir);
        Path portFile = root.resolve("server-" + i + ".port");
        Files.deleteIfExists(portFile);
        int port = node.port; // restart on the same port so the catalog's address stays right
        List<String> cmd = new ArrayList<>(javaCommand());
        cmd.addAll(List.of("server", "--data", node.dataDir.toString(),
                "--listen", "127.0.0.1:" + port, "--zone", node.zone, "--port-file", portFile.toString(),
                "--capacity", "4G",
                "--heartbeat-interval-ms", Long.toString(HEARTBEAT_MS),
                "--liveness-timeout-ms", Long.toString(LIVENESS_TIMEOUT_MS),
                "--repair-interval-ms", Long.toString(REPAIR_INTERVAL_MS)));
        if (i == 0) {
            cmd.add("--catalog");
        } else {
            cmd.addAll(List.of("--join", catalogAddress));
        }
        node.process = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(node.log.toFile()))
                .start();
        await("server " + i + " to listen").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    if (!node.process.isAlive()) {
                        throw new IllegalStateException("server " + i + " exited with " + node.process.exitValue()
                                + ":\n" + Files.readString(node.log));
                    }
                    return Files.exists(portFile) && !Files.readString(portFile).isBlank();
                });
        node.port = Integer.parseInt(Files.readString(portFile).trim());
    }

    /** The JVM command line that runs the quire CLI from the test classpath. */
    static List<String> javaCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("--add-opens", "java.base/java.nio=ALL-UNNAMED",
                "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "-Xmx512m", "-XX:+ExitOnOutOfMemoryError"));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), QuireCli.class.getName()));
        return cmd;
    }

    /** Waits until {@code n} servers are registered and live. */
    public void awaitLive(int n) {
        await("servers live").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            JsonNode s = statusOrNull();
            if (s == null) {
                return false;
            }
            int live = 0;
            for (JsonNode server : s.path("servers")) {
                live += server.path("live").asBoolean() ? 1 : 0;
            }
            return live == n;
        });
    }

    /** {@code quire status --json}, or null when the catalog does not answer. */
    public JsonNode statusOrNull() {
        Result r = cli("status", "--json");
        if (r.exit != 0) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(r.out);
        } catch (IOException e) {
            throw new IllegalStateException("quire status --json printed no JSON: " + r.out, e);
        }
    }

    public long underReplicatedPages() {
        JsonNode s = statusOrNull();
        return s == null ? -2 : s.path("underReplicatedPages").asLong(-2);
    }

    /** SIGKILL: the server gets no chance to clean up. */
    public void kill(int i) throws InterruptedException {
        Node node = nodes.get(i);
        node.process.destroyForcibly();
        node.process.waitFor();
    }

    /** SIGTERM: an orderly stop. */
    public void stop(int i) throws InterruptedException {
        Node node = nodes.get(i);
        node.process.destroy();
        node.process.waitFor();
    }

    public void restart(int i) throws IOException {
        launch(i);
    }

    /**
     * Flips bytes of a stored page on server {@code i}'s disk: finds {@code needle} (bytes unique to
     * that page's content) in its LMDB data file and inverts the 8 bytes after its start.
     * Returns whether it was found.
     */
    public boolean corrupt(int i, byte[] needle) throws IOException {
        try (Stream<Path> files = Files.walk(nodes.get(i).dataDir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().equals("data.mdb")).toList()) {
                try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                    byte[] buf = new byte[1 << 20];
                    long base = 0;
                    while (base < raf.length()) {
                        raf.seek(base);
                        int n = raf.read(buf);
                        if (n <= 0) {
                            break;
                        }
                        for (int p = 0; p + needle.length <= n; p++) {
                            if (matches(buf, p, needle)) {
                                raf.seek(base + p);
                                byte[] flipped = new byte[8];
                                for (int k = 0; k < 8; k++) {
                                    flipped[k] = (byte) ~needle[k];
                                }
                                raf.write(flipped);
                                raf.getFD().sync();
                                return true;
                            }
                        }
                        base += Math.max(1, n - needle.length + 1);
                    }
                }
            }
        }
        return false;
    }

    private static boolean matches(byte[] buf, int p, byte[] needle) {
        for (int k = 0; k < needle.length; k++) {
            if (buf[p + k] != needle[k]) {
                return false;
            }
        }
        return true;
    }

    /** Output of an in-process CLI call. */
    public record Result(int exit, String out, String err) {
    }

    /** Runs the quire CLI in this JVM against this cluster's catalog. */
    public Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of(args));
        if (catalogAddress != null && !all.contains("--catalog")) {
            all.add("--catalog");
            all.add(catalogAddress);
        }
        int exit = QuireCli.run(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
        return new Result(exit, out.toString(), err.toString());
    }

    /** Runs the quire CLI in this JVM with no catalog address added. */
    public static Result runWithoutCatalog(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = QuireCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(exit, out.toString(), err.toString());
    }

    public void dumpLogs() {
        for (Node node : nodes) {
            try {
                System.out.println("==== server " + node.index + " log (" + node.log + ") ====");
                System.out.println(Files.exists(node.log) ? Files.readString(node.log, StandardCharsets.UTF_8) : "(none)");
            } catch (IOException e) {
                System.out.println("cannot read " + node.log + ": " + e);
            }
        }
    }

    @Override
    public void close() {
        for (Node node : nodes) {
            if (node.process != null && node.process.isAlive()) {
                node.process.destroyForcibly();
                try {
                    node.process.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
