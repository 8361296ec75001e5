package io.quire.mount.vfs;

import io.quire.mount.Errno;
import io.quire.mount.Modes;
import io.quire.mount.MountLimits;
import io.quire.mount.PosixException;
import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.DirTable;
import io.quire.mount.store.Inode;
import io.quire.mount.store.MetaTable;
import io.quire.mount.store.WriteTxn;
import java.util.function.LongSupplier;

/**
 * Thread-safe (each runs in one write transaction, so the new inode, its entry and the parent's
 * times appear at once). mkdir, mknod, create, symlink and link: operations that add a name.
 */
final class CreateOps {
    private final CacheEnv env;
    private final LongSupplier clock;

    /** A file create's outcome: the inode, and whether this call made it. */
    record Created(long ino, boolean created) {
    }

    CreateOps(CacheEnv env, LongSupplier clock) {
        this.env = env;
        this.clock = clock;
    }

    Attr mkdir(Caller c, long parent, byte[] name, int mode) {
        byte[] nm = Names.entry(name);
        return env.write(w -> {
            Inode dir = writableDir(w, c, parent, nm);
            long now = clock.getAsLong();
            Inode d = newInode(w, c, dir, Modes.S_IFDIR | (mode & Modes.PERMISSION_BITS), now);
            d.nlink = 2;
            d.parent = dir.ino;
            d.nextCookie = DirTable.FIRST_COOKIE;
            env.inodes.put(w.txn, d);
            env.dirs.add(w.txn, dir, nm, d.ino, Modes.S_IFDIR);
            dir.nlink++;
            dir.touchMtimeCtime(now);
            env.inodes.put(w.txn, dir);
            return Attr.of(d);
        });
    }

    Attr mknod(Caller c, long parent, byte[] name, int mode, long rdev) {
        int type = Modes.type(mode) == 0 ? Modes.S_IFREG : Modes.type(mode);
        switch (type) {
            case Modes.S_IFREG, Modes.S_IFIFO, Modes.S_IFSOCK -> { }
            case Modes.S_IFCHR, Modes.S_IFBLK -> {
                if (!c.isRoot()) {
                    throw new PosixException(Errno.EPERM, "only root creates device nodes");
                }
            }
            default -> throw new PosixException(Errno.EINVAL, "mknod of type " + Integer.toOctalString(type));
        }
        byte[] nm = Names.entry(name);
        return env.write(w -> {
            Inode dir = writableDir(w, c, parent, nm);
            long now = clock.getAsLong();
            Inode n = newInode(w, c, dir, type | (mode & Modes.PERMISSION_BITS), now);
            n.rdev = (type == Modes.S_IFCHR || type == Modes.S_IFBLK) ? rdev : 0;
            addChild(w, dir, nm, n, now);
            return Attr.of(n);
        });
    }

    /** Creates a regular file, or finds the existing one unless {@code exclusive}. */
    Created createFile(Caller c, long parent, byte[] name, int mode, boolean exclusive) {
        byte[] nm = Names.entry(name);
        return env.write(w -> {
            Inode dir = Lookup.directory(env, w.txn, parent);
            DirTable.Entry e = env.dirs.lookup(w.txn, parent, nm);
            if (e != null) {
                Permissions.require(c, dir, Modes.X_OK);
                if (exclusive) {
                    throw new PosixException(Errno.EEXIST, "'" + Names.show(name) + "' exists");
                }
                return new Created(e.child(), false);
            }
            Permissions.require(c, dir, Modes.W_OK | Modes.X_OK);
            long now = clock.getAsLong();
            Inode n = newInode(w, c, dir, Modes.S_IFREG | (mode & Modes.PERMISSION_BITS), now);
            addChild(w, dir, nm, n, now);
            return new Created(n.ino, true);
        });
    }

    Attr symlink(Caller c, long parent, byte[] name, byte[] target) {
        byte[] nm = Names.entry(name);
        byte[] t = target;
        if (t.length == 0) {
            throw new PosixException(Errno.ENOENT, "empty symlink target");
        }
        if (t.length > MountLimits.SYMLINK_MAX_BYTES) {
            throw new PosixException(Errno.ENAMETOOLONG, "symlink target of " + t.length + " bytes");
        }
        return env.write(w -> {
            Inode dir = writableDir(w, c, parent, nm);
            long now = clock.getAsLong();
            Inode n = newInode(w, c, dir, Modes.S_IFLNK | 0777, now);
            n.size = t.length;
            env.symlinks.put(w.txn, n.ino, t);
            addChild(w, dir, nm, n, now);
            return Attr.of(n);
        });
    }

    Attr link(Caller c, long ino, long newParent, byte[] name) {
        byte[] nm = Names.entry(name);
        return env.write(w -> {
            Inode n = Lookup.existing(env, w.txn, ino);
            if (n.isDir()) {
                throw new PosixException(Errno.EPERM, "hard link to directory " + ino);
            }
            if (n.nlink == 0) {
                throw new PosixException(Errno.ENOENT, "inode " + ino + " was removed");
            }
            if (n.nlink >= MountLimits.LINK_MAX) {
                throw new PosixException(Errno.EMLINK, "inode " + ino + " has " + n.nlink + " links");
            }
            Inode dir = writableDir(w, c, newParent, nm);
            long now = clock.getAsLong();
            env.dirs.add(w.txn, dir, nm, ino, n.type());
            dir.touchMtimeCtime(now);
            env.inodes.put(w.txn, dir);
            n.nlink++;
            n.ctimeNs = now;
            env.inodes.put(w.txn, n);
            return Attr.of(n);
        });
    }

    /** The parent, if the caller may add {@code name} to it and it is not taken. */
    private Inode writableDir(WriteTxn w, Caller c, long parent, byte[] name) {
        Inode dir = Lookup.directory(env, w.txn, parent);
        Permissions.require(c, dir, Modes.W_OK | Modes.X_OK);
        if (dir.nlink == 0) {
            throw new PosixException(Errno.ENOENT, "directory " + parent + " was removed");
        }
        if (env.dirs.lookup(w.txn, parent, name) != null) {
            throw new PosixException(Errno.EEXIST, "'" + Names.show(name) + "' exists in " + parent);
        }
        return dir;
    }

    /**
     * A new inode owned by the caller; in a set-group-ID directory it takes the directory's group
     * (and a new directory keeps the bit), as Linux does.
     */
    private Inode newInode(WriteTxn w, Caller c, Inode dir, int mode, long now) {
        Inode n = new Inode(env.meta.next(w.txn, MetaTable.NEXT_INO, Vfs.ROOT_INO + 1));
        n.uid = c.uid();
        n.gid = c.gid();
        if ((dir.mode & Modes.S_ISGID) != 0) {
            n.gid = dir.gid;
            if (Modes.isDir(mode)) {
                mode |= Modes.S_ISGID;
            }
        }
        if (!Modes.isDir(mode) && (mode & Modes.S_ISGID) != 0 && !c.isRoot() && !c.inGroup(n.gid)) {
            mode &= ~Modes.S_ISGID;
        }
        n.mode = mode;
        n.nlink = 1;
        n.atimeNs = now;
        n.mtimeNs = now;
        n.ctimeNs = now;
        env.meta.add(w.txn, MetaTable.LIVE_INODES, 1);
        return n;
    }

    private void addChild(WriteTxn w, Inode dir, byte[] name, Inode n, long now) {
        env.inodes.put(w.txn, n);
        env.dirs.add(w.txn, dir, name, n.ino, n.type());
        dir.touchMtimeCtime(now);
        env.inodes.put(w.txn, dir);
    }
}
