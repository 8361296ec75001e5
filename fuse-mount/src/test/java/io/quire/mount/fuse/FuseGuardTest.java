package io.quire.mount.fuse;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quire.mount.Errno;
import io.quire.mount.Modes;
import io.quire.mount.PosixException;
import io.quire.mount.testing.VfsFixture;
import io.quire.mount.vfs.Vfs;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Confined to the JUnit thread (background threads only in the code under test). The one callback
 * guard, and the adapter delegating through it, without a kernel.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FuseGuardTest {
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final FuseGuard guard = new FuseGuard(registry, "test");

    private double errors(String kind) {
        return registry.get("quire.fuse.errors").tag("kind", kind).counter().count();
    }

    @Test
    void answersAreNegatedErrnos() {
        assertEquals(7, guard.call("read", "/f", () -> 7));
        assertEquals(-Errno.ENOENT.code, guard.call("getattr", "/f", () -> {
            throw new PosixException(Errno.ENOENT, "no");
        }));
        assertEquals(-Errno.ENOSPC.code, guard.call("write", "/f", () -> {
            throw new QuireException(Status.VOLUME_FULL, "full");
        }));
        assertEquals(0.0, errors("unexpected"));
        assertEquals(2, registry.get("quire.fuse.ops").tag("op", "getattr").timer().count()
                + registry.get("quire.fuse.ops").tag("op", "read").timer().count());
    }

    @Test
    void anythingElseIsCountedAndBecomesEio() {
        assertEquals(-Errno.EIO.code, guard.call("write", "/f", () -> {
            throw new IllegalStateException("bug");
        }));
        assertEquals(-Errno.EIO.code, guard.call("write", "/f", () -> {
            throw new StackOverflowError();
        }));
        assertEquals(-Errno.EIO.code, guard.call("write", "/f", () -> {
            throw new Exception("checked");
        }));
        assertEquals(3.0, errors("unexpected"));
        assertEquals(-Errno.EIO.code, guard.call("fsync", "/f", () -> {
            throw new PosixException(Errno.EIO, "deadline");
        }));
        assertEquals(1.0, errors("eio"));
    }

    @Test
    void callbacksDelegateAndABugBecomesEioNotAnException(@TempDir Path dir) {
        try (VfsFixture fx = new VfsFixture(dir)) {
            QuireFuse fs = new QuireFuse(fx.vfs, registry);
            assertEquals("quire", fs.getFSName());
            // Outside a FUSE request libfuse 2's context is all zeros: the caller is root.
            FileStat st = new FileStat(Runtime.getSystemRuntime());
            assertEquals(0, fs.getattr("/", st));
            assertEquals(Vfs.ROOT_INO, st.st_ino.longValue());
            assertEquals(-Errno.ENOENT.code, fs.getattr("/missing", st));

            fx.write("/f", new byte[] {1, 2, 3});
            Pointer mem = Runtime.getSystemRuntime().getMemoryManager().allocateDirect(64, true);
            FuseFileInfo fi = FuseFileInfo.of(mem);
            fi.flags.set(Modes.O_RDONLY);
            assertEquals(0, fs.open("/f", fi));
            // A null buffer makes the adapter itself fail: the guard answers EIO and counts it.
            assertEquals(-Errno.EIO.code, fs.read("/f", null, 3, 0, fi));
            assertEquals(1.0, errors("unexpected"));
            assertEquals(0, fs.release("/f", fi));
        }
    }

    @Test
    void mountOptions() {
        String[] args = FuseMount.args("vol1", FuseMount.Options.DEFAULTS);
        assertEquals("-o", args[0]);
        assertEquals("big_writes,max_write=131072,use_ino,fsname=quire:vol1,subtype=quire,"
                + "allow_other,auto_unmount", args[1]);
    }
}
