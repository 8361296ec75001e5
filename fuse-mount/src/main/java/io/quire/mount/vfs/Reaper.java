package io.quire.mount.vfs;

import io.quire.mount.pages.PageCache;
import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.Inode;
import io.quire.mount.store.MetaTable;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe. Purges inodes that have neither a name nor an open handle: their record, xattrs,
 * symlink target and pages.
 *
 * <p>POSIX keeps an unlinked file alive while it is open; here unlink leaves such an inode in
 * the orphan table with nlink 0, and the last release (or the next start, since no handle
 * survives a restart) purges it.
 */
final class Reaper {
    private static final Logger log = LoggerFactory.getLogger(Reaper.class);
    private final CacheEnv env;
    private final PageCache cache;
    private final OpenFiles open;

    Reaper(CacheEnv env, PageCache cache, OpenFiles open) {
        this.env = env;
        this.cache = cache;
        this.open = open;
    }

    /** Purges the inode if it has no name and nobody holds it open. */
    void reapIfUnused(long ino) {
        if (!open.isOpen(ino) && env.read(txn -> env.orphans.contains(txn, ino))) {
            purge(ino);
        }
    }

    /**
     * An inode just lost its last name, inside the caller's transaction: purged there unless
     * someone holds it open, else kept as an orphan until the last release.
     */
    void purgeOrOrphan(io.quire.mount.store.WriteTxn w, Inode n) {
        if (open.isOpen(n.ino)) {
            env.inodes.put(w.txn, n);
            env.orphans.add(w.txn, n.ino);
        } else {
            purgeInTxn(w, n);
        }
    }

    /** Purges every orphan; only at start-up, when nothing is open. */
    void purgeAllOrphans() {
        List<Long> orphans = env.read(env.orphans::all);
        for (long ino : orphans) {
            purge(ino);
        }
        if (!orphans.isEmpty()) {
            log.info("purged {} orphan inodes left by the previous run", orphans.size());
        }
    }

    private void purge(long ino) {
        env.write(w -> {
            Inode n = env.inodes.get(w.txn, ino);
            if (n == null || n.nlink > 0) {
                env.orphans.delete(w.txn, ino);
                return null;
            }
            purgeInTxn(w, n);
            return null;
        });
    }

    /** Deletes an inode with no names left, inside the caller's transaction. */
    void purgeInTxn(io.quire.mount.store.WriteTxn w, Inode n) {
        env.inodes.delete(w.txn, n.ino);
        env.orphans.delete(w.txn, n.ino);
        env.xattrs.deleteAll(w.txn, n.ino);
        env.meta.add(w.txn, MetaTable.LIVE_INODES, -1);
        if (n.isRegular()) {
            cache.dropFile(w, n, env.meta.next(w.txn, MetaTable.NEXT_SEQ, 1));
        } else if (io.quire.mount.Modes.isSymlink(n.mode)) {
            env.symlinks.delete(w.txn, n.ino);
        }
    }
}
