package io.quire.mount.fuse;

import io.micrometer.core.instrument.MeterRegistry;
import io.quire.mount.Errno;
import io.quire.mount.PosixException;
import io.quire.mount.vfs.Attr;
import io.quire.mount.vfs.Caller;
import io.quire.mount.vfs.TimeSpec;
import io.quire.mount.vfs.Vfs;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
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
 * <p>libfuse's high-level API speaks paths; the POSIX layer speaks inodes. Paths are resolved
 * from the root on each call (cheap: LMDB reads). Operations on an open file use the handle in
 * {@code fh} and ignore the path (null when libfuse has none, with {@code nullpath_ok}); a file
 * unlinked while open is kept by libfuse under a {@code .fuse_hidden} name (see
 * {@link FuseMount}). Directory handles are the directory's inode number. Permissions: the POSIX
 * layer enforces them (the mount has no {@code default_permissions}) with the caller from
 * {@link #getContext()}, reading supplementary groups from /proc only when a rule needs them.
 */
public final class QuireFuse extends FuseStubFS {
    private final Vfs vfs;
    private final FuseGuard guard;
    private final int blockSize;
    /** Referenced for as long as libfuse may call it (see {@link OperationsLayout#replace}). */
    private final FsyncdirCallback fsyncdirEntry = (path, datasync, fi) -> fsyncdir(path, FuseFileInfo.of(fi));

    /** libfuse 2's {@code int (*fsyncdir)(const char *, int, struct fuse_file_info *)}. */
    public interface FsyncdirCallback {
        @Delegate
        int fsyncdir(String path, int datasync, Pointer fi);
    }

    public QuireFuse(Vfs vfs, MeterRegistry registry) {
        this.vfs = vfs;
        this.guard = new FuseGuard(registry, vfs.config().volumeName());
        this.blockSize = vfs.config().pageSizeBytes();
        OperationsLayout.patch(fuseOperations);
        OperationsLayout.replace(fuseOperations.fsyncdir, FsyncdirCallback.class, fsyncdirEntry);
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

    private Caller caller() {
        FuseContext ctx = getContext();
        return FuseCaller.of(ctx.uid.get(), ctx.gid.get(), ctx.pid.get());
    }

    private long resolve(Caller c, String path) {
        if (path == null) {
            throw new PosixException(Errno.ENOENT, "no path (file was removed)");
        }
        return vfs.resolve(c, path);
    }

    private long parent(Caller c, String path) {
        int slash = path.lastIndexOf('/');
        return resolve(c, slash <= 0 ? "/" : path.substring(0, slash));
    }

    private static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    @Override
    public int getattr(String path, FileStat stat) {
        return guard.call("getattr", path, () -> {
            FileStats.fill(stat, vfs.getattr(resolve(caller(), path)), blockSize);
            return 0;
        });
    }

    @Override
    public int fgetattr(String path, FileStat stat, FuseFileInfo fi) {
        return guard.call("fgetattr", path, () -> {
            Attr a;
            try {
                a = vfs.fgetattr(fi.fh.get());
            } catch (PosixException e) {
                if (e.errno() != Errno.EBADF || path == null) {
                    throw e;
                }
                a = vfs.getattr(resolve(caller(), path)); // a directory handle
            }
            FileStats.fill(stat, a, blockSize);
            return 0;
        });
    }

    @Override
    public int readlink(String path, Pointer buf, @size_t long size) {
        return guard.call("readlink", path, () -> {
            byte[] target = vfs.readlink(resolve(caller(), path));
            if (size <= 0) {
                return -Errno.EINVAL.code;
            }
            int n = (int) Math.min(target.length, size - 1);
            buf.put(0, target, 0, n);
            buf.putByte(n, (byte) 0);
            return 0;
        });
    }

    @Override
    public int mknod(String path, long mode, long rdev) {
        return guard.call("mknod", path, () -> {
            Caller c = caller();
            vfs.mknod(c, parent(c, path), name(path), (int) mode, rdev);
            return 0;
        });
    }

    @Override
    public int mkdir(String path, long mode) {
        return guard.call("mkdir", path, () -> {
            Caller c = caller();
            vfs.mkdir(c, parent(c, path), name(path), (int) mode);
            return 0;
        });
    }

    @Override
    public int unlink(String path) {
        return guard.call("unlink", path, () -> {
            Caller c = caller();
            vfs.unlink(c, parent(c, path), name(path));
            return 0;
        });
    }

    @Override
    public int rmdir(String path) {
        return guard.call("rmdir", path, () -> {
            Caller c = caller();
            vfs.rmdir(c, parent(c, path), name(path));
            return 0;
        });
    }

    @Override
    public int symlink(String target, String linkPath) {
        return guard.call("symlink", linkPath, () -> {
            Caller c = caller();
            vfs.symlink(c, target, parent(c, linkPath), name(linkPath));
            return 0;
        });
    }

    @Override
    public int rename(String oldPath, String newPath) {
        return guard.call("rename", oldPath, () -> {
            Caller c = caller();
            vfs.rename(c, parent(c, oldPath), name(oldPath), parent(c, newPath), name(newPath), 0);
            return 0;
        });
    }

    @Override
    public int link(String oldPath, String newPath) {
        return guard.call("link", oldPath, () -> {
            Caller c = caller();
            vfs.link(c, resolve(c, oldPath), parent(c, newPath), name(newPath));
            return 0;
        });
    }

    @Override
    public int chmod(String path, long mode) {
        return guard.call("chmod", path, () -> {
            Caller c = caller();
            vfs.chmod(c, resolve(c, path), (int) mode);
            return 0;
        });
    }

    @Override
    public int chown(String path, long uid, long gid) {
        return guard.call("chown", path, () -> {
            Caller c = caller();
            vfs.chown(c, resolve(c, path), (int) uid, (int) gid);
            return 0;
        });
    }

    @Override
    public int truncate(String path, long size) {
        return guard.call("truncate", path, () -> {
            Caller c = caller();
            vfs.truncate(c, resolve(c, path), size);
            return 0;
        });
    }

    @Override
    public int ftruncate(String path, long size, FuseFileInfo fi) {
        return guard.call("ftruncate", path, () -> {
            vfs.ftruncate(caller(), fi.fh.get(), size);
            return 0;
        });
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        return guard.call("open", path, () -> {
            Caller c = caller();
            fi.fh.set(vfs.open(c, resolve(c, path), fi.flags.get()));
            return 0;
        });
    }

    @Override
    public int create(String path, long mode, FuseFileInfo fi) {
        return guard.call("create", path, () -> {
            Caller c = caller();
            fi.fh.set(vfs.create(c, parent(c, path), name(path), (int) mode, fi.flags.get()).fh());
            return 0;
        });
    }

    @Override
    public int read(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        return guard.call("read", path, () -> {
            byte[] tmp = new byte[(int) size];
            int n = vfs.read(fi.fh.get(), offset, tmp, 0, tmp.length);
            buf.put(0, tmp, 0, n);
            return n;
        });
    }

    @Override
    public int write(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        return guard.call("write", path, () -> {
            byte[] tmp = new byte[(int) size];
            buf.get(0, tmp, 0, tmp.length);
            return vfs.write(caller(), fi.fh.get(), offset, tmp, 0, tmp.length);
        });
    }

    @Override
    public int statfs(String path, Statvfs stbuf) {
        return guard.call("statfs", path, () -> {
            FileStats.fill(stbuf, vfs.statfs());
            return 0;
        });
    }

    // No flush(): close(2) has nothing to do here (write-back keeps the data, errors surface at
    // fsync), and leaving it unimplemented makes the kernel stop sending FLUSH after the first
    // ENOSYS, which saves a round trip through FUSE on every close.

    @Override
    public int release(String path, FuseFileInfo fi) {
        return guard.call("release", path, () -> {
            vfs.release(fi.fh.get());
            return 0;
        });
    }

    @Override
    public int fsync(String path, int isdatasync, FuseFileInfo fi) {
        return guard.call("fsync", path, () -> {
            vfs.fsync(fi.fh.get(), isdatasync != 0);
            return 0;
        });
    }

    @Override
    public int setxattr(String path, String name, Pointer value, @size_t long size, int flags) {
        return guard.call("setxattr", path, () -> {
            Caller c = caller();
            byte[] v = new byte[(int) size];
            value.get(0, v, 0, v.length);
            vfs.setxattr(c, resolve(c, path), name, v, flags);
            return 0;
        });
    }

    @Override
    public int getxattr(String path, String name, Pointer value, @size_t long size) {
        return guard.call("getxattr", path, () -> {
            Caller c = caller();
            long ino = resolve(c, path);
            if (size == 0) {
                return vfs.getxattr(c, ino, name, null);
            }
            byte[] tmp = new byte[(int) size];
            int n = vfs.getxattr(c, ino, name, tmp);
            value.put(0, tmp, 0, n);
            return n;
        });
    }

    @Override
    public int listxattr(String path, Pointer list, @size_t long size) {
        return guard.call("listxattr", path, () -> {
            Caller c = caller();
            long ino = resolve(c, path);
            if (size == 0) {
                return vfs.listxattr(c, ino, null);
            }
            byte[] tmp = new byte[(int) size];
            int n = vfs.listxattr(c, ino, tmp);
            list.put(0, tmp, 0, n);
            return n;
        });
    }

    @Override
    public int removexattr(String path, String name) {
        return guard.call("removexattr", path, () -> {
            Caller c = caller();
            vfs.removexattr(c, resolve(c, path), name);
            return 0;
        });
    }

    @Override
    public int opendir(String path, FuseFileInfo fi) {
        return guard.call("opendir", path, () -> {
            Caller c = caller();
            fi.fh.set(vfs.opendir(c, resolve(c, path)));
            return 0;
        });
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filler, @off_t long offset, FuseFileInfo fi) {
        return guard.call("readdir", path, () -> {
            FileStat st = new FileStat(Runtime.getSystemRuntime());
            Pointer stMem = Struct.getMemory(st);
            vfs.readdir(fi.fh.get(), offset, e -> {
                st.st_ino.set(e.ino());
                st.st_mode.set(e.type());
                byte[] nm = e.name().getBytes(StandardCharsets.UTF_8);
                ByteBuffer name = ByteBuffer.allocate(nm.length + 1).put(nm).put((byte) 0).flip();
                return filler.apply(buf, name, stMem, e.nextOffset()) == 0;
            });
            return 0;
        });
    }

    @Override
    public int releasedir(String path, FuseFileInfo fi) {
        return guard.call("releasedir", path, () -> 0);
    }

    /** Reached through {@link #fsyncdirEntry}, never through jnr-fuse's own declaration. */
    @Override
    public int fsyncdir(String path, FuseFileInfo fi) {
        return guard.call("fsyncdir", path, () -> {
            vfs.fsyncdir(fi.fh.get());
            return 0;
        });
    }

    @Override
    public int access(String path, int mask) {
        return guard.call("access", path, () -> {
            Caller c = caller();
            vfs.access(c, resolve(c, path), mask);
            return 0;
        });
    }

    @Override
    public int utimens(String path, Timespec[] timespec) {
        return guard.call("utimens", path, () -> {
            Caller c = caller();
            TimeSpec atime = timespec == null ? TimeSpec.NOW
                    : new TimeSpec(timespec[0].tv_sec.get(), timespec[0].tv_nsec.longValue());
            TimeSpec mtime = timespec == null ? TimeSpec.NOW
                    : new TimeSpec(timespec[1].tv_sec.get(), timespec[1].tv_nsec.longValue());
            vfs.utimens(c, resolve(c, path), atime, mtime);
            return 0;
        });
    }

    @Override
    public int fallocate(String path, int mode, @off_t long off, @off_t long length, FuseFileInfo fi) {
        return guard.call("fallocate", path, () -> {
            vfs.fallocate(fi.fh.get(), mode, off, length);
            return 0;
        });
    }
}
