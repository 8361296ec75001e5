package io.quire.mount.pages;

import io.quire.mount.Worker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quire.mount.MountConfig;
import io.quire.mount.MountLimits;
import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.PageTable;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * State confined to the evictor thread; {@link #wake()} is thread-safe. Keeps the page cache under
 * its size by dropping clean pages, CLOCK-style: a hand sweeps the page table in key order; a page
 * read since the hand last passed gets a second chance, a dirty page is never dropped.
 *
 * <p>Eviction starts above {@link MountLimits#CACHE_HIGH_WATER_PERCENT} of the cache size and
 * stops below {@link MountLimits#CACHE_LOW_WATER_PERCENT}. A clean page is safe to drop: it is
 * either on W replicas (uploaded) or came from them (fetched).
 */
public final class Evictor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Evictor.class);
    private static final long IDLE_WAIT_MS = 1_000;

    private final CacheEnv env;
    private final PageCache cache;
    private final MountConfig config;
    private final Worker worker;
    private final Counter evicted;
    private long handIno;
    private long handIndex;

    public Evictor(CacheEnv env, PageCache cache, MountConfig config, MeterRegistry registry) {
        this.env = env;
        this.cache = cache;
        this.config = config;
        this.evicted = Counter.builder("quire.cache.evicted.pages").register(registry);
        this.worker = new Worker("quire-evictor-" + config.volumeName(),
                "evictor of volume " + config.volumeName(), this::run);
    }

    public void start() {
        worker.start();
    }

    /** Called when the cache grew; cheap when below the high mark. */
    public void wake() {
        if (cache.cachedBytes() > highBytes()) {
            worker.wake();
        }
    }

    private long highBytes() {
        return config.cacheBytesMax() / 100 * MountLimits.CACHE_HIGH_WATER_PERCENT;
    }

    private long lowBytes() {
        return config.cacheBytesMax() / 100 * MountLimits.CACHE_LOW_WATER_PERCENT;
    }

    private void run() {
        while (!worker.stopped()) {
            try {
                if (cache.cachedBytes() > highBytes()) {
                    evictToLowMark();
                }
            } catch (RuntimeException e) {
                if (worker.stopped()) {
                    break;
                }
                log.warn("eviction round failed for volume {}", config.volumeName(), e);
            }
            worker.await(IDLE_WAIT_MS);
        }
    }

    private record Sweep(int scanned, List<PageTable.Key> victims) {
    }

    /** Sweeps at most twice around the cache (second chances cost one lap). */
    void evictToLowMark() {
        long budget = 2 * env.readData(env.pages::count) + MountLimits.MAINTENANCE_BATCH_PAGES;
        long swept = 0;
        while (!worker.stopped() && cache.cachedBytes() > lowBytes() && swept < budget) {
            Sweep sweep = env.readData(txn -> {
                List<PageTable.Key> scanned = env.pages.scan(txn, handIno, handIndex, MountLimits.MAINTENANCE_BATCH_PAGES);
                List<PageTable.Key> victims = new ArrayList<>();
                for (PageTable.Key k : scanned) {
                    boolean second = cache.referenced().testAndClear(k.ino(), k.index());
                    if (!second && env.dirty.seq(txn, k.ino(), k.index()) == 0) {
                        victims.add(k);
                    }
                }
                if (!scanned.isEmpty()) {
                    PageTable.Key last = scanned.get(scanned.size() - 1);
                    handIno = last.ino();
                    handIndex = last.index() + 1;
                }
                return new Sweep(scanned.size(), victims);
            });
            if (sweep.scanned() == 0) {
                return;
            }
            swept += sweep.scanned();
            if (!sweep.victims().isEmpty()) {
                drop(sweep.victims());
            }
        }
    }

    private void drop(List<PageTable.Key> victims) {
        env.write(w -> {
            long bytes = 0;
            int n = 0;
            for (PageTable.Key k : victims) {
                // Re-checked in the write transaction: a write may have dirtied it since the scan.
                if (env.dirty.seq(w.data(), k.ino(), k.index()) == 0) {
                    int len = env.pages.length(w.data(), k.ino(), k.index());
                    if (len >= 0 && env.pages.delete(w.data(), k.ino(), k.index())) {
                        bytes += PageTable.footprint(len);
                        n++;
                        // A fetch begun before a write the flusher since uploaded holds an older copy.
                        cache.stamps().advance(k.ino(), k.index());
                    }
                }
            }
            long freed = bytes;
            int count = n;
            w.afterCommit(() -> {
                cache.addCached(-freed);
                evicted.increment(count);
            });
            return null;
        });
    }

    @Override
    public void close() {
        worker.stop();
    }
}
