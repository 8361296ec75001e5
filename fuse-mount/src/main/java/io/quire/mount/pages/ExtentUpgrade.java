package io.quire.mount.pages;

import io.quire.mount.MountConfig;
import io.quire.mount.MountLimits;
import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.Inode;
import io.quire.mount.store.MetaTable;
import io.quire.mount.store.PageTable;
import io.quire.mount.store.WriteTxn;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Confined to the thread that opens the mount, before any other thread touches the cache. Counts
 * the allocated pages of a cache, or of metadata rebuilt from a journal, written before Quire kept
 * them ({@link MetaTable#EXTENTS} absent).
 *
 * <p>For each regular file, the pages it may have on the replicas (below its remote high mark)
 * and those in the cache become its extents: a superset of the pages that hold data, so no page
 * with bytes is ever taken for a hole; the holes among them cost a fetch when read and count as
 * used until they are cut. The volume's usage becomes the sum. In batches of files, each one
 * journaled transaction; a file already counted is skipped, so an interrupted upgrade resumes.
 */
public final class ExtentUpgrade {
    private static final Logger log = LoggerFactory.getLogger(ExtentUpgrade.class);
    private static final int FILES_PER_TXN = 256;

    private ExtentUpgrade() {
    }

    /** Runs the upgrade if the cache needs it. */
    public static void run(CacheEnv env, MountConfig config) {
        if (env.read(txn -> env.meta.get(txn, MetaTable.EXTENTS, 0)) != 0) {
            return;
        }
        long start = System.nanoTime();
        long files = 0;
        for (long next = 0; next >= 0; ) {
            long from = next;
            long[] r = env.write(w -> {
                List<Inode> batch = env.inodes.from(w.txn, from, FILES_PER_TXN);
                long counted = 0;
                for (Inode n : batch) {
                    if (n.isRegular() && n.allocated == Inode.ALLOCATED_UNKNOWN) {
                        count(env, config, w, n);
                        env.inodes.put(w.txn, n);
                        counted++;
                    }
                }
                long after = batch.size() < FILES_PER_TXN ? -1 : batch.get(batch.size() - 1).ino + 1;
                return new long[] {after, counted};
            });
            next = r[0];
            files += r[1];
        }
        long used = env.write(w -> {
            long total = 0;
            for (long from = 0; ; ) {
                List<Inode> batch = env.inodes.from(w.txn, from, FILES_PER_TXN);
                for (Inode n : batch) {
                    if (n.isRegular()) {
                        total += Math.max(0, n.allocated);
                    }
                }
                if (batch.size() < FILES_PER_TXN) {
                    break;
                }
                from = batch.get(batch.size() - 1).ino + 1;
            }
            env.meta.put(w.txn, MetaTable.USED_BYTES, total);
            env.meta.put(w.txn, MetaTable.EXTENTS, 1);
            return total;
        });
        if (files > 0) {
            log.info("volume {}: counted the pages of {} files written before allocation was kept ({} bytes in use)"
                    + " in {} ms", config.volumeName(), files, used, (System.nanoTime() - start) / 1_000_000);
        }
    }

    /**
     * Allocates what the file may hold within its size: pages below its remote high mark, and
     * cached pages.
     */
    private static void count(CacheEnv env, MountConfig config, WriteTxn w, Inode n) {
        long end = config.pagesOf(n.size);
        long high = Math.min(env.remote.high(w.txn, n.ino), end);
        if (high > 0) {
            env.extents.allocate(w.txn, n.ino, 0, high - 1);
        }
        for (long from = high; from < end; ) {
            List<PageTable.Key> cached = env.pages.range(w.data(), n.ino, from, end, MountLimits.MAINTENANCE_BATCH_PAGES);
            for (PageTable.Key k : cached) {
                env.extents.allocate(w.txn, n.ino, k.index(), k.index());
            }
            if (cached.size() < MountLimits.MAINTENANCE_BATCH_PAGES) {
                break;
            }
            from = cached.get(cached.size() - 1).index() + 1;
        }
        n.allocated = env.extents.allocated(w.txn, n.ino, 0, Long.MAX_VALUE) * config.pageSizeBytes();
    }
}
