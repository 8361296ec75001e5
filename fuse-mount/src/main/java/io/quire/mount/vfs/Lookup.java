package io.quire.mount.vfs;

import io.quire.mount.Errno;
import io.quire.mount.Modes;
import io.quire.mount.MountLimits;
import io.quire.mount.PosixException;
import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.DirTable;
import io.quire.mount.store.Inode;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.lmdbjava.Txn;

/**
 * Thread-safe (each runs in its own read transaction). Name lookup, path resolution, getattr,
 * access and readlink: the read-only metadata operations.
 */
final class Lookup {
    private final CacheEnv env;

    Lookup(CacheEnv env) {
        this.env = env;
    }

    /** The inode, or ENOENT. */
    static Inode existing(CacheEnv env, Txn<ByteBuffer> txn, long ino) {
        Inode n = env.inodes.get(txn, ino);
        if (n == null) {
            throw new PosixException(Errno.ENOENT, "no inode " + ino);
        }
        return n;
    }

    /** The inode if it is a directory: ENOENT or ENOTDIR otherwise. */
    static Inode directory(CacheEnv env, Txn<ByteBuffer> txn, long ino) {
        Inode n = existing(env, txn, ino);
        if (!n.isDir()) {
            throw new PosixException(Errno.ENOTDIR, "inode " + ino + " is not a directory");
        }
        return n;
    }

    long lookup(Caller c, long parent, byte[] name) {
        return env.read(txn -> child(txn, c, parent, name));
    }

    private long child(Txn<ByteBuffer> txn, Caller c, long parent, byte[] name) {
        Inode dir = directory(env, txn, parent);
        Permissions.require(c, dir, Modes.X_OK);
        if (Names.isDot(name)) {
            return dir.ino;
        }
        if (Names.isDotDot(name)) {
            return dir.parent;
        }
        DirTable.Entry e = env.dirs.lookup(txn, parent, Names.any(name));
        if (e == null) {
            throw new PosixException(Errno.ENOENT, "no entry '" + Names.show(name) + "' in " + parent);
        }
        return e.child();
    }

    /**
     * Resolves an absolute path from the root, checking search permission on every directory
     * on the way. Symlinks are not followed: the kernel resolves them before a path reaches a
     * FUSE file system, so one in the middle of a path is ENOTDIR here.
     */
    long resolve(Caller c, byte[] path) {
        return env.read(txn -> resolve(txn, c, path));
    }

    /** {@link #resolve} and {@link #getattr} in one read transaction (stat by path). */
    Attr getattr(Caller c, byte[] path) {
        return env.read(txn -> Attr.of(existing(env, txn, resolve(txn, c, path))));
    }

    private long resolve(Txn<ByteBuffer> txn, Caller c, byte[] path) {
        if (path.length > MountLimits.PATH_MAX_BYTES) {
            throw new PosixException(Errno.ENAMETOOLONG, "path of " + path.length + " bytes");
        }
        long ino = Vfs.ROOT_INO;
        int start = 0;
        while (start < path.length) {
            int end = start;
            while (end < path.length && path[end] != '/') {
                end++;
            }
            if (end > start) {
                ino = child(txn, c, ino, Arrays.copyOfRange(path, start, end));
            }
            start = end + 1;
        }
        return ino;
    }

    Attr getattr(long ino) {
        return Attr.of(env.read(txn -> existing(env, txn, ino)));
    }

    void access(Caller c, long ino, int mask) {
        Inode n = env.read(txn -> existing(env, txn, ino));
        if (mask != Modes.F_OK) {
            Permissions.require(c, n, mask);
        }
    }

    byte[] readlink(long ino) {
        return env.read(txn -> {
            Inode n = existing(env, txn, ino);
            if (!Modes.isSymlink(n.mode)) {
                throw new PosixException(Errno.EINVAL, "inode " + ino + " is not a symlink");
            }
            byte[] target = env.symlinks.get(txn, ino);
            if (target == null) {
                throw new PosixException(Errno.EIO, "symlink " + ino + " has no target");
            }
            return target;
        });
    }
}
