package io.quire.mount.fuse;

import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.types.dev_t;
import jnr.ffi.types.gid_t;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.uid_t;
import ru.serce.jnrfuse.struct.FuseOperations;

/**
 * Confined to the constructing thread (installs once, before mount). libfuse 2.9's callbacks with
 * every path, name and symlink target as the raw {@code const char *} it is.
 *
 * <p>jnr-fuse declares those arguments as {@code String}, which jnr-ffi decodes as UTF-8 and
 * replaces every byte that is not UTF-8 with U+FFFD: {@code \x80X} and {@code \x81X} became the
 * same name, and a name of 86 such bytes grew past 255. Linux names are bytes, so each slot of
 * {@code struct fuse_operations} that takes one is pointed at a closure of the C signature
 * declared here (with jnr-fuse's own integer types), and {@link QuireFuse} reads the bytes
 * itself. The closures are kept here, reachable for as long as the file system may be mounted.
 */
public final class RawCallbacks {
    // Signatures as in libfuse 2.9's fuse.h (FUSE_USE_VERSION 26).
    public interface Getattr { @Delegate int call(Pointer path, Pointer stat); }
    public interface Readlink { @Delegate int call(Pointer path, Pointer buf, @size_t long size); }
    public interface Mknod { @Delegate int call(Pointer path, @mode_t long mode, @dev_t long rdev); }
    public interface Mkdir { @Delegate int call(Pointer path, @mode_t long mode); }
    public interface PathOnly { @Delegate int call(Pointer path); }
    public interface TwoPaths { @Delegate int call(Pointer from, Pointer to); }
    public interface Chmod { @Delegate int call(Pointer path, @mode_t long mode); }
    public interface Chown { @Delegate int call(Pointer path, @uid_t long uid, @gid_t long gid); }
    public interface Truncate { @Delegate int call(Pointer path, @off_t long size); }
    public interface WithFileInfo { @Delegate int call(Pointer path, Pointer fi); }
    public interface ReadWrite { @Delegate int call(Pointer path, Pointer buf, @size_t long size, @off_t long offset, Pointer fi); }
    public interface Statfs { @Delegate int call(Pointer path, Pointer statvfs); }
    public interface Fsync { @Delegate int call(Pointer path, int datasync, Pointer fi); }
    public interface Setxattr { @Delegate int call(Pointer path, Pointer name, Pointer value, @size_t long size, int flags); }
    public interface Getxattr { @Delegate int call(Pointer path, Pointer name, Pointer value, @size_t long size); }
    public interface Listxattr { @Delegate int call(Pointer path, Pointer list, @size_t long size); }
    public interface Removexattr { @Delegate int call(Pointer path, Pointer name); }
    public interface Readdir { @Delegate int call(Pointer path, Pointer buf, Pointer filler, @off_t long offset, Pointer fi); }
    public interface Access { @Delegate int call(Pointer path, int mask); }
    public interface Create { @Delegate int call(Pointer path, @mode_t long mode, Pointer fi); }
    public interface Ftruncate { @Delegate int call(Pointer path, @off_t long size, Pointer fi); }
    public interface Fgetattr { @Delegate int call(Pointer path, Pointer stat, Pointer fi); }
    public interface Utimens { @Delegate int call(Pointer path, Pointer times); }
    public interface Fallocate { @Delegate int call(Pointer path, int mode, @off_t long offset, @off_t long length, Pointer fi); }

    private final List<Object> kept = new ArrayList<>();

    private RawCallbacks() {
    }

    /** Points every path-taking slot at {@code fs}; the result keeps the closures reachable. */
    static RawCallbacks install(FuseOperations ops, QuireFuse fs) {
        RawCallbacks r = new RawCallbacks();
        r.set(ops.getattr, Getattr.class, fs::getattr);
        r.set(ops.fgetattr, Fgetattr.class, fs::fgetattr);
        r.set(ops.readlink, Readlink.class, fs::readlink);
        r.set(ops.mknod, Mknod.class, fs::mknod);
        r.set(ops.mkdir, Mkdir.class, fs::mkdir);
        r.set(ops.unlink, PathOnly.class, fs::unlink);
        r.set(ops.rmdir, PathOnly.class, fs::rmdir);
        r.set(ops.symlink, TwoPaths.class, fs::symlink);
        r.set(ops.rename, TwoPaths.class, fs::rename);
        r.set(ops.link, TwoPaths.class, fs::link);
        r.set(ops.chmod, Chmod.class, fs::chmod);
        r.set(ops.chown, Chown.class, fs::chown);
        r.set(ops.truncate, Truncate.class, fs::truncate);
        r.set(ops.ftruncate, Ftruncate.class, fs::ftruncate);
        r.set(ops.open, WithFileInfo.class, fs::open);
        r.set(ops.create, Create.class, fs::create);
        r.set(ops.read, ReadWrite.class, fs::read);
        r.set(ops.write, ReadWrite.class, fs::write);
        r.set(ops.statfs, Statfs.class, fs::statfs);
        r.set(ops.release, WithFileInfo.class, fs::release);
        r.set(ops.fsync, Fsync.class, fs::fsync);
        r.set(ops.setxattr, Setxattr.class, fs::setxattr);
        r.set(ops.getxattr, Getxattr.class, fs::getxattr);
        r.set(ops.listxattr, Listxattr.class, fs::listxattr);
        r.set(ops.removexattr, Removexattr.class, fs::removexattr);
        r.set(ops.opendir, WithFileInfo.class, fs::opendir);
        r.set(ops.readdir, Readdir.class, fs::readdir);
        r.set(ops.releasedir, WithFileInfo.class, fs::releasedir);
        // jnr-fuse 0.5.8 declares fsyncdir without its datasync argument: the C signature is Fsync's.
        r.set(ops.fsyncdir, Fsync.class, fs::fsyncdir);
        r.set(ops.access, Access.class, fs::access);
        r.set(ops.utimens, Utimens.class, fs::utimens);
        r.set(ops.fallocate, Fallocate.class, fs::fallocate);
        return r;
    }

    private <T> void set(jnr.ffi.BaseStruct.Func<?> slot, Class<T> type, T callback) {
        kept.add(callback);
        OperationsLayout.replace(slot, type, callback);
    }
}
