package io.quire.mount.fuse;

import io.micrometer.core.instrument.MeterRegistry;
import io.quire.mount.Errno;
import io.quire.mount.MountLimits;
import io.quire.mount.PosixException;
import io.quire.mount.vfs.Attr;
import io.quire.mount.vfs.Caller;
import io.quire.mount.vfs.TimeSpec;
import io.quire.mount.vfs.Vfs;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import jnr.ffi.provider.jffi.ClosureHelper;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseContext;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * Thread-safe (libfuse calls it from many worker threads; it holds no state of its own). The
 * jnr-fuse adapter: each libfuse 2 callback translates its arguments, delegates to the POSIX layer
 * ({@link Vfs}) and translates the answer, inside the one {@link FuseGuard}.
 *
 * <p>Paths, names and symlink targets are the bytes libfuse passes, never decoded
 * ({@link RawCallbacks}): Linux names are byte strings. libfuse's high-level API speaks paths;
 * the POSIX layer speaks inodes. Paths are resolved from the root on each call (cheap: LMDB
 * reads). Operations on an open file use the handle in {@code fh} and ignore the path (null when
 * libfuse has none, with {@code nullpath_ok}); a file unlinked while open is kept by libfuse under
 * a {@code .fuse_hidden} name (see {@link FuseMount}). Directory handles are the directory's inode
 * number. Permissions: the kernel checks them first ({@code default_permissions}, see
 * {@link FuseMount}) and the POSIX layer again, with the caller from {@link #getContext()},
 * reading supplementary groups from /proc only when a rule needs them.
 *
 * <p>No flush callback: close(2) has nothing to do here (write-back keeps the data, errors
 * surface at fsync), and leaving it unset makes the kernel stop sending FLUSH after the first
 * ENOSYS, which saves a round trip through FUSE on every close.
 */
public final class QuireFuse extends FuseStubFS {
    private static final byte[] ROOT = {'/'};
    private final Vfs vfs;
    private final FuseGuard guard;
    private final int blockSize;
    /** Keeps the installed callbacks reachable for as long as libfuse may call them. */
    @SuppressWarnings({"unused", "FieldCanBeLocal"})
    private final RawCallbacks callbacks;

    public QuireFuse(Vfs vfs, MeterRegistry registry) {
        this.vfs = vfs;
        this.guard = new FuseGuard(registry, vfs.config().volumeName());
        this.blockSize = vfs.config().pageSizeBytes();
        // Installed before the layout patch, which copies the fallocate slot to where libfuse reads it.
        this.callbacks = RawCallbacks.install(fuseOperations, this);
        OperationsLayout.patch(fuseOperations);
    }

    /**
     * Tells jnr-fuse the mount is gone (we unmount ourselves), so its shutdown hook does nothing.
     */
    void markUnmounted() {
        mounted.set(false);
    }

    @Override
    protected String getFSName() {
        return "quire";
    }

    // ---- arguments

    private Caller caller() {
        FuseContext ctx = getContext();
        return FuseCaller.of(ctx.uid.get(), ctx.gid.get(), ctx.pid.get());
    }

    private static byte[] bytes(Pointer p) {
        return CStrings.bytes(p);
    }

    private long resolve(Caller c, byte[] path) {
        if (path == null) {
            throw new PosixException(Errno.ENOENT, "no path (file was removed)");
        }
        return vfs.resolve(c, path);
    }

    private long parent(Caller c, byte[] path) {
        int slash = lastSlash(path);
        return resolve(c, slash <= 0 ? ROOT : Arrays.copyOf(path, slash));
    }

    private static byte[] name(byte[] path) {
        return Arrays.copyOfRange(path, lastSlash(path) + 1, path.length);
    }

    private static int lastSlash(byte[] path) {
        for (int i = path.length - 1; i >= 0; i--) {
            if (path[i] == '/') {
                return i;
            }
        }
        return -1;
    }

    // ---- callbacks (signatures in RawCallbacks)

    int getattr(Pointer path, Pointer stat) {
        return guard.call("getattr", path, () -> {
            byte[] p = bytes(path);
            if (p == null) {
                throw new PosixException(Errno.ENOENT, "no path (file was removed)");
            }
            FileStats.fill(stat, vfs.getattr(caller(), p), blockSize);
            return 0;
        });
    }

    int fgetattr(Pointer path, Pointer stat, Pointer fip) {
        return guard.call("fgetattr", path, () -> {
            byte[] p = bytes(path);
            Attr a;
            try {
                a = vfs.fgetattr(FuseFileInfo.of(fip).fh.get());
            } catch (PosixException e) {
                if (e.errno() != Errno.EBADF || p == null) {
                    throw e;
                }
                a = vfs.getattr(resolve(caller(), p)); // a directory handle
            }
            FileStats.fill(stat, a, blockSize);
            return 0;
        });
    }

    int readlink(Pointer path, Pointer buf, long size) {
        return guard.call("readlink", path, () -> {
            byte[] p = bytes(path);
            byte[] target = vfs.readlink(resolve(caller(), p));
            if (size <= 0) {
                return -Errno.EINVAL.code;
            }
            int n = (int) Math.min(target.length, size - 1);
            buf.put(0, target, 0, n);
            buf.putByte(n, (byte) 0);
            return 0;
        });
    }

    int mknod(Pointer path, long mode, long rdev) {
        return guard.call("mknod", path, () -> {
            byte[] p = bytes(path);
            Caller c = caller();
            vfs.mknod(c, parent(c, p), name(p), (int) mode, rdev);
            return 0;
        });
    }

    int mkdir(Pointer path, long mode) {
        return guard.call("mkdir", path, () -> {
            byte[] p = bytes(path);
            Caller c = caller();
            vfs.mkdir(c, parent(c, p), name(p), (int) mode);
            return 0;
        });
    }

    int unlink(Pointer path) {
        return guard.call("unlink", path, () -> {
            byte[] p = bytes(path);
            Caller c = caller();
            vfs.unlink(c, parent(c, p), name(p));
            return 0;
        });
    }

    int rmdir(Pointer path) {
        return guard.call("rmdir", path, () -> {
            byte[] p = bytes(path);
            Caller c = caller();
            vfs.rmdir(c, parent(c, p), name(p));
            return 0;
        });
    }

    int symlink(Pointer target, Pointer linkPath) {
        return guard.call("symlink", linkPath, () -> {
            byte[] t = bytes(target);
            byte[] p = bytes(linkPath);
            Caller c = caller();
            vfs.symlink(c, t, parent(c, p), name(p));
            return 0;
        });
    }

    int rename(Pointer oldPath, Pointer newPath) {
        return guard.call("rename", oldPath, () -> {
            byte[] from = bytes(oldPath);
            byte[] to = bytes(newPath);
            Caller c = caller();
            vfs.rename(c, parent(c, from), name(from), parent(c, to), name(to), 0);
            return 0;
        });
    }

    int link(Pointer oldPath, Pointer newPath) {
        return guard.call("link", oldPath, () -> {
            byte[] from = bytes(oldPath);
            byte[] to = bytes(newPath);
            Caller c = caller();
            vfs.link(c, resolve(c, from), parent(c, to), name(to));
            return 0;
        });
    }

    int chmod(Pointer path, long mode) {
        return guard.call("chmod", path, () -> {
            byte[] p = bytes(path);
            Caller c = caller();
            vfs.chmod(c, resolve(c, p), (int) mode);
            return 0;
        });
    }

    int chown(Pointer path, long uid, long gid) {
        return guard.call("chown", path, () -> {
            byte[] p = bytes(path);
            Caller c = caller();
            vfs.chown(c, resolve(c, p), (int) uid, (int) gid);
            return 0;
        });
    }

    int truncate(Pointer path, long size) {
        return guard.call("truncate", path, () -> {
            byte[] p = bytes(path);
            Caller c = caller();
            vfs.truncate(c, resolve(c, p), size);
            return 0;
        });
    }

    int ftruncate(Pointer path, long size, Pointer fi) {
        return guard.call("ftruncate", path, () -> {
            vfs.ftruncate(caller(), FuseFileInfo.of(fi).fh.get(), size);
            return 0;
        });
    }

    int open(Pointer path, Pointer fip) {
        return guard.call("open", path, () -> {
            byte[] p = bytes(path);
            Caller c = caller();
            FuseFileInfo fi = FuseFileInfo.of(fip);
            fi.fh.set(vfs.open(c, resolve(c, p), fi.flags.get()));
            return 0;
        });
    }

    int create(Pointer path, long mode, Pointer fip) {
        return guard.call("create", path, () -> {
            byte[] p = bytes(path);
            Caller c = caller();
            FuseFileInfo fi = FuseFileInfo.of(fip);
            fi.fh.set(vfs.create(c, parent(c, p), name(p), (int) mode, fi.flags.get()).fh());
            return 0;
        });
    }

    int read(Pointer path, Pointer buf, long size, long offset, Pointer fi) {
        return guard.call("read", null, () -> {
            byte[] tmp = new byte[(int) size];
            int n = vfs.read(FuseFileInfo.of(fi).fh.get(), offset, tmp, 0, tmp.length);
            buf.put(0, tmp, 0, n);
            return n;
        });
    }

    int write(Pointer path, Pointer buf, long size, long offset, Pointer fi) {
        return guard.call("write", null, () -> {
            byte[] tmp = new byte[(int) size];
            buf.get(0, tmp, 0, tmp.length);
            return vfs.write(caller(), FuseFileInfo.of(fi).fh.get(), offset, tmp, 0, tmp.length);
        });
    }

    int statfs(Pointer path, Pointer stbuf) {
        return guard.call("statfs", null, () -> {
            FileStats.fill(Statvfs.of(stbuf), vfs.statfs());
            return 0;
        });
    }

    int release(Pointer path, Pointer fi) {
        return guard.call("release", null, () -> {
            vfs.release(FuseFileInfo.of(fi).fh.get());
            return 0;
        });
    }

    int fsync(Pointer path, int datasync, Pointer fi) {
        return guard.call("fsync", null, () -> {
            vfs.fsync(FuseFileInfo.of(fi).fh.get(), datasync != 0);
            return 0;
        });
    }

    /** Extended attribute names stay text (UTF-8), as the POSIX layer keeps them. */
    private static String xattrName(Pointer name) {
        byte[] b = bytes(name);
        if (b == null) {
            throw new PosixException(Errno.EINVAL, "no attribute name");
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    int setxattr(Pointer path, Pointer name, Pointer value, long size, int flags) {
        return guard.call("setxattr", path, () -> {
            byte[] p = bytes(path);
            Caller c = caller();
            byte[] v = new byte[(int) size];
            value.get(0, v, 0, v.length);
            vfs.setxattr(c, resolve(c, p), xattrName(name), v, flags);
            return 0;
        });
    }

    int getxattr(Pointer path, Pointer name, Pointer value, long size) {
        return guard.call("getxattr", path, () -> {
            byte[] p = bytes(path);
            Caller c = caller();
            long ino = resolve(c, p);
            if (size == 0) {
                return vfs.getxattr(c, ino, xattrName(name), null);
            }
            byte[] tmp = new byte[(int) size];
            int n = vfs.getxattr(c, ino, xattrName(name), tmp);
            value.put(0, tmp, 0, n);
            return n;
        });
    }

    int listxattr(Pointer path, Pointer list, long size) {
        return guard.call("listxattr", path, () -> {
            byte[] p = bytes(path);
            Caller c = caller();
            long ino = resolve(c, p);
            if (size == 0) {
                return vfs.listxattr(c, ino, null);
            }
            byte[] tmp = new byte[(int) size];
            int n = vfs.listxattr(c, ino, tmp);
            list.put(0, tmp, 0, n);
            return n;
        });
    }

    int removexattr(Pointer path, Pointer name) {
        return guard.call("removexattr", path, () -> {
            byte[] p = bytes(path);
            Caller c = caller();
            vfs.removexattr(c, resolve(c, p), xattrName(name));
            return 0;
        });
    }

    int opendir(Pointer path, Pointer fip) {
        return guard.call("opendir", path, () -> {
            byte[] p = bytes(path);
            Caller c = caller();
            FuseFileInfo.of(fip).fh.set(vfs.opendir(c, resolve(c, p)));
            return 0;
        });
    }

    int readdir(Pointer path, Pointer buf, Pointer fillerPtr, long offset, Pointer fi) {
        return guard.call("readdir", null, () -> {
            ClosureHelper h = ClosureHelper.getInstance();
            FuseFillDir filler = (FuseFillDir) h.getNativeConveter(FuseFillDir.class)
                    .fromNative(fillerPtr, h.getFromNativeContext());
            FileStat st = new FileStat(Runtime.getSystemRuntime());
            Pointer stMem = Struct.getMemory(st);
            vfs.readdir(FuseFileInfo.of(fi).fh.get(), offset, e -> {
                st.st_ino.set(e.ino());
                st.st_mode.set(e.type());
                byte[] nm = e.name();
                ByteBuffer name = ByteBuffer.allocate(nm.length + 1).put(nm).put((byte) 0).flip();
                return filler.apply(buf, name, stMem, e.nextOffset()) == 0;
            });
            return 0;
        });
    }

    int releasedir(Pointer path, Pointer fi) {
        return guard.call("releasedir", null, () -> 0);
    }

    int fsyncdir(Pointer path, int datasync, Pointer fi) {
        return guard.call("fsyncdir", null, () -> {
            vfs.fsyncdir(FuseFileInfo.of(fi).fh.get());
            return 0;
        });
    }

    int access(Pointer path, int mask) {
        return guard.call("access", path, () -> {
            byte[] p = bytes(path);
            Caller c = caller();
            vfs.access(c, resolve(c, p), mask);
            return 0;
        });
    }

    int utimens(Pointer path, Pointer times) {
        return guard.call("utimens", path, () -> {
            byte[] p = bytes(path);
            Caller c = caller();
            TimeSpec atime = TimeSpec.NOW;
            TimeSpec mtime = TimeSpec.NOW;
            if (times != null && times.address() != 0) {
                Timespec a = Timespec.of(times);
                Timespec m = Timespec.of(times.slice(Struct.size(a)));
                atime = new TimeSpec(a.tv_sec.get(), a.tv_nsec.longValue());
                mtime = new TimeSpec(m.tv_sec.get(), m.tv_nsec.longValue());
            }
            vfs.utimens(c, resolve(c, p), atime, mtime);
            return 0;
        });
    }

    int fallocate(Pointer path, int mode, long off, long length, Pointer fi) {
        return guard.call("fallocate", null, () -> {
            vfs.fallocate(FuseFileInfo.of(fi).fh.get(), mode, off, length);
            return 0;
        });
    }
}
