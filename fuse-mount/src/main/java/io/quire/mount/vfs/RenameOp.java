package io.quire.mount.vfs;

import io.quire.mount.Errno;
import io.quire.mount.Modes;
import io.quire.mount.PosixException;
import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.DirTable;
import io.quire.mount.store.Inode;
import io.quire.mount.store.WriteTxn;
import java.util.function.LongSupplier;

/**
 * Thread-safe (one write transaction: never a half-applied rename, which promise 3 relies on).
 * rename(2) and renameat2(2)'s RENAME_NOREPLACE and RENAME_EXCHANGE.
 *
 * <p>Rules, as Linux: a directory may replace only an empty directory (ENOTEMPTY) and only a
 * directory (ENOTDIR); a non-directory may not replace a directory (EISDIR); a directory may not
 * move into itself or below itself (EINVAL); moving a directory to another parent needs write
 * permission on it (its ".." changes); two names of one inode: nothing happens. Link counts of
 * both parents follow a moved directory; the moved inode's ctime and both parents' mtime and
 * ctime are updated.
 */
final class RenameOp {
    /** Deepest directory chain walked when checking that a directory does not move below itself. */
    private static final int ANCESTRY_DEPTH_MAX = 1 << 16;

    private final CacheEnv env;
    private final LongSupplier clock;
    private final RemoveOps remove;

    RenameOp(CacheEnv env, LongSupplier clock, RemoveOps remove) {
        this.env = env;
        this.clock = clock;
        this.remove = remove;
    }

    void rename(Caller c, long oldParent, byte[] oldName, long newParent, byte[] newName, int flags) {
        if ((flags & ~(Modes.RENAME_NOREPLACE | Modes.RENAME_EXCHANGE)) != 0
                || flags == (Modes.RENAME_NOREPLACE | Modes.RENAME_EXCHANGE)) {
            throw new PosixException(Errno.EINVAL, "rename flags " + flags);
        }
        byte[] on = Names.entry(oldName);
        byte[] nn = Names.entry(newName);
        env.write(w -> {
            Inode od = Lookup.directory(env, w.txn, oldParent);
            Inode nd = oldParent == newParent ? od : Lookup.directory(env, w.txn, newParent);
            Permissions.require(c, od, Modes.X_OK);
            Permissions.require(c, nd, Modes.X_OK);
            DirTable.Entry se = env.dirs.lookup(w.txn, od.ino, on);
            if (se == null) {
                throw new PosixException(Errno.ENOENT, "no entry '" + Names.show(oldName) + "' in " + oldParent);
            }
            DirTable.Entry de = env.dirs.lookup(w.txn, nd.ino, nn);
            if ((flags & Modes.RENAME_EXCHANGE) != 0 && de == null) {
                throw new PosixException(Errno.ENOENT, "no entry '" + Names.show(newName) + "' to exchange with");
            }
            if ((flags & Modes.RENAME_NOREPLACE) != 0 && de != null) {
                throw new PosixException(Errno.EEXIST, "'" + Names.show(newName) + "' exists");
            }
            Inode src = Lookup.existing(env, w.txn, se.child());
            if (de != null && de.child() == se.child()) {
                return null; // two names of one inode (or the same name): POSIX says do nothing
            }
            Inode dst = de == null ? null : Lookup.existing(env, w.txn, de.child());
            long now = clock.getAsLong();
            if ((flags & Modes.RENAME_EXCHANGE) != 0) {
                exchange(w, c, od, on, se, src, nd, nn, de, dst, now);
            } else {
                move(w, c, od, on, se, src, nd, nn, de, dst, now);
            }
            return null;
        });
    }

    private void move(WriteTxn w, Caller c, Inode od, byte[] on, DirTable.Entry se, Inode src,
                      Inode nd, byte[] nn, DirTable.Entry de, Inode dst, long now) {
        Permissions.requireRemovable(c, od, src);
        if (dst != null) {
            Permissions.requireRemovable(c, nd, dst);
        } else {
            Permissions.require(c, nd, Modes.W_OK | Modes.X_OK);
        }
        if (src.isDir()) {
            if (dst != null && !dst.isDir()) {
                throw new PosixException(Errno.ENOTDIR, "a directory cannot replace a non-directory");
            }
            checkReparent(w, c, src, od, nd);
            if (dst != null && !env.dirs.isEmpty(w.txn, dst.ino)) {
                throw new PosixException(Errno.ENOTEMPTY, "target directory " + dst.ino + " is not empty");
            }
        } else if (dst != null && dst.isDir()) {
            throw new PosixException(Errno.EISDIR, "a non-directory cannot replace a directory");
        }
        if (dst != null) {
            env.dirs.remove(w.txn, nd.ino, nn, de);
            if (dst.isDir()) {
                nd.nlink--;
                remove.removeDir(w, dst);
            } else {
                remove.dropLink(w, dst, now);
            }
        }
        env.dirs.remove(w.txn, od.ino, on, se);
        env.dirs.add(w.txn, nd, nn, src.ino, src.type());
        if (src.isDir() && od != nd) {
            od.nlink--;
            nd.nlink++;
            src.parent = nd.ino;
        }
        finish(w, now, src, od, nd);
    }

    private void exchange(WriteTxn w, Caller c, Inode od, byte[] on, DirTable.Entry se, Inode src,
                          Inode nd, byte[] nn, DirTable.Entry de, Inode dst, long now) {
        Permissions.requireRemovable(c, od, src);
        Permissions.requireRemovable(c, nd, dst);
        if (src.isDir()) {
            checkReparent(w, c, src, od, nd);
        }
        if (dst.isDir()) {
            checkReparent(w, c, dst, nd, od);
        }
        env.dirs.remove(w.txn, od.ino, on, se);
        env.dirs.remove(w.txn, nd.ino, nn, de);
        env.dirs.add(w.txn, nd, nn, src.ino, src.type());
        env.dirs.add(w.txn, od, on, dst.ino, dst.type());
        if (od != nd) {
            if (src.isDir()) {
                od.nlink--;
                nd.nlink++;
                src.parent = nd.ino;
            }
            if (dst.isDir()) {
                nd.nlink--;
                od.nlink++;
                dst.parent = od.ino;
            }
        }
        dst.ctimeNs = now;
        env.inodes.put(w.txn, dst);
        finish(w, now, src, od, nd);
    }

    /** A directory moving from {@code from} to {@code to}: not below itself, and writable. */
    private void checkReparent(WriteTxn w, Caller c, Inode dir, Inode from, Inode to) {
        if (from == to) {
            return;
        }
        Permissions.require(c, dir, Modes.W_OK);
        long ino = to.ino;
        for (int depth = 0; depth < ANCESTRY_DEPTH_MAX; depth++) {
            if (ino == dir.ino) {
                throw new PosixException(Errno.EINVAL, "directory " + dir.ino + " cannot move below itself");
            }
            if (ino == Vfs.ROOT_INO) {
                return;
            }
            ino = Lookup.existing(env, w.txn, ino).parent;
        }
        throw new PosixException(Errno.ELOOP, "directory chain deeper than " + ANCESTRY_DEPTH_MAX);
    }

    private void finish(WriteTxn w, long now, Inode src, Inode od, Inode nd) {
        src.ctimeNs = now;
        env.inodes.put(w.txn, src);
        od.touchMtimeCtime(now);
        env.inodes.put(w.txn, od);
        if (nd != od) {
            nd.touchMtimeCtime(now);
            env.inodes.put(w.txn, nd);
        }
    }
}
