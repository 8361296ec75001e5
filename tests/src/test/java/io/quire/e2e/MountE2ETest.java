package io.quire.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mount end to end: real FUSE mounts by {@code quire mount} over three real server processes.
 * Every mount is unmounted in {@link #unmountAll()}, also when a test fails.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class MountE2ETest {
    @TempDir
    static Path root;
    static ClusterFixture cluster;
    MountFixture mounts;
    Path work;
    private static int volumes;

    @BeforeAll
    static void startCluster() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/fuse")), "/dev/fuse is needed for mount tests");
        cluster = ClusterFixture.start(root, 3);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void setUp(TestInfo info) throws IOException {
        work = Files.createDirectories(root.resolve(info.getTestMethod().orElseThrow().getName()));
        mounts = new MountFixture(cluster, work);
    }

    @AfterEach
    void unmountAll() throws IOException {
        if (mounts != null) {
            if (Boolean.getBoolean("quire.dumpLogs")) {
                mounts.dumpLogs();
            }
            mounts.close();
        }
    }

    private String newVolume(String... options) {
        String name = "m" + (++volumes);
        List<String> args = new ArrayList<>(List.of("volume", "create", name));
        args.addAll(options.length == 0 ? List.of("--size", "10G") : List.of(options));
        ClusterFixture.Result r = cluster.cli(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        return name;
    }

    private Path mountNew(String volume, String tag) throws IOException {
        Path dir = work.resolve("mnt-" + tag);
        ClusterFixture.Result r = mounts.mount(volume, dir, work.resolve("cache-" + tag));
        assertEquals(0, r.exit(), "quire mount: " + r.err() + r.out());
        assertTrue(MountFixture.isMounted(dir));
        return dir;
    }

    private void umount(Path dir) {
        ClusterFixture.Result r = mounts.umount(dir);
        assertEquals(0, r.exit(), "quire umount: " + r.err());
        assertFalse(MountFixture.isMounted(dir));
    }

    // ---- trees of files -------------------------------------------------------------------

    /** Writes a tree of files of random sizes (0 B to 20 MiB, some sparse) under {@code dir}. */
    static void makeTree(Path dir, long seed, int files) throws IOException {
        Random r = new Random(seed);
        System.out.println("tree seed=" + seed);
        for (int i = 0; i < files; i++) {
            Path sub = dir.resolve("d" + (i % 4)).resolve("e" + (i % 3));
            Files.createDirectories(sub);
            Path f = sub.resolve("f" + i + ".bin");
            int kind = r.nextInt(10);
            long size = kind == 0 ? 0 : kind < 6 ? r.nextInt(200_000) : kind < 9 ? r.nextInt(3 << 20) : 20 << 20;
            if (kind == 8) {
                // Sparse: a few islands of data in a large file.
                try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                    raf.setLength(size + (8 << 20));
                    for (int k = 0; k < 3; k++) {
                        byte[] island = new byte[r.nextInt(100_000) + 1];
                        r.nextBytes(island);
                        raf.seek((long) r.nextInt((int) (size + (8 << 20) - island.length)));
                        raf.write(island);
                    }
                }
            } else {
                byte[] data = new byte[(int) size];
                r.nextBytes(data);
                Files.write(f, data);
            }
        }
        Files.createSymbolicLink(dir.resolve("link"), Path.of("d0/e0"));
    }

    /** Relative path → SHA-256 (files), "dir", or "-> target" (symlinks). */
    static Map<String, String> digest(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.toList()) {
                String rel = dir.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "-> " + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p)) {
                    out.put(rel, "dir");
                } else {
                    out.put(rel, sha256(p));
                }
            }
        }
        return out;
    }

    static String sha256(Path f) throws IOException {
        try (FileChannel ch = FileChannel.open(f)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            while (ch.read(buf) >= 0) {
                buf.flip();
                md.update(buf);
                buf.clear();
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- tests --------------------------------------------------------------------------

    @Test
    void treeCopyMatchesAndSurvivesARemountWithAnEmptyCache() throws Exception {
        Path src = Files.createDirectories(work.resolve("src"));
        makeTree(src, System.nanoTime(), 24);
        Map<String, String> expected = digest(src);
        String vol = newVolume();
        Path mnt = mountNew(vol, "a");
        MountFixture.sh(600, "cp", "-a", src + "/.", mnt.toString());
        assertEquals(expected, digest(mnt));
        umount(mnt);

        Path again = mountNew(vol, "fresh"); // a new, empty cache dir: everything comes from the servers
        assertEquals(expected, digest(again));
    }

    @Test
    void tarRoundTrip() throws Exception {
        Path src = Files.createDirectories(work.resolve("src"));
        makeTree(src, 7, 12);
        Path mnt = mountNew(newVolume(), "t");
        assertEquals(0, MountFixture.sh(300, "tar", "-C", src.toString(), "-cf", mnt + "/a.tar", ".").exit());
        Files.createDirectories(mnt.resolve("x"));
        ClusterFixture.Result untar = MountFixture.sh(300, "tar", "-C", mnt + "/x", "-xf", mnt + "/a.tar");
        assertEquals(0, untar.exit(), untar.out());
        ClusterFixture.Result diff = MountFixture.sh(300, "diff", "-r", "--no-dereference", src.toString(), mnt + "/x");
        assertEquals(0, diff.exit(), diff.out());
    }

    @Test
    void posixSemanticsThroughTheKernel() throws Exception {
        // Another uid must be able to reach the mount point: JUnit's temp dirs are private (700).
        for (Path p = work; p != null && p.startsWith(root.getParent()); p = p.getParent()) {
            if (p.equals(root.getParent())) {
                break;
            }
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path mnt = mountNew(newVolume(), "p");
        // rename replaces, and moves directories
        Files.writeString(mnt.resolve("a"), "A");
        Files.writeString(mnt.resolve("b"), "B");
        Files.move(mnt.resolve("a"), mnt.resolve("b"), StandardCopyOption.REPLACE_EXISTING);
        assertEquals("A", Files.readString(mnt.resolve("b")));
        assertFalse(Files.exists(mnt.resolve("a")));
        Files.createDirectories(mnt.resolve("d1/sub"));
        Files.move(mnt.resolve("d1"), mnt.resolve("d2"));
        assertTrue(Files.isDirectory(mnt.resolve("d2/sub")));
        // rename(2) of a directory into its own subtree is EINVAL (mv would refuse before asking)
        FileSystemException intoItself = assertThrows(FileSystemException.class,
                () -> Files.move(mnt.resolve("d2"), mnt.resolve("d2/sub/d2")));
        assertTrue(String.valueOf(intoItself.getMessage()).contains("Invalid argument"), intoItself.toString());
        // hard links and link counts. libfuse 2's path-based API gives each path its own kernel
        // node, so another path's cached attributes catch up within the attribute timeout (1 s).
        Files.createLink(mnt.resolve("b2"), mnt.resolve("b"));
        assertEquals(2, Files.getAttribute(mnt.resolve("b2"), "unix:nlink"));
        awaitNlink(mnt.resolve("b"), 2);
        assertEquals(Files.getAttribute(mnt.resolve("b"), "unix:ino"), Files.getAttribute(mnt.resolve("b2"), "unix:ino"));
        Files.delete(mnt.resolve("b2"));
        awaitNlink(mnt.resolve("b"), 1);
        awaitNlink(mnt.resolve("d2"), 3);
        // symlinks
        Files.createSymbolicLink(mnt.resolve("s"), Path.of("b"));
        assertEquals(Path.of("b"), Files.readSymbolicLink(mnt.resolve("s")));
        assertEquals("A", Files.readString(mnt.resolve("s")));
        // xattrs
        UserDefinedFileAttributeView xattrs = Files.getFileAttributeView(mnt.resolve("b"), UserDefinedFileAttributeView.class);
        xattrs.write("color", StandardCharsets.UTF_8.encode("blue"));
        assertTrue(xattrs.list().contains("color"));
        ByteBuffer value = ByteBuffer.allocate(16);
        xattrs.read("color", value);
        value.flip();
        assertEquals("blue", StandardCharsets.UTF_8.decode(value).toString());
        xattrs.delete("color");
        assertFalse(xattrs.list().contains("color"));
        // permissions, as another uid
        Path secret = mnt.resolve("secret");
        Files.writeString(secret, "root only");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        ClusterFixture.Result denied = asNobody("cat " + secret);
        assertNotEquals(0, denied.exit());
        assertTrue(denied.out().contains("Permission denied"), denied.out());
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals(0, asNobody("cat " + secret).exit());
        Files.setPosixFilePermissions(mnt, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertEquals(0, asNobody("echo hi > " + mnt + "/nobodys").exit());
        assertEquals(65534, Files.getAttribute(mnt.resolve("nobodys"), "unix:uid"));
        assertNotEquals(0, asNobody("echo x >> " + secret).exit(), "nobody may not write root's 644 file");
        // timestamps: a write moves mtime forward
        long before = Files.getLastModifiedTime(mnt.resolve("b")).toMillis();
        await().pollDelay(Duration.ofMillis(20)).atMost(Duration.ofSeconds(2)).until(() -> System.currentTimeMillis() > before + 10);
        Files.writeString(mnt.resolve("b"), "changed", StandardOpenOption.APPEND);
        assertTrue(Files.getLastModifiedTime(mnt.resolve("b")).toMillis() > before);
    }

    private static void awaitNlink(Path p, int expected) {
        await("nlink of " + p).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> ((Number) Files.getAttribute(p, "unix:nlink")).intValue() == expected);
    }

    private static ClusterFixture.Result asNobody(String shell) throws IOException, InterruptedException {
        return MountFixture.sh(30, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c", shell);
    }

    @Test
    void concurrentWritersOnDifferentFiles() throws Exception {
        Path mnt = mountNew(newVolume(), "c");
        int writers = 4;
        List<CompletableFuture<String>> done = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int id = w;
            done.add(CompletableFuture.supplyAsync(() -> {
                try {
                    byte[] data = new byte[6 << 20];
                    new Random(id).nextBytes(data);
                    Path f = mnt.resolve("w" + id);
                    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                        for (int off = 0; off < data.length; off += 100_000) {
                            ch.write(ByteBuffer.wrap(data, off, Math.min(100_000, data.length - off)));
                        }
                        ch.force(true);
                    }
                    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        for (int w = 0; w < writers; w++) {
            assertEquals(done.get(w).get(5, TimeUnit.MINUTES), sha256(mnt.resolve("w" + w)));
        }
    }

    @Test
    void killedDaemonRemountsWithEveryReturnedWrite() throws Exception {
        String vol = newVolume();
        Path dir = work.resolve("mnt-k");
        Path cache = work.resolve("cache-k");
        MountFixture.Daemon daemon = mounts.mountForeground(vol, dir, cache);
        Map<String, String> written = new TreeMap<>();
        Random r = new Random(3);
        for (int i = 0; i < 40; i++) {
            byte[] data = new byte[r.nextInt(300_000)];
            r.nextBytes(data);
            Files.write(dir.resolve("f" + i), data); // returned, never fsynced
            written.put("f" + i, sha256(dir.resolve("f" + i)));
        }
        Files.createDirectories(dir.resolve("sub"));
        Files.move(dir.resolve("f0"), dir.resolve("sub/moved"));
        written.put("sub/moved", written.remove("f0"));
        daemon.kill9();
        assertTrue(MountFixture.isStale(dir) || !MountFixture.isMounted(dir));

        // Same cache dir: the stale mount is cleaned up, every returned write is there.
        ClusterFixture.Result again = mounts.mount(vol, dir, cache);
        assertEquals(0, again.exit(), again.err());
        for (Map.Entry<String, String> e : written.entrySet()) {
            assertEquals(e.getValue(), sha256(dir.resolve(e.getKey())), e.getKey());
        }
        umount(dir); // flushes what was never uploaded
        // A fresh host (empty cache) sees it all too.
        Path fresh = mountNew(vol, "k2");
        for (Map.Entry<String, String> e : written.entrySet()) {
            assertEquals(e.getValue(), sha256(fresh.resolve(e.getKey())), e.getKey());
        }
    }

    @Test
    void secondReadWriteMountIsRefusedAndReadOnlyMountsAreNot() throws Exception {
        String vol = newVolume();
        Path first = mountNew(vol, "one");
        Files.writeString(first.resolve("hello"), "world");
        ClusterFixture.Result second = mounts.mount(vol, work.resolve("mnt-two"), work.resolve("cache-two"));
        assertEquals(1, second.exit(), second.out());
        assertTrue(second.err().toLowerCase().contains("lease") || second.err().contains("mounted"), second.err());
        assertFalse(MountFixture.isMounted(work.resolve("mnt-two")));
        assertEquals(1, second.err().strip().lines().count(), second.err());

        // sync(1) of the mount point: an fsync of its root, Quire's syncfs (Linux never sends a FUSE
        // daemon syncfs). The partly written page would otherwise wait out the write-back delay.
        assertEquals(0, MountFixture.sh(60, "sync", first.toString()).exit());
        ClusterFixture.Result ro = mounts.mount(vol, work.resolve("mnt-ro"), work.resolve("cache-ro"), "--read-only");
        assertEquals(0, ro.exit(), ro.err());
        assertEquals("world", Files.readString(work.resolve("mnt-ro/hello")));
        assertThrows(IOException.class, () -> Files.writeString(work.resolve("mnt-ro/nope"), "x"));
    }

    @Test
    void serverKilledDuringAWriteStreamCausesNoIoError() throws Exception {
        Path mnt = mountNew(newVolume(), "s");
        AtomicInteger filesDone = new AtomicInteger();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                for (int i = 0; i < 60; i++) {
                    byte[] data = new byte[512 * 1024];
                    new Random(i).nextBytes(data);
                    try (FileChannel ch = FileChannel.open(mnt.resolve("s" + i), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                        ch.write(ByteBuffer.wrap(data));
                        ch.force(true);
                    }
                    filesDone.incrementAndGet();
                }
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        await().atMost(Duration.ofSeconds(120)).until(() -> filesDone.get() >= 10 || writer.isDone());
        cluster.kill(2);
        try {
            writer.get(5, TimeUnit.MINUTES); // no I/O error
            for (int i = 0; i < 60; i++) {
                byte[] data = new byte[512 * 1024];
                new Random(i).nextBytes(data);
                assertTrue(java.util.Arrays.equals(data, Files.readAllBytes(mnt.resolve("s" + i))), "s" + i);
            }
        } finally {
            cluster.restart(2);
            cluster.awaitLive(3);
        }
    }

    @Test
    void growsOnDemandAndAnswersEnospcAtTheMaximum() throws Exception {
        String vol = newVolume("--size", "64M", "--max-size", "160M", "--page-size", "64K");
        Path mnt = mountNew(vol, "g");
        long sizeBefore = Files.getFileStore(mnt).getTotalSpace();
        assertTrue(sizeBefore <= 64L << 20 && sizeBefore > 0, "df size " + sizeBefore);
        byte[] chunk = new byte[1 << 20];
        new Random(5).nextBytes(chunk);
        for (int i = 0; i < 56; i++) {
            Files.write(mnt.resolve("g" + i), chunk);
        }
        await("df shows the grown size").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> Files.getFileStore(mnt).getTotalSpace() > sizeBefore);
        // Keep writing: growth continues to the maximum, then ENOSPC (a plain IOException from
        // write(2) through the stream, or a FileSystemException from open/close).
        IOException full = null;
        int i = 56;
        for (; i < 400 && full == null; i++) {
            try {
                Files.write(mnt.resolve("g" + i), chunk);
            } catch (IOException e) {
                full = e;
            }
        }
        assertTrue(full != null, "no ENOSPC after writing " + i + " MiB into a 160M volume");
        assertTrue(String.valueOf(full.getMessage()).contains("No space left"), full.toString());
        assertTrue(Files.getFileStore(mnt).getTotalSpace() <= 160L << 20);
        for (int k = 0; k < 56; k++) {
            assertTrue(java.util.Arrays.equals(chunk, Files.readAllBytes(mnt.resolve("g" + k))), "g" + k);
        }
    }

    @Test
    void sparseSizesAreNotSpace() throws Exception {
        Path mnt = mountNew(newVolume("--size", "4G", "--page-size", "64K"), "sparse");
        Path f = mnt.resolve("huge");
        ClusterFixture.Result r = MountFixture.sh(30, "truncate", "-s", "999999999999999", f.toString());
        assertEquals(0, r.exit(), "a size far past the 4 GiB volume is only a hole: " + r.out());
        r = MountFixture.sh(30, "stat", "-c", "%s %b", f.toString());
        assertEquals("999999999999999 0", r.out().strip(), "no blocks for a hole");
        long used = Files.getFileStore(mnt).getTotalSpace() - Files.getFileStore(mnt).getUnallocatedSpace();
        assertTrue(used < 1 << 20, "df counts stored pages, not sizes: " + used + " bytes used");

        r = MountFixture.sh(30, "dd", "if=/dev/urandom", "of=" + f, "bs=1M", "count=1", "seek=999999999000000",
                "oflag=seek_bytes", "conv=notrunc,fsync", "status=none");
        assertEquals(0, r.exit(), "data far out needs only its own pages: " + r.out());
        r = MountFixture.sh(30, "stat", "-c", "%s %b", f.toString());
        long blocks = Long.parseLong(r.out().strip().split(" ")[1]);
        assertTrue(blocks * 512 >= 1 << 20 && blocks * 512 <= 17 * 65536, "1 MiB across 17 pages: " + r.out());
        assertTrue(Files.getFileStore(mnt).getTotalSpace() - Files.getFileStore(mnt).getUnallocatedSpace() <= 17 * 65536 + (1 << 20));

        r = MountFixture.sh(30, "truncate", "-s", Long.toString((1L << 62) + 1), mnt.resolve("too-big").toString());
        assertNotEquals(0, r.exit());
        assertTrue(r.out().contains("File too large"), "past the largest file Quire supports: EFBIG: " + r.out());
    }

    @Test
    void stressNgFileSystemStressorsVerify() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/stress-ng")), "stress-ng is installed by tests/run");
        Path mnt = mountNew(newVolume(), "x");
        ClusterFixture.Result r = MountFixture.sh(300, "stress-ng", "--temp-path", mnt.toString(),
                "--hdd", "1", "--hdd-bytes", "16M", "--dir", "1", "--dentry", "1", "--link", "1", "--symlink", "1",
                "--rename", "1", "--fstat", "1", "--chmod", "1", "--verify", "--timeout", "20s", "--metrics-brief");
        assertEquals(0, r.exit(), r.out());
        assertFalse(r.out().contains("fail"), r.out());
    }
}
