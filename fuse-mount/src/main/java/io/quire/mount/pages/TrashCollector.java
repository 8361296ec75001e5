package io.quire.mount.pages;

import io.quire.mount.Worker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quire.client.ReplicatedPages;
import io.quire.mount.MountConfig;
import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.TrashTable;
import io.quire.page.PageKey;
import io.quire.page.PageVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * State confined to the collector thread; {@link #wake()} is thread-safe. Empties the trash: for
 * each dead page range, drops what the cache still holds of it (a chunk per transaction), then
 * deletes the pages on the replicas — only below the file's remote high mark, at most {@code
 * deleteInFlightMax} at once, with the range's version so that a newer write of a page wins —
 * advancing the range's start as windows complete, so a restart resumes where it stopped.
 */
public final class TrashCollector implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TrashCollector.class);
    private static final long IDLE_WAIT_MS = 1_000;

    private final CacheEnv env;
    private final PageCache cache;
    private final ReplicatedPages replicas;
    private final MountConfig config;
    private final Worker worker;
    private final Counter deleted;
    private long cursorIno;
    private long cursorFrom;
    private int failuresInARow;

    public TrashCollector(CacheEnv env, PageCache cache, ReplicatedPages replicas, MountConfig config,
                          MeterRegistry registry) {
        this.env = env;
        this.cache = cache;
        this.replicas = replicas;
        this.config = config;
        this.deleted = Counter.builder("quire.trash.deleted.pages").register(registry);
        this.worker = new Worker("quire-trash-" + config.volumeName(),
                "trash collector of volume " + config.volumeName(), this::run);
    }

    public void start() {
        worker.start();
    }

    public void wake() {
        worker.wake();
    }

    private void run() {
        while (!worker.stopped()) {
            boolean progressed = false;
            try {
                progressed = step();
                failuresInARow = 0;
            } catch (RuntimeException e) {
                if (worker.stopped()) {
                    break;
                }
                failuresInARow++;
                if (Integer.bitCount(failuresInARow) == 1) {
                    log.warn("trash collection of volume {} epoch {} failed {} times in a row; retrying",
                            config.volumeName(), config.epoch(), failuresInARow, e);
                }
                long backoff = Math.min(config.retryBackoffMaxMs(), 10L << Math.min(20, failuresInARow));
                worker.await(backoff);
                continue;
            }
            if (!progressed) {
                worker.await(IDLE_WAIT_MS);
            }
        }
    }

    /** Works on one range a little; returns false when the trash is empty. */
    boolean step() {
        TrashTable.Range r = env.read(txn -> env.trash.next(txn, cursorIno, cursorFrom));
        if (r == null) {
            return false;
        }
        if (dropLocalChunk(r)) {
            return true;
        }
        long remoteEnd = env.read(txn -> Math.min(r.to(), env.remote.high(txn, r.ino())));
        long end = Math.min(remoteEnd, r.from() + config.deleteInFlightMax());
        if (r.from() < end) {
            deleteRemote(r, end);
        }
        finishWindow(r, end, remoteEnd);
        cursorIno = r.ino();
        cursorFrom = r.from() + 1;
        return true;
    }

    /** Drops a chunk of the cached pages of the range; true if there was anything to drop. */
    private boolean dropLocalChunk(TrashTable.Range r) {
        return env.write(w -> {
            TrashTable.Range cur = env.trash.get(w.txn, r.ino(), r.from());
            if (!r.equals(cur)) {
                return false;
            }
            boolean hadPages = !env.pages.range(w.data(), r.ino(), r.from(), r.to(), 1).isEmpty()
                    || !env.dirty.range(w.data(), r.ino(), r.from(), r.to(), 1).isEmpty();
            if (hadPages) {
                cache.dropLocal(w, r.ino(), r.from(), r.to());
            }
            return hadPages;
        });
    }

    private void deleteRemote(TrashTable.Range r, long end) {
        PageVersion version = new PageVersion(config.epoch(), r.seq());
        List<CompletableFuture<Void>> window = new ArrayList<>();
        for (long i = r.from(); i < end; i++) {
            try {
                window.add(replicas.delete(new PageKey(config.volumeId(), r.ino(), i), version));
            } catch (RuntimeException e) {
                window.add(CompletableFuture.failedFuture(e));
            }
        }
        try {
            CompletableFuture.allOf(window.toArray(new CompletableFuture<?>[0]))
                    .get(config.readTimeoutMs(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (Exception e) {
            throw new IllegalStateException("delete of pages " + r.ino() + "/[" + r.from() + "," + end + ") failed", e);
        }
        deleted.increment(window.size());
    }

    /** Advances the range past [from, end), or removes it when nothing is left to delete. */
    private void finishWindow(TrashTable.Range r, long end, long remoteEnd) {
        env.write(w -> {
            TrashTable.Range cur = env.trash.get(w.txn, r.ino(), r.from());
            if (cur == null || cur.seq() != r.seq()) {
                return null; // changed meanwhile (split by a write, merged by a truncate): look again
            }
            env.trash.delete(w.txn, r.ino(), r.from());
            long next = Math.max(end, r.from());
            // The replicas now answer tombstones: copies fetched before the deletes are stale.
            cache.stamps().advance(r.ino(), r.from(), next);
            if (next < Math.min(cur.to(), remoteEnd)) {
                env.trash.add(w.txn, r.ino(), next, cur.to(), cur.seq());
            } else if (env.inodes.get(w.txn, r.ino()) == null && env.trash.of(w.txn, r.ino()).isEmpty()) {
                env.remote.delete(w.txn, r.ino());
            }
            return null;
        });
    }

    @Override
    public void close() {
        worker.stop();
    }
}
