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
    private static final Pointer PATH = cString("/f");

    private double errors(String kind) {
        return registry.get("quire.fuse.errors").tag("kind", kind).counter().count();
    }

    @Test
    void answersAreNegatedErrnos() {
        assertEquals(7, guard.call("read", PATH, () -> 7));
        assertEquals(-Errno.ENOENT.code, guard.call("getattr", PATH, () -> {
            throw new PosixException(Errno.ENOENT, "no");
        }));
        assertEquals(-Errno.ENOSPC.code, guard.call("write", PATH, () -> {
            throw new QuireException(Status.VOLUME_FULL, "full");
        }));
        assertEquals(0.0, errors("unexpected"));
        assertEquals(2, registry.get("quire.fuse.ops").tag("op", "getattr").timer().count()
                + registry.get("quire.fuse.ops").tag("op", "read").timer().count());
    }

    @Test
    void anythingElseIsCountedAndBecomesEio() {
        assertEquals(-Errno.EIO.code, guard.call("write", PATH, () -> {
            throw new IllegalStateException("bug");
        }));
        assertEquals(-Errno.EIO.code, guard.call("write", PATH, () -> {
            throw new StackOverflowError();
        }));
        assertEquals(-Errno.EIO.code, guard.call("write", PATH, () -> {
            throw new Exception("checked");
        }));
        assertEquals(3.0, errors("unexpected"));
        assertEquals(-Errno.EIO.code, guard.call("fsync", PATH, () -> {
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
            Pointer stMem = jnr.ffi.Struct.getMemory(st);
            assertEquals(0, fs.getattr(cString("/"), stMem));
            assertEquals(Vfs.ROOT_INO, st.st_ino.longValue());
            assertEquals(-Errno.ENOENT.code, fs.getattr(cString("/missing"), stMem));

            fx.write("/f", new byte[] {1, 2, 3});
            Pointer mem = Runtime.getSystemRuntime().getMemoryManager().allocateDirect(64, true);
            FuseFileInfo fi = FuseFileInfo.of(mem);
            fi.flags.set(Modes.O_RDONLY);
            assertEquals(0, fs.open(cString("/f"), mem));
            // A null buffer makes the adapter itself fail: the guard answers EIO and counts it.
            assertEquals(-Errno.EIO.code, fs.read(cString("/f"), null, 3, 0, mem));
            assertEquals(1.0, errors("unexpected"));
            assertEquals(0, fs.release(cString("/f"), mem));
        }
    }

    /** A NUL-terminated copy of {@code s} in native memory, as libfuse passes paths. */
    private static Pointer cString(String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        // Room for a whole path, as libfuse's buffers have: the adapter looks that far for the NUL.
        Pointer p = Runtime.getSystemRuntime().getMemoryManager().allocateDirect(8192, true);
        p.put(0, b, 0, b.length);
        p.putByte(b.length, (byte) 0);
        return p;
    }

    @Test
    void mountOptions() {
        String[] args = FuseMount.args("vol1", FuseMount.Options.DEFAULTS);
        assertEquals("-o", args[0]);
        assertEquals("big_writes,max_write=131072,use_ino,fsname=quire:vol1,subtype=quire,"
                + "allow_other,auto_unmount,default_permissions", args[1]);
    }
}
