package io.quire.mount.daemon;

import io.quire.cluster.Volume;
import io.quire.mount.Errno;
import io.quire.mount.Modes;
import io.quire.mount.PosixException;
import io.quire.mount.testing.VfsFixture;
import io.quire.mount.vfs.Caller;
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
 * Confined to the JUnit thread. The daemon's write admission inside the POSIX layer: ENOSPC past
 * the volume's maximum size and EIO without the lease, for write, truncate and fallocate, with
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
        space = new VolumeSpace(new Volume(VfsFixture.VOLUME_ID, "test", 4096, 3, 2, MAX_BYTES / 2, MAX_BYTES,
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

    @Test
    void growthPastTheMaximumIsEnospcAndHarmsNothing() {
        byte[] a = random(900 * 1024, 1);
        long ino = fx.write("/a", a);
        byte[] more = random(200 * 1024, 2);
        assertErrno(Errno.ENOSPC, () -> write(ino, a.length, more));
        assertErrno(Errno.ENOSPC, () -> fx.vfs.truncate(Caller.ROOT, ino, MAX_BYTES + 1));
        long fh = fx.vfs.open(Caller.ROOT, ino, Modes.O_RDWR);
        try {
            assertErrno(Errno.ENOSPC, () -> fx.vfs.fallocate(fh, 0, 0, MAX_BYTES + 4096));
        } finally {
            fx.vfs.release(fh);
        }
        assertEquals(a.length, fx.vfs.getattr(ino).size());
        assertArrayEquals(a, fx.read("/a"));

        byte[] patch = random(4096, 3);
        assertEquals(patch.length, write(ino, 4096, patch), "a rewrite in place needs no room");
        System.arraycopy(patch, 0, a, 4096, patch.length);
        assertArrayEquals(a, fx.read("/a"));
        fx.vfs.truncate(Caller.ROOT, ino, MAX_BYTES); // exactly the maximum
        fx.vfs.truncate(Caller.ROOT, ino, 1000); // shrinking always passes
        assertArrayEquals(Arrays.copyOf(a, 1000), fx.read("/a"));
        fx.write("/b", random((int) MAX_BYTES - 1000 - 10, 4));
        assertErrno(Errno.ENOSPC, () -> fx.write("/c", new byte[11]));
        fx.vfs.unlink(Caller.ROOT, Vfs.ROOT_INO, "b");
        fx.write("/c", new byte[11]);
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
        assertEquals(MAX_BYTES / 2, fx.vfs.statfs().blocks() * fx.vfs.statfs().fragmentSize());
    }
}
