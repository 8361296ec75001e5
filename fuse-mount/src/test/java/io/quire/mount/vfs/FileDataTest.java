package io.quire.mount.vfs;

import io.quire.mount.Errno;
import io.quire.mount.Modes;
import io.quire.mount.testing.VfsFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static io.quire.mount.testing.VfsFixture.assertErrno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Confined to the JUnit thread (background threads only in the code under test). File contents
 * through the POSIX layer: offsets, holes, large files, truncate, append, orphans.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FileDataTest {
    private static final int PAGE = 4096;
    @TempDir
    Path dir;
    VfsFixture fx;
    Vfs vfs;
    final Caller root = Caller.ROOT;

    @BeforeEach
    void open() {
        fx = new VfsFixture(dir);
        vfs = fx.vfs;
    }

    @AfterEach
    void close() {
        fx.close();
    }

    private long create(String name) {
        return vfs.create(root, Vfs.ROOT_INO, Names.of(name), 0644, Modes.O_RDWR | Modes.O_CREAT).fh();
    }

    private void writeAt(long fh, long off, byte[] data) {
        assertEquals(data.length, vfs.write(root, fh, off, data, 0, data.length));
    }

    private byte[] readAt(long fh, long off, int len) {
        byte[] out = new byte[len];
        int n = vfs.read(fh, off, out, 0, len);
        return Arrays.copyOf(out, n);
    }

    private static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void writesAtAnyOffsetAndSizeReadBack() {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        long fh = create("f");
        byte[] model = new byte[200_000];
        int size = 0;
        for (int i = 0; i < 200; i++) {
            int off = rnd.nextInt(150_000);
            byte[] data = random(rnd.nextLong(), 1 + rnd.nextInt(i % 10 == 0 ? 40_000 : 3 * PAGE));
            writeAt(fh, off, data);
            System.arraycopy(data, 0, model, off, data.length);
            size = Math.max(size, off + data.length);
        }
        assertEquals(size, vfs.getattr(fx.ino("/f")).size(), "seed " + seed);
        assertArrayEquals(Arrays.copyOf(model, size), fx.readAll(fh), "seed " + seed);
        for (int i = 0; i < 50; i++) {
            int off = rnd.nextInt(size);
            int len = 1 + rnd.nextInt(3 * PAGE);
            assertArrayEquals(Arrays.copyOfRange(model, off, Math.min(size, off + len)), readAt(fh, off, len), "seed " + seed);
        }
        vfs.release(fh);
    }

    @Test
    void holesReadAsZeros() {
        long fh = create("sparse");
        writeAt(fh, 10 * PAGE + 5, new byte[] {9});
        assertEquals(10 * PAGE + 6, vfs.fgetattr(fh).size());
        byte[] all = fx.readAll(fh);
        assertEquals(10 * PAGE + 6, all.length);
        for (int i = 0; i < all.length - 1; i++) {
            assertEquals(0, all[i], "byte " + i);
        }
        assertEquals(9, all[all.length - 1]);
        vfs.release(fh);
    }

    @Test
    void filesBeyondFourGibibytesWithSparseWrites() {
        long fh = create("big");
        long far = (5L << 30) + 12345;
        writeAt(fh, far, "tail".getBytes(StandardCharsets.UTF_8));
        writeAt(fh, (4L << 30) - 2, new byte[] {1, 2, 3, 4});
        assertEquals(far + 4, vfs.fgetattr(fh).size());
        assertArrayEquals("tail".getBytes(StandardCharsets.UTF_8), readAt(fh, far, 100));
        assertArrayEquals(new byte[] {0, 1, 2, 3, 4, 0}, readAt(fh, (4L << 30) - 3, 6));
        assertArrayEquals(new byte[PAGE], readAt(fh, 3L << 30, PAGE));
        vfs.ftruncate(root, fh, (4L << 30));
        assertArrayEquals(new byte[] {0, 1, 2}, readAt(fh, (4L << 30) - 3, 6));
        assertEquals(0, readAt(fh, far, 10).length);
        vfs.release(fh);
    }

    @Test
    void truncateShrinksZeroesTheTailAndGrowsWithZeros() {
        byte[] data = random(1, 3 * PAGE);
        long f = fx.write("/f", data);
        vfs.truncate(root, f, PAGE + 100);
        assertArrayEquals(Arrays.copyOf(data, PAGE + 100), fx.read("/f"));
        vfs.truncate(root, f, 3 * PAGE);
        byte[] expect = Arrays.copyOf(Arrays.copyOf(data, PAGE + 100), 3 * PAGE);
        assertArrayEquals(expect, fx.read("/f"), "bytes past the cut come back as zeros");
        vfs.truncate(root, f, 0);
        assertEquals(0, fx.read("/f").length);
        long fh = vfs.open(root, f, Modes.O_RDWR);
        writeAt(fh, 2 * PAGE, new byte[] {5});
        byte[] grown = fx.readAll(fh);
        assertEquals(2 * PAGE + 1, grown.length);
        assertEquals(5, grown[2 * PAGE]);
        for (int i = 0; i < 2 * PAGE; i++) {
            assertEquals(0, grown[i]);
        }
        vfs.release(fh);
    }

    @Test
    void openTruncAndAppend() {
        long f = fx.write("/f", "hello".getBytes(StandardCharsets.UTF_8));
        long fh = vfs.open(root, f, Modes.O_WRONLY | Modes.O_APPEND);
        writeAt(fh, 0, " world".getBytes(StandardCharsets.UTF_8));
        writeAt(fh, 2, "!".getBytes(StandardCharsets.UTF_8));
        vfs.release(fh);
        assertEquals("hello world!", new String(fx.read("/f"), StandardCharsets.UTF_8));
        fh = vfs.open(root, f, Modes.O_RDWR | Modes.O_TRUNC);
        assertEquals(0, vfs.fgetattr(fh).size());
        vfs.release(fh);
        assertEquals(0, fx.read("/f").length);
    }

    @Test
    void accessModesOfHandles() {
        long f = fx.write("/f", new byte[] {1});
        long ro = vfs.open(root, f, Modes.O_RDONLY);
        assertErrno(Errno.EBADF, () -> vfs.write(root, ro, 0, new byte[1], 0, 1));
        long wo = vfs.open(root, f, Modes.O_WRONLY);
        assertErrno(Errno.EBADF, () -> vfs.read(wo, 0, new byte[1], 0, 1));
        vfs.release(ro);
        vfs.release(wo);
        assertErrno(Errno.EBADF, () -> vfs.read(ro, 0, new byte[1], 0, 1));
        long d = fx.mkdir("/d");
        assertErrno(Errno.EISDIR, () -> vfs.open(root, d, Modes.O_WRONLY));
        assertErrno(Errno.ENOTDIR, () -> vfs.open(root, f, Modes.O_RDONLY | Modes.O_DIRECTORY));
    }

    @Test
    void unlinkedOpenFileStaysUsableUntilRelease() {
        long f = fx.write("/f", "before".getBytes(StandardCharsets.UTF_8));
        long fh = vfs.open(root, f, Modes.O_RDWR);
        vfs.unlink(root, Vfs.ROOT_INO, Names.of("f"));
        assertErrno(Errno.ENOENT, () -> fx.ino("/f"));
        assertEquals(0, vfs.fgetattr(fh).nlink());
        writeAt(fh, 6, " after".getBytes(StandardCharsets.UTF_8));
        assertEquals("before after", new String(fx.readAll(fh), StandardCharsets.UTF_8));
        vfs.fsync(fh, false);
        vfs.release(fh);
        assertErrno(Errno.ENOENT, () -> vfs.getattr(f));
    }

    @Test
    void orphansLeftByACrashArePurgedAtStart() {
        long f = fx.write("/f", new byte[] {1});
        vfs.open(root, f, Modes.O_RDONLY);
        vfs.unlink(root, Vfs.ROOT_INO, Names.of("f"));
        fx.reopen(); // the handle dies with the "process"
        vfs = fx.vfs;
        assertErrno(Errno.ENOENT, () -> vfs.getattr(f));
    }

    @Test
    void fallocateModeZeroExtends() {
        long fh = create("f");
        vfs.fallocate(fh, 0, 100, 900);
        assertEquals(1000, vfs.fgetattr(fh).size());
        vfs.fallocate(fh, 0, 0, 10);
        assertEquals(1000, vfs.fgetattr(fh).size());
        assertErrno(Errno.EOPNOTSUPP, () -> vfs.fallocate(fh, 1, 0, 10));
        assertErrno(Errno.EINVAL, () -> vfs.fallocate(fh, 0, 0, 0));
        assertArrayEquals(new byte[1000], fx.readAll(fh));
        vfs.release(fh);
    }

    @Test
    void readOfDirectoryAndPastEnd() {
        long f = fx.write("/f", new byte[] {1, 2, 3});
        long fh = vfs.open(root, f, Modes.O_RDONLY);
        assertEquals(0, vfs.read(fh, 3, new byte[10], 0, 10));
        assertEquals(0, vfs.read(fh, 1L << 40, new byte[10], 0, 10));
        assertEquals(2, vfs.read(fh, 1, new byte[10], 0, 10));
        vfs.release(fh);
        assertTrue(vfs.statfs().files() > 0);
    }

    @Test
    void writesSurviveReopen() {
        byte[] data = random(2, 5 * PAGE + 17);
        fx.write("/f", data);
        fx.mkdir("/d");
        fx.write("/d/g", new byte[] {1});
        fx.reopen();
        vfs = fx.vfs;
        assertArrayEquals(data, fx.read("/f"));
        assertArrayEquals(new byte[] {1}, fx.read("/d/g"));
    }
}
