package io.quire.mount.pages;

import io.quire.mount.Worker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quire.client.ReplicatedPages;
import io.quire.mount.MountConfig;
import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.DataTxn;
import io.quire.mount.store.DirtyTable;
import io.quire.page.PageKey;
import io.quire.page.PageVersion;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Its state is confined to the flusher thread; {@link #wake()}, {@link #prioritize(long)} and
 * {@link #uploadAll()} are thread-safe. Uploads dirty pages to the replicas and marks them clean.
 *
 * <p>A page is due for upload when a write filled it whole, when it has been dirty for the
 * write-back delay ({@link MountConfig#writebackDelayMs()}), when its file is fsynced, when more
 * pages are dirty than the background mark of the dirty bound, or when the mount stops: rewrites
 * of a partly written page within the delay cost one upload, not one each. Pages waiting out
 * their delay are found by a sweep of the dirty table every {@value #IDLE_WAIT_MS} ms.
 *
 * <p>Each round it takes due pages (files someone fsyncs first, then round-robin over the
 * dirty table), raises their files' remote high marks in one transaction <em>before</em>
 * sending — dropping any page that a truncate or a newer write changed since it was read — so a
 * truncate racing the upload knows to delete them, sends at most
 * {@code flushInFlightMax} pages at once with version (epoch, dirty seq), and clears the dirty
 * marks of acknowledged pages in one transaction — only where the seq is still the one sent, so a
 * write during the upload keeps its page dirty. A failed page is retried after a backoff that
 * doubles up to {@code retryBackoffMaxMs}; failures that retrying cannot cure are reported to
 * waiting fsyncs.
 */
public final class Flusher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Flusher.class);
    /** Idle wake-up, so retries fall due even when nothing signals. */
    private static final long IDLE_WAIT_MS = 200;
    /** First retry delay; doubled per failure of the same page. */
    private static final long RETRY_FIRST_MS = 10;
    /**
     * Dirty entries examined per round for each page slot free (bounds scans while pages wait to
     * retry).
     */
    private static final int SCAN_FACTOR = 4;
    /** Dirty entries a sweep for pages whose delay ran out examines at most. */
    private static final int SWEEP_MAX = 8192;

    private final CacheEnv env;
    private final ReplicatedPages replicas;
    private final MountConfig config;
    private final PageCache cache;
    private final FsyncTracker tracker;
    private final ConcurrentLinkedQueue<Long> priorityRequests = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Result> results = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean uploadAll = new AtomicBoolean();
    private final Worker worker;
    private final Counter uploaded;
    private final Counter failures;

    // Confined to the flusher thread.
    private final Map<PageRef, Long> inFlight = new HashMap<>();
    private final Map<PageRef, Retry> retries = new HashMap<>();
    private final Set<Long> priority = new LinkedHashSet<>();
    private long cursorIno;
    private long cursorIndex;
    private long lastSweepNs;

    private record PageRef(long ino, long index) {
    }

    private record Retry(int failures, long dueNs) {
    }

    private record Result(PageRef page, long seq, Throwable error) {
    }

    private record Upload(PageRef page, long seq, byte[] data) {
    }

    public Flusher(CacheEnv env, ReplicatedPages replicas, MountConfig config, PageCache cache,
                   FsyncTracker tracker, MeterRegistry registry) {
        this.env = env;
        this.replicas = replicas;
        this.config = config;
        this.cache = cache;
        this.tracker = tracker;
        this.uploaded = Counter.builder("quire.flush.pages").register(registry);
        this.failures = Counter.builder("quire.flush.failures").register(registry);
        this.lastSweepNs = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(IDLE_WAIT_MS);
        this.worker = new Worker("quire-flusher-" + config.volumeName(),
                "flusher of volume " + config.volumeName(), this::run);
    }

    public void start() {
        worker.start();
    }

    public void wake() {
        worker.wake();
    }

    /** Asks that this file's dirty pages go first (an fsync waits for them). */
    public void prioritize(long ino) {
        priorityRequests.add(ino);
        worker.wake();
    }

    /** From now on every dirty page is due, whatever its age (the mount is stopping). */
    public void uploadAll() {
        uploadAll.set(true);
        worker.wake();
    }

    private void run() {
        log.info("flusher started for volume {} epoch {}", config.volumeName(), config.epoch());
        while (!worker.stopped()) {
            try {
                applyResults();
                startUploads();
            } catch (RuntimeException e) {
                if (worker.stopped()) {
                    break;
                }
                log.warn("flusher round failed for volume {}; retrying", config.volumeName(), e);
            }
            if (results.isEmpty()) {
                worker.await(IDLE_WAIT_MS);
            }
        }
        log.info("flusher stopped for volume {}", config.volumeName());
    }

    private void applyResults() {
        List<Result> done = new ArrayList<>();
        for (Result r; (r = results.poll()) != null; ) {
            done.add(r);
        }
        if (done.isEmpty()) {
            return;
        }
        List<Result> ok = new ArrayList<>();
        for (Result r : done) {
            inFlight.remove(r.page);
            if (r.error == null) {
                ok.add(r);
                retries.remove(r.page);
            } else {
                Status status = QuireException.statusOf(r.error);
                Retry prev = retries.get(r.page);
                int n = prev == null ? 1 : prev.failures + 1;
                long delayMs = Math.min(config.retryBackoffMaxMs(), RETRY_FIRST_MS << Math.min(20, n - 1));
                retries.put(r.page, new Retry(n, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMs)));
                failures.increment();
                if (n == 1 || Integer.bitCount(n) == 1) {
                    log.warn("upload of page {}/{} seq {} failed ({} times, volume {} epoch {}): {}",
                            r.page.ino, r.page.index, r.seq, n, config.volumeName(), config.epoch(), r.error.toString());
                }
                tracker.failed(r.page.ino, r.page.index, status);
            }
        }
        if (!ok.isEmpty()) {
            env.write(w -> {
                int cleared = 0;
                for (Result r : ok) {
                    if (env.dirty.clearIf(w.data(), r.page.ino, r.page.index, r.seq)) {
                        cleared++;
                    }
                }
                int freed = cleared;
                w.afterCommit(() -> cache.budget().add(-freed));
                return null;
            });
            uploaded.increment(ok.size());
            for (Result r : ok) {
                tracker.uploaded(r.page.ino, r.page.index, r.seq);
            }
        }
    }

    private void startUploads() {
        int room = config.flushInFlightMax() - inFlight.size();
        if (room <= 0) {
            return;
        }
        for (Long ino; (ino = priorityRequests.poll()) != null; ) {
            priority.add(ino);
        }
        long now = System.nanoTime();
        long nowMs = config.clockNs().getAsLong() / 1_000_000;
        boolean eager = uploadAll.get() || cache.budget().aboveBackground();
        int scan = room * SCAN_FACTOR + inFlight.size();
        if (!eager && now - lastSweepNs >= TimeUnit.MILLISECONDS.toNanos(IDLE_WAIT_MS)) {
            scan = Math.max(scan, SWEEP_MAX);
            lastSweepNs = now;
        }
        int scanned = scan;
        List<Upload> batch = env.readBoth((data, txn) -> {
            List<Upload> out = new ArrayList<>();
            for (var it = priority.iterator(); it.hasNext() && out.size() < room; ) {
                long ino = it.next();
                List<DirtyTable.Entry> entries = env.dirty.range(data, ino, 0, Long.MAX_VALUE, room * SCAN_FACTOR);
                if (entries.isEmpty()) {
                    it.remove();
                }
                pick(data, txn, entries, out, room, now, Long.MIN_VALUE);
            }
            List<DirtyTable.Entry> entries = env.dirty.from(data, cursorIno, cursorIndex, scanned);
            if (entries.size() < scanned && (cursorIno != 0 || cursorIndex != 0)) {
                entries = new ArrayList<>(entries);
                entries.addAll(env.dirty.from(data, 0, 0, scanned - entries.size()));
            }
            DirtyTable.Entry last = pick(data, txn, entries, out, room, now, eager ? Long.MIN_VALUE : nowMs);
            if (last != null) {
                cursorIno = last.ino();
                cursorIndex = last.index() + 1;
            } else {
                cursorIno = 0;
                cursorIndex = 0;
            }
            return out;
        });
        if (batch.isEmpty()) {
            return;
        }
        // Re-checked in the transaction that raises the high marks: a truncate or a newer write
        // that committed since the scan makes the copy stale, and a stale copy must never reach
        // the replicas after the trash collector has decided what to delete there.
        List<Upload> valid = env.write(w -> {
            List<Upload> out = new ArrayList<>(batch.size());
            for (Upload u : batch) {
                if (env.dirty.seq(w.data(), u.page.ino, u.page.index) == u.seq
                        && !env.trash.covers(w.txn, u.page.ino, u.page.index)) {
                    env.remote.raise(w.txn, u.page.ino, u.page.index + 1);
                    out.add(u);
                }
            }
            return out;
        });
        for (Upload u : valid) {
            inFlight.put(u.page, u.seq);
            CompletableFuture<Void> f;
            try {
                f = replicas.write(new PageKey(config.volumeId(), u.page.ino, u.page.index),
                        new PageVersion(config.epoch(), u.seq), ByteBuffer.wrap(u.data));
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            f.whenComplete((v, err) -> {
                results.add(new Result(u.page, u.seq, err));
                worker.wake();
            });
        }
    }

    /**
     * Adds uploadable entries to {@code out}; returns the last entry examined, or null. With
     * {@code nowMs} {@link Long#MIN_VALUE} every entry is due; otherwise only those due by then.
     */
    private DirtyTable.Entry pick(DataTxn data, org.lmdbjava.Txn<ByteBuffer> txn, List<DirtyTable.Entry> entries,
                                  List<Upload> out, int room, long now, long nowMs) {
        DirtyTable.Entry last = null;
        Set<PageRef> picked = new java.util.HashSet<>();
        for (Upload u : out) {
            picked.add(u.page);
        }
        for (DirtyTable.Entry e : entries) {
            if (out.size() >= room) {
                break;
            }
            last = e;
            if (nowMs != Long.MIN_VALUE && !due(e.sinceMs(), nowMs)) {
                continue;
            }
            PageRef ref = new PageRef(e.ino(), e.index());
            if (inFlight.containsKey(ref) || !picked.add(ref)) {
                continue;
            }
            Retry r = retries.get(ref);
            if (r != null && r.dueNs - now > 0) {
                continue;
            }
            if (env.trash.covers(txn, e.ino(), e.index())) {
                continue; // dead: the trash collector drops it, the replicas get a tombstone
            }
            byte[] bytes = env.pages.readAll(data, e.ino(), e.index());
            out.add(new Upload(ref, e.seq(), bytes == null ? new byte[0] : bytes));
        }
        return last;
    }

    /** Due: marked due at once, dirty for the whole delay, or dirty "since" a time ahead of the clock. */
    private boolean due(long sinceMs, long nowMs) {
        return sinceMs == 0 || nowMs - sinceMs >= config.writebackDelayMs() || sinceMs > nowMs;
    }

    @Override
    public void close() {
        worker.stop();
    }
}
