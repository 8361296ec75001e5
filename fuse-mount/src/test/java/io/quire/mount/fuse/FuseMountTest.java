package io.quire.mount.fuse;

import io.quire.mount.testing.VfsFixture;
import io.quire.mount.vfs.Caller;
import io.quire.page.PageKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Confined to the JUnit thread (libfuse serves the mount on its own threads). A real kernel mount
 * of a {@link io.quire.mount.vfs.Vfs} over the in-memory cluster, driven with
 * java.nio from the test. Skipped only where /dev/fuse is absent; always unmounted.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FuseMountTest {
    @TempDir
    Path tmp;
    Path mnt;
    VfsFixture fx;
    FuseMount mount;

    @BeforeEach
    void mount() throws IOException {
        assumeTrue(Files.exists(Path.of("/dev/fuse")), "no /dev/fuse");
        mnt = Files.createDirectory(tmp.resolve("mnt"));
        fx = fixture("cache", 0);
        fx.vfs.chmod(Caller.ROOT, io.quire.mount.vfs.Vfs.ROOT_INO, 0777);
        mount = FuseMount.mount(fx.vfs, mnt, FuseMount.Options.DEFAULTS, fx.registry);
    }

    /** The mount's cache: 64 KiB pages, 256 MiB, 64 MiB dirty, this write-back delay. */
    private VfsFixture fixture(String cacheDir, long writebackDelayMs) {
        return new VfsFixture(tmp.resolve(cacheDir), b -> b.pageSizeBytes(64 * 1024).cacheBytesMax(256L << 20)
                .dirtyBytesMax(64L << 20).writebackDelayMs(writebackDelayMs));
    }

    @AfterEach
    void unmount() {
        try {
            if (mount != null) {
                mount.close();
            }
        } finally {
            if (mnt != null) {
                FuseMount.unmountIfMounted(mnt); // never leave a mount behind, even on failure
            }
            if (fx != null) {
                fx.close();
            }
        }
    }

    /**
     * Mounted without {@code default_permissions}, so each rule below is enforced by Quire alone,
     * through the kernel, for uid 65534 (each denial has a control that is allowed).
     */
    @Test
    void permissionsHoldForAnotherUidWithoutTheKernelsCheck() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "no setpriv");
        mount.close();
        mount = FuseMount.mount(fx.vfs, mnt, FuseMount.Options.DEFAULTS.withoutKernelPermissionChecks(), fx.registry);
        assertFalse(mountLine().contains("default_permissions"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x")); // reach mnt
        Path priv = Files.createDirectory(mnt.resolve("priv"));
        Files.writeString(priv.resolve("s"), "secret");
        Files.setPosixFilePermissions(priv, PosixFilePermissions.fromString("rwx------"));
        Path pub = Files.createDirectory(mnt.resolve("pub"));
        Files.setPosixFilePermissions(pub, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path sticky = Files.createDirectory(mnt.resolve("sticky"));
        assertEquals("0:", run("chmod", "1777", sticky.toString()));
        Path shared = Files.writeString(sticky.resolve("shared"), "root's");
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-rw-rw-"));
        Path grp = Files.writeString(pub.resolve("grp"), "for group 4242");
        assertEquals("0:", run("chgrp", "4242", grp.toString()));
        Files.setPosixFilePermissions(grp, PosixFilePermissions.fromString("rw-r-----"));
        Path execOnly = Files.copy(Path.of("/bin/true"), pub.resolve("exec-only"));
        Files.setPosixFilePermissions(execOnly, PosixFilePermissions.fromString("rwx--x--x"));
        Path groupExec = Files.copy(Path.of("/bin/true"), pub.resolve("group-exec"));
        Files.setPosixFilePermissions(groupExec, PosixFilePermissions.fromString("rw---xr--"));

        assertDenied("Permission denied", asNobody("stat", priv.resolve("s").toString()));
        assertDenied("Permission denied", asNobody("ls", priv.toString()));
        assertDenied("can't cd", asNobody("sh", "-c", "cd " + priv));
        assertEquals("0:", asNobody("sh", "-c", "cd " + pub));
        assertDenied("", asNobody("test", "-w", pub.toString()));
        assertEquals("0:", asNobody("test", "-r", pub.toString()));
        assertDenied("Permission denied", asNobody("touch", pub.resolve("new").toString()));
        assertDenied("Operation not permitted", asNobody("chmod", "777", pub.toString()));
        assertDenied("Operation not permitted", asNobody("rm", "-f", shared.toString()));
        assertDenied("Operation not permitted", asNobody("touch", "-d", "2001-02-03", shared.toString()));
        assertEquals("0:", asNobody("touch", shared.toString()), "write permission allows setting times to now");
        assertEquals("0:", asNobody("sh", "-c", "echo mine > " + sticky + "/mine && rm " + sticky + "/mine"));
        assertEquals("0:", asNobody(execOnly.toString()), "an execute-only program runs");
        assertDenied("Permission denied", asNobody(groupExec.toString()));
        assertDenied("Permission denied", asNobody("cat", grp.toString()));
        assertEquals("0:for group 4242", run("setpriv", "--reuid=65534", "--regid=65534", "--groups=4242", "cat",
                grp.toString()), "a supplementary group grants the group bits");
        assertEquals("0:secret", run("cat", priv.resolve("s").toString()));
    }

    /**
     * Another user who may write a set-id file writes or truncates it: the write succeeds and the
     * set-id bits go, as on a local file system (the kernel asks the file system to drop them, in
     * the writer's name). That user still may not chmod the file otherwise, nor drop the bits of
     * a file it may not write.
     */
    @Test
    void aWriteByAnotherUserClearsSetIdBits() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "no setpriv");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        String[][] cases = {{"6777", "777"}, {"4777", "777"}, {"2777", "777"}, {"2767", "2767"}, {"4666", "666"}};
        for (String[] c : cases) {
            Path f = Files.writeString(mnt.resolve("setid-" + c[0]), "root's");
            assertEquals("0:", run("chmod", c[0], f.toString()));
            assertEquals("0:", asNobody("sh", "-c", "echo more >> " + f), "write to mode " + c[0]);
            assertEquals("0:" + c[1], run("stat", "-c", "%a", f.toString()), "mode " + c[0] + " after the write");
            assertEquals("0:root'smore", run("cat", f.toString()));
        }
        Path t = Files.writeString(mnt.resolve("setid-truncate"), "root's");
        assertEquals("0:", run("chmod", "4777", t.toString()));
        assertEquals("0:", asNobody("truncate", "-s", "2", t.toString()));
        assertEquals("0:777", run("stat", "-c", "%a", t.toString()));
        assertEquals("0:ro", run("cat", t.toString()));

        assertDenied("Operation not permitted", asNobody("chmod", "666", mnt.resolve("setid-4666").toString()));
        Path ro = Files.writeString(mnt.resolve("setid-readonly"), "root's");
        assertEquals("0:", run("chmod", "4755", ro.toString()));
        assertDenied("Operation not permitted", asNobody("chmod", "755", ro.toString()));
        assertDenied("Permission denied", asNobody("sh", "-c", "echo more >> " + ro));
        assertEquals("0:4755", run("stat", "-c", "%a", ro.toString()));
    }

    /**
     * The kernel opens FIFOs (and device nodes) by itself, never asking the file system: with the
     * mount's default {@code default_permissions} it checks their mode first, so uid 65534 cannot
     * open root's 0600 FIFO, and can open a 0666 one.
     */
    @Test
    void fifosAndDevicesObeyTheirModeForEveryUser() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "no setpriv");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "no python3");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertTrue(mountLine().contains("default_permissions"), mountLine());
        Path closed = mnt.resolve("closed");
        Path open = mnt.resolve("open");
        assertEquals("0:", run("mkfifo", "-m", "600", closed.toString()));
        assertEquals("0:", run("mkfifo", "-m", "666", open.toString()));
        assertEquals("0:", run("mknod", "-m", "600", mnt.resolve("null").toString(), "c", "1", "3"));
        String probe = String.join("\n",
                "import errno, os, sys",
                "for path, flags in ((sys.argv[1], os.O_RDONLY), (sys.argv[1], os.O_WRONLY), (sys.argv[2], os.O_RDWR)):",
                "    try:",
                "        os.close(os.open(path, flags | os.O_NONBLOCK)); print('opened', end=' ')",
                "    except OSError as e:",
                "        print(errno.errorcode[e.errno], end=' ')");
        assertEquals("0:EACCES EACCES EACCES", asNobody("/usr/bin/python3", "-c", probe, closed.toString(), mnt.resolve("null").toString()));
        // Allowed: a reader opens at once, a writer without a reader gets ENXIO, not EACCES.
        assertEquals("0:opened ENXIO EACCES", asNobody("/usr/bin/python3", "-c", probe, open.toString(), mnt.resolve("null").toString()));
        assertEquals("0:opened ENXIO EACCES", run("/usr/bin/python3", "-c", probe, closed.toString(), mnt.resolve("null").toString()),
                "root opens the FIFO; no one opens a device on a nodev mount");
    }

    /** This test's mount in /proc/self/mountinfo. */
    private String mountLine() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.contains(" " + mnt + " ")).findFirst().orElseThrow();
    }

    private static String asNobody(String... cmd) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
        all.addAll(List.of(cmd));
        return run(all.toArray(String[]::new));
    }

    private static void assertDenied(String message, String result) {
        assertTrue(!result.startsWith("0:") && result.contains(message), result);
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "command timed out: " + String.join(" ", cmd));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return p.exitValue() + ":" + out;
    }

    @Test
    void isMountedOnItsOwnDevice() throws Exception {
        assertTrue(mount.isMounted());
        assertNotEquals(run("stat", "-c", "%d", tmp.toString()), run("stat", "-c", "%d", mnt.toString()));
        String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
        assertTrue(mounts.contains(mnt.toString() + " "), mounts);
        assertTrue(mounts.contains("fuse.quire quire:test"), "fsname and subtype: " + mounts);
        assertTrue(Files.getFileStore(mnt).getTotalSpace() > 0);
    }

    @Test
    void filesWriteReadRenameListAndDelete() throws Exception {
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new Random(42).nextBytes(data);
        Path f = mnt.resolve("data.bin");
        Files.write(f, data);
        assertEquals(data.length, Files.size(f));
        assertArrayEquals(data, Files.readAllBytes(f));

        Path dir = Files.createDirectories(mnt.resolve("a/b"));
        Path moved = dir.resolve("moved.bin");
        Files.move(f, moved);
        assertFalse(Files.exists(f));
        assertArrayEquals(data, Files.readAllBytes(moved));
        Files.writeString(mnt.resolve("a/note.txt"), "hello");
        try (Stream<Path> s = Files.list(mnt.resolve("a"))) {
            assertEquals(List.of("b", "note.txt"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertThrows(DirectoryNotEmptyException.class, () -> Files.delete(mnt.resolve("a")));
        Files.createSymbolicLink(mnt.resolve("link"), Path.of("a/note.txt"));
        assertEquals("hello", Files.readString(mnt.resolve("link")));
        Files.createLink(mnt.resolve("hard"), mnt.resolve("a/note.txt"));
        assertEquals(2, Files.getAttribute(mnt.resolve("hard"), "unix:nlink"));
        assertEquals(fx.ino("/a/note.txt"), ((Number) Files.getAttribute(mnt.resolve("hard"), "unix:ino")).longValue());

        Files.delete(moved);
        Files.delete(dir);
        assertThrows(NoSuchFileException.class, () -> Files.readAllBytes(moved));
        // The data went through write-back to the replicas.
        await().atMost(Duration.ofSeconds(30)).until(() -> fx.vfs.dirtyPages() == 0);
    }

    /**
     * fsync and fdatasync of directories through the kernel: jnr-fuse 0.5.8 declared fsyncdir
     * without its datasync argument, and an fdatasync of a directory crashed the daemon. With a
     * write-back delay, an fsync of another directory waits for metadata only; one of the root is
     * the volume's syncfs and uploads the partly written page too.
     */
    @Test
    void directoryFsyncsReachQuireAndTheRootsIsTheVolumesSyncfs() throws Exception {
        mount.close();
        fx.close();
        fx = fixture("cache-delayed", 600_000);
        mount = FuseMount.mount(fx.vfs, mnt, FuseMount.Options.DEFAULTS, fx.registry);
        Path d = Files.createDirectory(mnt.resolve("d"));
        Files.writeString(d.resolve("f"), "world");
        PageKey page = new PageKey(VfsFixture.VOLUME_ID, fx.ino("/d/f"), 0);
        for (boolean metadata : new boolean[] {false, true}) {
            try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
                ch.force(metadata);
            }
        }
        assertTrue(fx.replicas.stored(page).isEmpty(), "the page waits out its delay");
        try (FileChannel ch = FileChannel.open(mnt, StandardOpenOption.READ)) {
            ch.force(false);
        }
        assertArrayEquals("world".getBytes(StandardCharsets.UTF_8), fx.replicas.stored(page).orElseThrow().data());
        assertEquals("world", Files.readString(d.resolve("f")), "the daemon still serves");
    }

    @Test
    void openFileSurvivesUnlinkAndForceReachesTheReplicas() throws Exception {
        Path f = mnt.resolve("victim");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("before".getBytes(StandardCharsets.UTF_8)));
            Files.delete(f);
            assertFalse(Files.exists(f));
            ch.write(ByteBuffer.wrap(" after".getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
            ByteBuffer back = ByteBuffer.allocate(64);
            ch.read(back, 0);
            assertEquals("before after", new String(back.array(), 0, back.position(), StandardCharsets.UTF_8));
            ch.truncate(6);
            assertEquals(6, ch.size());
        }
        // libfuse kept it under a hidden name until the last release, then removed it.
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            try (Stream<Path> s = Files.list(mnt)) {
                return s.count() == 0;
            }
        });
    }

    @Test
    void attributesXattrsFifosAndPermissions() throws Exception {
        Path f = Files.writeString(mnt.resolve("f"), "x");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        UserDefinedFileAttributeView xattrs = Files.getFileAttributeView(f, UserDefinedFileAttributeView.class);
        xattrs.write("color", ByteBuffer.wrap("blue".getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of("color"), xattrs.list());
        ByteBuffer v = ByteBuffer.allocate(16);
        xattrs.read("color", v);
        assertEquals("blue", new String(v.array(), 0, v.position(), StandardCharsets.UTF_8));

        assertEquals("0:", run("mkfifo", mnt.resolve("pipe").toString()));
        assertEquals("0:fifo", run("stat", "-c", "%F", mnt.resolve("pipe").toString()));

        Path g = Files.writeString(mnt.resolve("g"), "y");
        assertEquals("0:", run("fallocate", "-l", "1048576", g.toString()));
        assertEquals(1 << 20, Files.size(g));
        long mtime = Files.getLastModifiedTime(g).toMillis();
        assertEquals("0:", run("touch", "-a", "-d", "2001-02-03 04:05:06Z", g.toString()));
        assertEquals("0:981173106", run("stat", "-c", "%X", g.toString()));
        assertEquals(mtime, Files.getLastModifiedTime(g).toMillis(), "UTIME_OMIT kept mtime");

        assertEquals("0:", run("truncate", "-s", "5G", f.toString()));
        assertEquals(5L << 30, Files.size(f));

        if (Files.isExecutable(Path.of("/usr/bin/setpriv"))) {
            String denied = asNobody("cat", f.toString());
            assertTrue(denied.startsWith("1:") && denied.contains("Permission denied"), denied);
        }
    }

    /**
     * Names are bytes through the kernel: two names that differ only in bytes that are not UTF-8
     * are two files, a 255-byte name of such bytes fits (256 is ENAMETOOLONG), a symlink target
     * keeps its bytes, and all of it survives a remount of the same cache.
     */
    @Test
    void namesAreBytesThroughTheKernel() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "no python3");
        String script = String.join("\n",
                "import errno, os, sys",
                "d = sys.argv[1].encode()",
                "def put(name, data):",
                "    fd = os.open(d + b'/' + name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)",
                "    os.write(fd, data); os.close(fd)",
                "if sys.argv[2] == 'make':",
                "    put(b'\\x80X', b'eighty'); put(b'\\x81X', b'eighty-one')",
                "    put(b'\\xff' * 255, b'long')",
                "    try:",
                "        put(b'\\xfe' * 256, b'too long'); print('256 bytes accepted'); sys.exit(1)",
                "    except OSError as e:",
                "        assert e.errno == errno.ENAMETOOLONG, e",
                "    os.symlink(b'to/\\xc3\\x28/x', d + b'/ln')",
                "    os.mkdir(d + b'/dir\\xe9'); os.rename(d + b'/\\x81X', d + b'/dir\\xe9/\\x81Y')",
                "names = sorted(os.listdir(d))",
                "assert names == sorted([b'\\x80X', b'\\xff' * 255, b'ln', b'dir\\xe9']), names",
                "assert open(d + b'/\\x80X', 'rb').read() == b'eighty'",
                "assert open(d + b'/dir\\xe9/\\x81Y', 'rb').read() == b'eighty-one'",
                "assert os.listdir(d + b'/dir\\xe9') == [b'\\x81Y']",
                "assert open(d + b'/' + b'\\xff' * 255, 'rb').read() == b'long'",
                "assert os.readlink(d + b'/ln') == b'to/\\xc3\\x28/x'",
                "print('ok')");
        assertEquals("0:ok", run("/usr/bin/python3", "-c", script, mnt.toString(), "make"));
        mount.close();
        fx.reopen();
        mount = FuseMount.mount(fx.vfs, mnt, FuseMount.Options.DEFAULTS, fx.registry);
        assertEquals("0:ok", run("/usr/bin/python3", "-c", script, mnt.toString(), "check"), "after a remount");
    }
}
