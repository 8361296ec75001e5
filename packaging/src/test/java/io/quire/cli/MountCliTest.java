package io.quire.cli;

import io.quire.cluster.Volume;
import io.quire.mount.daemon.MountPoints;
import io.quire.mount.daemon.RuntimeFiles;
import io.quire.mount.daemon.StateDirs;
import io.quire.proto.Opcode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Confined to the JUnit thread. {@code quire mount} and {@code quire umount} through the CLI
 * classes against a real three-server cluster in this JVM: the mount daemon is a real background
 * child JVM, the mount a real kernel mount. Every mount is unmounted and every daemon killed by
 * PID in {@link #cleanUp}, whatever happened; daemon logs are printed on failure.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class MountCliTest {
    /** Short, so that a daemon killed with -9 leaves a lease that lapses soon. */
    static final String LEASE_TTL_MS = "2000";
    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;
    LocalCluster cluster;
    StateDirs state;
    final List<Path> mountPoints = new ArrayList<>();

    /** One CLI run's status and output. */
    record Run(int status, String out, String err) {
    }

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/fuse")), "no /dev/fuse");
        cluster = LocalCluster.start(tmp.resolve("servers"));
        cluster.catalog().call(Opcode.CREATE_VOLUME, Map.of("name", "vol", "sizeBytes", 1L << 30,
                "maxSizeBytes", 2L << 30, "replicas", 3, "writeQuorum", 2, "pageSizeBytes", 65536), Volume.class);
        state = new StateDirs(tmp.resolve("state"));
    }

    @AfterEach
    void cleanUp() {
        RuntimeFiles runtime = new RuntimeFiles(state == null ? new StateDirs(tmp) : state);
        for (Path mp : mountPoints) {
            runtime.read(mp).flatMap(RuntimeFiles::process).ifPresent(ProcessHandle::destroyForcibly);
            if (MountPoints.mountedType(mp).isPresent()) {
                MountPoints.unmount(mp);
            }
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private Path mountPoint(String name) throws Exception {
        Path mp = Files.createDirectories(tmp.resolve(name));
        mountPoints.add(mp);
        return mp;
    }

    private Run quire(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = QuireCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(status, out.toString(), err.toString());
    }

    private Run mount(Path mp, String... extra) {
        List<String> args = new ArrayList<>(List.of("mount", "vol", mp.toString(), "--catalog", cluster.catalog().address(),
                "--state-dir", state.root().toString(), "--lease-ttl-ms", LEASE_TTL_MS, "--cache-size", "256M"));
        args.addAll(List.of(extra));
        Run r = quire(args.toArray(String[]::new));
        if (r.status() != 0) {
            dumpLogs();
        }
        return r;
    }

    private void dumpLogs() {
        try (Stream<Path> logs = Files.exists(state.logDir()) ? Files.list(state.logDir()) : Stream.empty()) {
            for (Path log : logs.toList()) {
                System.out.println("==== " + log + "\n" + Files.readString(log));
            }
        } catch (Exception e) {
            System.out.println("cannot print daemon logs: " + e);
        }
    }

    private long daemonPid(Path mp) {
        return new RuntimeFiles(state).live(mp).orElseThrow().pid();
    }

    @Test
    void mountWriteUmountAndSurviveKillNine() throws Exception {
        Path mp = mountPoint("mnt");
        Run first = mount(mp);
        assertEquals(0, first.status(), first.err());
        assertTrue(first.out().contains("mounted volume vol at " + mp), first.out());
        assertTrue(MountPoints.isMounted(mp));

        byte[] data = new byte[3 * 1024 * 1024 + 5];
        new Random(7).nextBytes(data);
        Files.write(mp.resolve("data.bin"), data);
        assertArrayEquals(data, Files.readAllBytes(mp.resolve("data.bin")));

        Path other = mountPoint("other");
        Run second = mount(other);
        assertEquals(1, second.status());
        assertTrue(second.err().contains("second read-write mount is refused") && second.err().contains(mp.toString()),
                second.err());
        assertFalse(MountPoints.isMounted(other));

        long pid = daemonPid(mp);
        Run umount = quire("umount", mp.toString(), "--state-dir", state.root().toString());
        assertEquals(0, umount.status(), umount.err());
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the daemon exited");
        assertEquals(Optional.empty(), MountPoints.mountedType(mp));
        assertEquals(Optional.empty(), new RuntimeFiles(state).read(mp), "runtime file removed");

        // Again on the same cache, then a crash: the next mount cleans up and takes the next epoch.
        assertEquals(0, mount(mp).status());
        assertArrayEquals(data, Files.readAllBytes(mp.resolve("data.bin")));
        byte[] more = new byte[1024 * 1024];
        new Random(8).nextBytes(more);
        Files.write(mp.resolve("more.bin"), more);
        long epoch = new RuntimeFiles(state).live(mp).orElseThrow().epoch();
        ProcessHandle daemon = ProcessHandle.of(daemonPid(mp)).orElseThrow();
        daemon.destroyForcibly();
        await().atMost(WAIT).until(() -> !daemon.isAlive());
        assertTrue(MountPoints.isStaleFuse(mp) || MountPoints.mountedType(mp).isEmpty(), "stale or auto-unmounted");

        Run again = mount(mp);
        assertEquals(0, again.status(), again.err());
        assertEquals(epoch + 1, new RuntimeFiles(state).live(mp).orElseThrow().epoch());
        assertArrayEquals(data, Files.readAllBytes(mp.resolve("data.bin")));
        assertArrayEquals(more, Files.readAllBytes(mp.resolve("more.bin")));

        assertEquals(0, quire("umount", mp.toString(), "--state-dir", state.root().toString()).status());
        assertEquals(Optional.empty(), MountPoints.mountedType(mp));
        Run nothing = quire("umount", mp.toString(), "--state-dir", state.root().toString());
        assertEquals(1, nothing.status());
        assertTrue(nothing.err().contains("nothing is mounted at " + mp), nothing.err());
    }

    @Test
    void badArgumentsAreOneClearLine() throws Exception {
        Path mp = mountPoint("mnt");
        String catalog = cluster.catalog().address();
        String st = state.root().toString();
        Run noVolume = quire("mount", "nope", mp.toString(), "--catalog", catalog, "--state-dir", st);
        assertEquals(1, noVolume.status());
        assertTrue(noVolume.err().startsWith("quire: no volume 'nope'"), noVolume.err());
        Run noDir = quire("mount", "vol", tmp.resolve("missing").toString(), "--catalog", catalog, "--state-dir", st);
        assertEquals(1, noDir.status());
        assertTrue(noDir.err().contains("does not exist"), noDir.err());
        Run badCatalog = quire("mount", "vol", mp.toString(), "--catalog", "127.0.0.1:1", "--state-dir", st);
        assertEquals(1, badCatalog.status());
        assertTrue(badCatalog.err().startsWith("quire: cannot reach the catalog at 127.0.0.1:1"), badCatalog.err());
        for (Run r : List.of(noVolume, noDir, badCatalog)) {
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
    }
}
