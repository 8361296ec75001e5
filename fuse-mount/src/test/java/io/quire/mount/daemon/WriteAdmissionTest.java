package io.quire.mount.daemon;

import io.quire.cluster.Volume;
import io.quire.mount.Errno;
import io.quire.mount.Modes;
import io.quire.mount.PosixException;
import io.quire.mount.testing.VfsFixture;
import io.quire.mount.vfs.Caller;
import io.quire.mount.vfs.Names;
import io.quire.mount.vfs.Vfs;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static io.quire.mount.testing.VfsFixture.assertErrno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Confined to the JUnit thread. The daemon's write admission inside the POSIX layer: ENOSPC when
 * the pages data needs would pass the volume's maximum size (holes and sizes cost nothing), EFBIG
 * past the largest file, and EIO without the lease, for write, truncate and fallocate, with
 * nothing already written harmed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WriteAdmissionTest {
    static final long MAX_BYTES = 1 << 20;

    @TempDir
    Path tmp;
    VfsFixture fx;
    final AtomicBoolean leaseHeld = new AtomicBoolean(true);
    VolumeSpace space;

    @BeforeEach
    void open() {
        space = new VolumeSpace(new Volume(VfsFixture.VOLUME_ID, "test", 4096, 3, 2, MAX_BYTES, MAX_BYTES,
                Volume.ACTIVE, VfsFixture.EPOCH, null, 0, 0, 0), () -> null, (v, u) -> { }, 60_000);
        fx = new VfsFixture(tmp.resolve("cache"), b -> b.volumeSizeBytes(space::sizeBytes).writeAdmission((used, growth) -> {
            if (!leaseHeld.get()) {
                throw new PosixException(Errno.EIO, "lease lost");
            }
            space.checkRoom(used, growth);
        }));
    }

    @AfterEach
    void close() {
        if (fx != null) {
            fx.close();
        }
        space.close();
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private int write(long ino, long offset, byte[] data) {
        long fh = fx.vfs.open(Caller.ROOT, ino, Modes.O_WRONLY);
        try {
            return fx.vfs.write(Caller.ROOT, fh, offset, data, 0, data.length);
        } finally {
            fx.vfs.release(fh);
        }
    }

    private long used() {
        var f = fx.vfs.statfs();
        return (f.blocks() - f.blocksFree()) * f.fragmentSize();
    }

    @Test
    void growthPastTheMaximumIsEnospcAndHarmsNothing() {
        byte[] a = random(900 * 1024, 1);
        long ino = fx.write("/a", a);
        assertEquals(a.length, used(), "900 KiB of 4 KiB pages in use");
        byte[] more = random(200 * 1024, 2);
        assertErrno(Errno.ENOSPC, () -> write(ino, a.length, more));
        assertEquals(a.length, fx.vfs.getattr(ino).size());
        assertArrayEquals(a, fx.read("/a"));

        byte[] patch = random(4096, 3);
        assertEquals(patch.length, write(ino, 4096, patch), "a rewrite in place needs no room");
        System.arraycopy(patch, 0, a, 4096, patch.length);
        assertArrayEquals(a, fx.read("/a"));
        fx.vfs.truncate(Caller.ROOT, ino, 1000); // shrinking frees every page past the first
        assertEquals(4096, used());
        assertArrayEquals(Arrays.copyOf(a, 1000), fx.read("/a"));
        fx.write("/b", random((int) MAX_BYTES - 4096, 4)); // every page of the volume is now in use
        assertEquals(MAX_BYTES, used());
        assertErrno(Errno.ENOSPC, () -> fx.write("/c", new byte[11]));
        fx.vfs.unlink(Caller.ROOT, Vfs.ROOT_INO, Names.of("b"));
        assertEquals(4096, used(), "an unlinked file's pages are free again");
        fx.write("/c", new byte[11]);
    }

    @Test
    void holesCostNothingSoSizesPastTheMaximumAreFine() {
        byte[] a = random(100 * 1024, 5);
        long ino = fx.write("/a", a);
        fx.vfs.truncate(Caller.ROOT, ino, 999_999_999_999_999L); // far past the 1 MiB maximum
        long fh = fx.vfs.open(Caller.ROOT, ino, Modes.O_RDWR);
        try {
            fx.vfs.fallocate(fh, 0, 0, 2 * 999_999_999_999_999L); // thin: no pages reserved
            assertEquals(2 * 999_999_999_999_999L, fx.vfs.getattr(ino).size());
            assertEquals(a.length, used(), "holes use no space");
            assertEquals(a.length / 512, fx.vfs.getattr(ino).blocks(), "st_blocks counts the pages holding data");
            byte[] far = new byte[4096];
            assertEquals(4096, fx.vfs.read(fh, 999_999_999_000_000L, far, 0, 4096));
            assertArrayEquals(new byte[4096], far, "a hole reads as zeros");
            assertEquals(4096, fx.vfs.write(Caller.ROOT, fh, 999_999_999_000_000L, far, 0, 4096),
                    "data far out needs only its own pages");
            assertEquals(a.length + 2 * 4096, used(), "a write across a page boundary allocates both pages");
            assertErrno(Errno.EFBIG, () -> fx.vfs.ftruncate(Caller.ROOT, fh, (1L << 62) + 1));
            assertErrno(Errno.EFBIG, () -> fx.vfs.write(Caller.ROOT, fh, 1L << 62, far, 0, 1));
        } finally {
            fx.vfs.release(fh);
        }
        byte[] head = new byte[a.length];
        long again = fx.vfs.open(Caller.ROOT, ino, Modes.O_RDONLY);
        fx.vfs.read(again, 0, head, 0, head.length);
        fx.vfs.release(again);
        assertArrayEquals(a, head);
    }

    @Test
    void withoutTheLeaseEveryDataChangeIsEio() {
        byte[] a = random(10_000, 5);
        long ino = fx.write("/a", a);
        leaseHeld.set(false);
        assertErrno(Errno.EIO, () -> write(ino, 0, new byte[10]));
        assertErrno(Errno.EIO, () -> fx.vfs.truncate(Caller.ROOT, ino, 5));
        assertArrayEquals(a, fx.read("/a"), "reads still work");
        leaseHeld.set(true);
        assertEquals(10, write(ino, 0, new byte[10]));
    }

    @Test
    void dfShowsTheVolumeSize() {
        assertEquals(MAX_BYTES, fx.vfs.statfs().blocks() * fx.vfs.statfs().fragmentSize());
    }
}
