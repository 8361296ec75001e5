package io.quire.mount.vfs;

import io.quire.mount.Errno;
import io.quire.mount.Modes;
import io.quire.mount.MountLimits;
import io.quire.mount.PosixException;
import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.Inode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Thread-safe (each call runs in one transaction). Extended attributes.
 *
 * <p>Namespaces, as Linux: {@code user.} on regular files and directories only, guarded by the
 * file's read/write permission; {@code trusted.} and {@code security.} writable by root only
 * ({@code trusted.} also hidden from others); {@code system.} (POSIX ACLs) is not supported
 * (EOPNOTSUPP). Sizes: ERANGE when the caller's buffer is too small, size 0 asks for the size.
 */
final class XattrOps {
    private static final String USER = "user.";
    private static final String TRUSTED = "trusted.";
    private static final String SECURITY = "security.";

    private final CacheEnv env;
    private final LongSupplier clock;

    XattrOps(CacheEnv env, LongSupplier clock) {
        this.env = env;
        this.clock = clock;
    }

    /**
     * Copies the value into {@code dst} and returns its length; with {@code dst} null or empty
     * returns the length only; ERANGE if it does not fit.
     */
    int get(Caller c, long ino, String name, byte[] dst) {
        byte[] nm = name(name);
        byte[] value = env.read(txn -> {
            Inode n = Lookup.existing(env, txn, ino);
            if (!readable(c, n, name)) {
                return null;
            }
            return env.xattrs.get(txn, ino, nm);
        });
        if (value == null) {
            throw new PosixException(Errno.ENODATA, "no attribute " + name + " on inode " + ino);
        }
        return copy(value, dst);
    }

    void set(Caller c, long ino, String name, byte[] value, int flags) {
        byte[] nm = name(name);
        if (value.length > MountLimits.XATTR_VALUE_MAX_BYTES) {
            throw new PosixException(Errno.E2BIG, "attribute value of " + value.length + " bytes");
        }
        if ((flags & ~(Modes.XATTR_CREATE | Modes.XATTR_REPLACE)) != 0) {
            throw new PosixException(Errno.EINVAL, "setxattr flags " + flags);
        }
        env.write(w -> {
            Inode n = Lookup.existing(env, w.txn, ino);
            requireWritable(c, n, name);
            boolean exists = env.xattrs.get(w.txn, ino, nm) != null;
            if (exists && (flags & Modes.XATTR_CREATE) != 0) {
                throw new PosixException(Errno.EEXIST, "attribute " + name + " exists");
            }
            if (!exists && (flags & Modes.XATTR_REPLACE) != 0) {
                throw new PosixException(Errno.ENODATA, "no attribute " + name + " to replace");
            }
            env.xattrs.put(w.txn, ino, nm, value);
            n.ctimeNs = clock.getAsLong();
            env.inodes.put(w.txn, n);
            return null;
        });
    }

    void remove(Caller c, long ino, String name) {
        byte[] nm = name(name);
        env.write(w -> {
            Inode n = Lookup.existing(env, w.txn, ino);
            requireWritable(c, n, name);
            if (!env.xattrs.delete(w.txn, ino, nm)) {
                throw new PosixException(Errno.ENODATA, "no attribute " + name + " on inode " + ino);
            }
            n.ctimeNs = clock.getAsLong();
            env.inodes.put(w.txn, n);
            return null;
        });
    }

    /** NUL-terminated names the caller may see, into {@code dst}; semantics as {@link #get}. */
    int list(Caller c, long ino, byte[] dst) {
        byte[] all = env.read(txn -> {
            Inode n = Lookup.existing(env, txn, ino);
            List<byte[]> names = env.xattrs.names(txn, ino);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (byte[] nm : names) {
                String s = new String(nm, StandardCharsets.UTF_8);
                if (visible(c, n, s)) {
                    out.writeBytes(nm);
                    out.write(0);
                }
            }
            return out.toByteArray();
        });
        if (all.length > MountLimits.XATTR_LIST_MAX_BYTES) {
            throw new PosixException(Errno.E2BIG, "attribute list of " + all.length + " bytes");
        }
        return copy(all, dst);
    }

    private static int copy(byte[] value, byte[] dst) {
        if (dst == null || dst.length == 0) {
            return value.length;
        }
        if (value.length > dst.length) {
            throw new PosixException(Errno.ERANGE, value.length + " bytes do not fit " + dst.length);
        }
        System.arraycopy(value, 0, dst, 0, value.length);
        return value.length;
    }

    private static byte[] name(String name) {
        byte[] nm = name.getBytes(StandardCharsets.UTF_8);
        if (nm.length == 0 || nm.length > MountLimits.XATTR_NAME_MAX_BYTES) {
            throw new PosixException(Errno.ERANGE, "attribute name of " + nm.length + " bytes");
        }
        if (!(name.startsWith(USER) || name.startsWith(TRUSTED) || name.startsWith(SECURITY))
                || name.length() == name.indexOf('.') + 1) {
            throw new PosixException(Errno.EOPNOTSUPP, "attribute namespace of '" + name + "'");
        }
        return nm;
    }

    private static boolean userCapable(Inode n) {
        return n.isRegular() || n.isDir();
    }

    private static boolean visible(Caller c, Inode n, String name) {
        if (name.startsWith(TRUSTED)) {
            return c.isRoot();
        }
        return !name.startsWith(USER) || userCapable(n);
    }

    private static boolean readable(Caller c, Inode n, String name) {
        if (name.startsWith(USER)) {
            if (!userCapable(n)) {
                return false;
            }
            Permissions.require(c, n, Modes.R_OK);
            return true;
        }
        return visible(c, n, name);
    }

    private static void requireWritable(Caller c, Inode n, String name) {
        if (name.startsWith(USER)) {
            if (!userCapable(n)) {
                throw new PosixException(Errno.EPERM, "user attributes only on files and directories");
            }
            if ((n.mode & Modes.S_ISVTX) != 0 && n.isDir() && !Permissions.isOwnerOrRoot(c, n)) {
                throw new PosixException(Errno.EPERM, "user attributes of a sticky directory belong to its owner");
            }
            Permissions.require(c, n, Modes.W_OK);
        } else if (!c.isRoot()) {
            throw new PosixException(Errno.EPERM, "only root writes " + name);
        }
    }
}
