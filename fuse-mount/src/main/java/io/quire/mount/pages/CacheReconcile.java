package io.quire.mount.pages;

import io.quire.mount.MountConfig;
import io.quire.mount.MountLimits;
import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.DataTxn;
import io.quire.mount.store.DirtyTable;
import io.quire.mount.store.Inode;
import io.quire.mount.store.MetaTable;
import io.quire.mount.store.PageTable;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Confined to the thread that opens the mount, before any other thread touches the cache.
 * Repairs what a crash between the two commits of a write transaction can leave (see
 * {@link io.quire.mount.store.WriteTxn}): the metadata and the data environment each committed
 * whole, but one may be a transaction ahead of the other.
 *
 * <ul>
 *   <li>Pages and dirty marks of an inode that no longer exists (an unlink committed its
 *       metadata, not yet its page drops): dropped.
 *   <li>Pages and dirty marks past the end of a file (a truncate's metadata committed, or a
 *       write's pages did and its new size did not): dropped. Whatever the replicas hold there
 *       is dead too: a size only grows through a write, which overwrites it, or through a
 *       truncate, which first puts the range in the trash.
 *   <li>A last page holding bytes past the end of file: cut to the end and marked dirty at a new
 *       sequence, so the replicas' copy is cut as well and a later growth reads zeros there.
 *   <li>Pages and dirty marks within the file where it holds no data ({@code ExtentTable}): a
 *       write into a hole committed its page, not yet the metadata that allocates it. The write
 *       never returned, so dropping it is one of the two outcomes it may have.
 *   <li>Dirty marks with sequences the metadata has not handed out (a write's pages committed
 *       first): the sequence counter moves past them, so no later write reuses one.
 * </ul>
 *
 * <p>A clean close records it ({@link MetaTable#OPEN} 0): only a cache the last mount did not
 * close is walked, one seek per file that has cached pages.
 */
public final class CacheReconcile {
    private static final Logger log = LoggerFactory.getLogger(CacheReconcile.class);

    private final CacheEnv env;
    private final MountConfig config;
    private long droppedPages;
    private long droppedMarks;
    private long cutTails;
    /** Where {@link #dropUnallocated} resumes: file and page. */
    private long scanIno = -1;
    private long scanFrom;

    private CacheReconcile(CacheEnv env, MountConfig config) {
        this.env = env;
        this.config = config;
    }

    /** At open: reconciles the cache if the last mount did not close it, then marks it open. */
    public static void open(CacheEnv env, MountConfig config) {
        boolean crashed = env.read(txn -> env.meta.get(txn, MetaTable.OPEN, 0)) != 0;
        if (crashed) {
            new CacheReconcile(env, config).run();
        }
        env.write(w -> {
            env.meta.put(w.txn, MetaTable.OPEN, 1);
            return null;
        });
    }

    /** At a clean close, once nothing else writes the cache. */
    public static void closed(CacheEnv env) {
        env.write(w -> {
            env.meta.put(w.txn, MetaTable.OPEN, 0);
            return null;
        });
    }

    private void run() {
        long start = System.nanoTime();
        long files = 0;
        for (long ino = nextIno(0); ino >= 0; ) {
            files++;
            long current = ino;
            while (!repair(current)) {
                // a chunk per transaction until the file's dead pages are gone
            }
            ino = current == Long.MAX_VALUE ? -1 : nextIno(current + 1);
        }
        long maxSeq = maxDirtySeq();
        boolean bumped = env.write(w -> {
            if (env.meta.get(w.txn, MetaTable.NEXT_SEQ, 1) > maxSeq) {
                return false;
            }
            env.meta.put(w.txn, MetaTable.NEXT_SEQ, maxSeq + 1);
            return true;
        });
        log.info("cache {} was not closed cleanly; reconciled {} files in {} ms: dropped {} pages and {} dirty marks"
                        + " of removed files or past the end of file, cut {} last pages{}", env.dir(), files,
                (System.nanoTime() - start) / 1_000_000, droppedPages, droppedMarks, cutTails,
                bumped ? ", moved the page sequence past " + maxSeq : "");
    }

    /** The smallest inode at or after {@code from} with a cached page or a dirty mark, or -1. */
    private long nextIno(long from) {
        return env.readData(d -> {
            PageTable.Key k = env.pages.first(d, from, 0);
            List<DirtyTable.Entry> e = env.dirty.from(d, from, 0, 1);
            long a = k == null ? -1 : k.ino();
            long b = e.isEmpty() ? -1 : e.get(0).ino();
            return a < 0 ? b : b < 0 ? a : Math.min(a, b);
        });
    }

    /** One transaction on one file; returns true when the file is done. */
    private boolean repair(long ino) {
        return env.write(w -> {
            Inode n = env.inodes.get(w.txn, ino);
            long keep = n == null || !n.isRegular() ? 0 : config.pagesOf(n.size);
            DataTxn d = w.data();
            PageCache.Dropped dropped = PageCache.dropRange(env, d, ino, keep, Long.MAX_VALUE);
            boolean done = dropped.done();
            if (done && keep > 0) {
                PageCache.Dropped holes = dropUnallocated(w, ino, keep);
                dropped = new PageCache.Dropped(dropped.pages() + holes.pages(), dropped.bytes() + holes.bytes(),
                        dropped.marks() + holes.marks(), holes.done());
                done = holes.done();
            }
            boolean cut = false;
            int tail = n == null ? 0 : (int) (n.size % config.pageSizeBytes());
            if (done && keep > 0 && tail != 0 && !env.trash.covers(w.txn, ino, keep - 1)
                    && env.pages.length(d, ino, keep - 1) > tail) {
                env.pages.truncate(d, ino, keep - 1, tail);
                env.dirty.mark(d, ino, keep - 1, env.meta.next(w.txn, MetaTable.NEXT_SEQ, 1), 0);
                cut = true;
            }
            boolean cutNow = cut;
            PageCache.Dropped all = dropped;
            w.afterCommit(() -> {
                droppedPages += all.pages();
                droppedMarks += all.marks();
                cutTails += cutNow ? 1 : 0;
            });
            return done;
        });
    }

    /**
     * Drops up to a chunk of cached pages and dirty marks below page {@code keep} that lie in no
     * extent, resuming after those already looked at for this file.
     */
    private PageCache.Dropped dropUnallocated(io.quire.mount.store.WriteTxn w, long ino, long keep) {
        if (scanIno != ino) {
            scanIno = ino;
            scanFrom = 0;
        }
        int chunk = MountLimits.TRASH_LOCAL_CHUNK_PAGES;
        DataTxn d = w.data();
        List<PageTable.Key> cached = env.pages.range(d, ino, scanFrom, keep, chunk);
        List<DirtyTable.Entry> marks = env.dirty.range(d, ino, scanFrom, keep, chunk);
        long end = keep;
        if (cached.size() == chunk) {
            end = cached.get(chunk - 1).index() + 1;
        }
        if (marks.size() == chunk) {
            end = Math.min(end, marks.get(chunk - 1).index() + 1);
        }
        int pages = 0;
        long bytes = 0;
        int dropped = 0;
        for (PageTable.Key k : cached) {
            if (k.index() < end && !env.extents.contains(w.txn, ino, k.index())) {
                env.pages.delete(d, ino, k.index());
                bytes += PageTable.footprint(k.length());
                pages++;
            }
        }
        for (DirtyTable.Entry e : marks) {
            if (e.index() < end && !env.extents.contains(w.txn, ino, e.index())) {
                env.dirty.delete(d, ino, e.index());
                dropped++;
            }
        }
        long next = end;
        w.afterCommit(() -> scanFrom = next); // a retried transaction looks at the same chunk again
        return new PageCache.Dropped(pages, bytes, dropped, end >= keep);
    }

    private long maxDirtySeq() {
        long max = 0;
        long ino = 0;
        long index = 0;
        for (;;) {
            long fromIno = ino;
            long fromIndex = index;
            List<DirtyTable.Entry> batch = env.readData(d ->
                    env.dirty.from(d, fromIno, fromIndex, MountLimits.MAINTENANCE_BATCH_PAGES));
            for (DirtyTable.Entry e : batch) {
                max = Math.max(max, e.seq());
            }
            if (batch.size() < MountLimits.MAINTENANCE_BATCH_PAGES) {
                return max;
            }
            DirtyTable.Entry last = batch.get(batch.size() - 1);
            if (last.index() == Long.MAX_VALUE) {
                if (last.ino() == Long.MAX_VALUE) {
                    return max;
                }
                ino = last.ino() + 1;
                index = 0;
            } else {
                ino = last.ino();
                index = last.index() + 1;
            }
        }
    }
}
