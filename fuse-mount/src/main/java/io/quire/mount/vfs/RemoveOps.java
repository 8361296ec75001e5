package io.quire.mount.vfs;

import io.quire.mount.Errno;
import io.quire.mount.PosixException;
import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.DirTable;
import io.quire.mount.store.Inode;
import io.quire.mount.store.MetaTable;
import io.quire.mount.store.WriteTxn;
import java.util.function.LongSupplier;

/**
 * Thread-safe (each runs in one write transaction). unlink and rmdir.
 *
 * <p>An inode that loses its last name becomes an orphan in the same transaction; whether it
 * is purged now or on its last release is decided after the commit (see {@link Reaper}).
 */
final class RemoveOps {
    private final CacheEnv env;
    private final LongSupplier clock;
    private final Reaper reaper;

    RemoveOps(CacheEnv env, LongSupplier clock, Reaper reaper) {
        this.env = env;
        this.clock = clock;
        this.reaper = reaper;
    }

    void unlink(Caller c, long parent, byte[] name) {
        byte[] nm = Names.entry(name);
        env.write(w -> {
            Inode dir = Lookup.directory(env, w.txn, parent);
            DirTable.Entry e = entry(w, c, dir, nm);
            Inode victim = Lookup.existing(env, w.txn, e.child());
            if (victim.isDir()) {
                throw new PosixException(Errno.EISDIR, "unlink of directory '" + Names.show(name) + "'");
            }
            Permissions.requireRemovable(c, dir, victim);
            long now = clock.getAsLong();
            env.dirs.remove(w.txn, dir.ino, nm, e);
            dir.touchMtimeCtime(now);
            env.inodes.put(w.txn, dir);
            dropLink(w, victim, now);
            return null;
        });
    }

    void rmdir(Caller c, long parent, byte[] name) {
        if (Names.isDotDot(name)) {
            throw new PosixException(Errno.ENOTEMPTY, "rmdir of '..'");
        }
        byte[] nm = Names.entry(name);
        env.write(w -> {
            Inode dir = Lookup.directory(env, w.txn, parent);
            DirTable.Entry e = entry(w, c, dir, nm);
            Inode victim = Lookup.existing(env, w.txn, e.child());
            if (!victim.isDir()) {
                throw new PosixException(Errno.ENOTDIR, "rmdir of non-directory '" + Names.show(name) + "'");
            }
            Permissions.requireRemovable(c, dir, victim);
            if (!env.dirs.isEmpty(w.txn, victim.ino)) {
                throw new PosixException(Errno.ENOTEMPTY, "directory '" + Names.show(name) + "' is not empty");
            }
            long now = clock.getAsLong();
            env.dirs.remove(w.txn, dir.ino, nm, e);
            dir.nlink--;
            dir.touchMtimeCtime(now);
            env.inodes.put(w.txn, dir);
            removeDir(w, victim);
            return null;
        });
    }

    /** The entry; search permission is checked first, so a hidden name is EACCES, not ENOENT. */
    private DirTable.Entry entry(WriteTxn w, Caller c, Inode dir, byte[] name) {
        Permissions.require(c, dir, io.quire.mount.Modes.X_OK);
        DirTable.Entry e = env.dirs.lookup(w.txn, dir.ino, name);
        if (e == null) {
            throw new PosixException(Errno.ENOENT, "no entry '" + Names.show(name) + "' in " + dir.ino);
        }
        return e;
    }

    /** Takes one name away from a non-directory; at zero it becomes an orphan. */
    void dropLink(WriteTxn w, Inode victim, long now) {
        victim.nlink--;
        victim.ctimeNs = now;
        if (victim.nlink == 0) {
            reaper.purgeOrOrphan(w, victim); // one transaction for the usual unlink of a closed file
        } else {
            env.inodes.put(w.txn, victim);
        }
    }

    /** Deletes an empty directory that lost its name (directories are never held open here). */
    void removeDir(WriteTxn w, Inode victim) {
        env.inodes.delete(w.txn, victim.ino);
        env.xattrs.deleteAll(w.txn, victim.ino);
        env.meta.add(w.txn, MetaTable.LIVE_INODES, -1);
    }
}
