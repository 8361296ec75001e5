package io.quire.mount.vfs;

import io.quire.mount.Errno;
import io.quire.mount.Modes;
import io.quire.mount.PosixException;
import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.Inode;
import java.util.function.LongSupplier;

/**
 * Thread-safe (each runs in one write transaction). chmod, chown and utimens.
 *
 * <p>Ownership rules, as Linux: only the owner or root may chmod, and a non-root caller outside
 * the file's group loses set-group-ID. One chmod by another user is allowed: the kernel's own
 * clearing of set-user-ID (and set-group-ID if group-executable) before that user's write or
 * truncate, which reaches a FUSE file system as a chmod in the writer's name; it is accepted from
 * a caller who may write the file and changes nothing but those bits, so the write goes on; only root may give a file away; the owner may change the
 * group to one of its own groups; chown of a non-directory clears set-user-ID, and set-group-ID
 * when group-executable — for root too, as Linux has since 2.2.13. Setting times to "now" needs
 * ownership or write permission, setting explicit times needs ownership.
 */
final class AttrOps {
    private final CacheEnv env;
    private final LongSupplier clock;

    AttrOps(CacheEnv env, LongSupplier clock) {
        this.env = env;
        this.clock = clock;
    }

    Attr chmod(Caller c, long ino, int mode) {
        return env.write(w -> {
            Inode n = Lookup.existing(env, w.txn, ino);
            if (!Permissions.isOwnerOrRoot(c, n)) {
                if (!Permissions.dropsOnlySetIdBits(n, mode) || !Permissions.allows(c, n, Modes.W_OK)) {
                    throw new PosixException(Errno.EPERM, c + " does not own inode " + ino);
                }
                Permissions.clearSuid(n);
                n.ctimeNs = clock.getAsLong();
                env.inodes.put(w.txn, n);
                return Attr.of(n);
            }
            int bits = mode & Modes.PERMISSION_BITS;
            if (!c.isRoot() && !c.inGroup(n.gid)) {
                bits &= ~Modes.S_ISGID;
            }
            n.mode = n.type() | bits;
            n.ctimeNs = clock.getAsLong();
            env.inodes.put(w.txn, n);
            return Attr.of(n);
        });
    }

    /** Changes owner and/or group; -1 leaves one unchanged. */
    Attr chown(Caller c, long ino, int uid, int gid) {
        return env.write(w -> {
            Inode n = Lookup.existing(env, w.txn, ino);
            boolean uidChange = uid != -1 && uid != n.uid;
            boolean gidChange = gid != -1 && gid != n.gid;
            if (uidChange && !c.isRoot()) {
                throw new PosixException(Errno.EPERM, "only root gives a file away");
            }
            if (gidChange && !c.isRoot() && !(c.uid() == n.uid && c.inGroup(gid))) {
                throw new PosixException(Errno.EPERM, c + " may not set group " + gid + " on inode " + ino);
            }
            if ((uid != -1 || gid != -1) && !c.isRoot() && c.uid() != n.uid) {
                throw new PosixException(Errno.EPERM, c + " does not own inode " + ino);
            }
            if (uid != -1) {
                n.uid = uid;
            }
            if (gid != -1) {
                n.gid = gid;
            }
            if (!n.isDir()) {
                Permissions.clearSuid(n);
            }
            n.ctimeNs = clock.getAsLong();
            env.inodes.put(w.txn, n);
            return Attr.of(n);
        });
    }

    Attr utimens(Caller c, long ino, TimeSpec atime, TimeSpec mtime) {
        return env.write(w -> {
            Inode n = Lookup.existing(env, w.txn, ino);
            if (atime.isOmit() && mtime.isOmit()) {
                return Attr.of(n);
            }
            boolean explicit = !(atime.isNow() || atime.isOmit()) || !(mtime.isNow() || mtime.isOmit());
            if (!Permissions.isOwnerOrRoot(c, n)) {
                if (explicit) {
                    throw new PosixException(Errno.EPERM, c + " may not set explicit times on inode " + ino);
                }
                if (!Permissions.allows(c, n, Modes.W_OK)) {
                    throw new PosixException(Errno.EACCES, c + " may not touch inode " + ino);
                }
            }
            long now = clock.getAsLong();
            if (!atime.isOmit()) {
                n.atimeNs = atime.isNow() ? now : atime.toNanos();
            }
            if (!mtime.isOmit()) {
                n.mtimeNs = mtime.isNow() ? now : mtime.toNanos();
            }
            n.ctimeNs = now;
            env.inodes.put(w.txn, n);
            return Attr.of(n);
        });
    }
}
