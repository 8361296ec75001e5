package io.quire.mount.journal;

import io.quire.mount.Worker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quire.client.ReplicatedPages;
import io.quire.mount.MountConfig;
import io.quire.mount.store.CacheEnv;
import io.quire.page.PageKey;
import io.quire.page.PageVersion;
import io.quire.page.ReservedInodes;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * State confined to the uploader thread; {@link #wake()} is thread-safe. Uploads the journal,
 * one page write at a time, in page order.
 *
 * <p>Each round lays out the page being filled from its start (see {@link JournalLayout}) with
 * every record there is room for, writes it as version (epoch, seq of its last fragment) — a
 * partly filled page is rewritten whole, with a newer version, as records arrive, and never again
 * once full — and after W acks records in one local transaction how far the journal is durable,
 * moves on to the next page if this one is full, and drops the records no page still needs. One
 * write at a time keeps the order simple: a page is written only once every page before it is
 * durable, so the servers never hold a page after a missing one from the same mount. Records
 * arriving during a write ride the next round (group commit). A failed write is retried after a
 * backoff that doubles up to {@code retryBackoffMaxMs}; records are never dropped.
 *
 * <p>When nobody waits for the records (no fsync, no data page queued behind them) the uploader
 * lingers up to the commit interval after it first sees them, so that a burst of metadata
 * operations costs one upload instead of one per operation; a waiter, a filled page or closing
 * ends the lingering at once.
 */
final class JournalUploader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JournalUploader.class);

    private final CacheEnv env;
    private final LocalState state;
    private final ReplicatedPages replicas;
    private final MountConfig config;
    private final DurableSeq durable;
    private final Runnable onPageFull;
    private final long commitIntervalNs;
    /** When the uploader first saw records nobody waited for (0: none seen since the last upload). */
    private long pendingSinceNs;
    /** The last upload filled its page: more records may wait behind it. */
    private boolean backlog;
    /** Set while the uploader waits for company for records nobody waits for. */
    private volatile boolean lingering;
    private final Worker worker;
    private final Counter pagesWritten;
    private final Counter failures;

    JournalUploader(CacheEnv env, LocalState state, ReplicatedPages replicas, MountConfig config, DurableSeq durable,
                    long commitIntervalMs, Runnable onPageFull, MeterRegistry registry) {
        this.env = env;
        this.state = state;
        this.replicas = replicas;
        this.config = config;
        this.durable = durable;
        this.onPageFull = onPageFull;
        this.commitIntervalNs = TimeUnit.MILLISECONDS.toNanos(commitIntervalMs);
        this.pagesWritten = Counter.builder("quire.journal.pages.written").register(registry);
        this.failures = Counter.builder("quire.journal.failures").register(registry);
        this.worker = new Worker("quire-journal-" + config.volumeName(),
                "journal uploader of volume " + config.volumeName(), this::run);
    }

    void start() {
        worker.start();
    }

    /** Someone waits for durability (or the uploader must stop): no lingering. */
    void wake() {
        worker.wake();
    }

    /**
     * A record was committed. While lingering the uploader needs no wake-up for it (it goes out
     * with the others at the end of the interval): no context switch per metadata operation.
     */
    void recordAdded() {
        if (!lingering) {
            worker.wake();
        }
    }

    private void run() {
        log.info("journal uploader started for volume {} epoch {}", config.volumeName(), config.epoch());
        int failuresInARow = 0;
        while (!worker.stopped()) {
            long lingerMs = lingerMs();
            if (lingerMs > 0) {
                lingering = true;
                if (!durable.hasWaiters()) { // a waiter that came before the flag was set raised the signal
                    worker.await(lingerMs);
                }
                lingering = false;
                continue;
            }
            boolean worked;
            try {
                worked = step();
                failuresInARow = 0;
            } catch (RuntimeException e) {
                if (worker.stopped()) {
                    break;
                }
                failuresInARow++;
                failures.increment();
                durable.failed(QuireException.statusOf(e));
                if (Integer.bitCount(failuresInARow) == 1) {
                    log.warn("journal upload of volume {} epoch {} failed {} times in a row (durable up to record {}): {}",
                            config.volumeName(), config.epoch(), failuresInARow, durable.get(), e.toString());
                }
                long backoffMs = Math.min(config.retryBackoffMaxMs(),
                        JournalLimits.RETRY_FIRST_MS << Math.min(20, failuresInARow - 1));
                worker.await(backoffMs);
                continue;
            }
            if (!worked) {
                worker.await(JournalLimits.IDLE_WAIT_MS);
            }
        }
        log.info("journal uploader stopped for volume {} (durable up to record {})", config.volumeName(), durable.get());
    }

    /** How long to wait for more records before the next upload (0: upload now). */
    private long lingerMs() {
        if (commitIntervalNs == 0 || backlog || worker.stopped() || durable.hasWaiters()) {
            return 0;
        }
        long now = System.nanoTime();
        if (pendingSinceNs == 0) {
            if (!env.read(txn -> state.next(txn) - 1 > state.durable(txn))) {
                return 0; // nothing to upload: step() finds that out and idles
            }
            pendingSinceNs = now;
        }
        long leftNs = commitIntervalNs - (now - pendingSinceNs);
        return leftNs <= 0 ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(leftNs));
    }

    /** Writes the page being filled once; returns false when there was nothing to write. */
    private boolean step() {
        JournalLayout.Laid laid = env.read(txn -> {
            if (state.next(txn) - 1 <= state.durable(txn)) {
                return null;
            }
            return JournalLayout.lay(state.start(txn), config.volumeId(), config.epoch(), config.pageSizeBytes(),
                    (from, sink) -> env.journal.scan(txn, from, sink));
        });
        if (laid == null) {
            return false;
        }
        if (laid.bytes() == null) {
            throw new QuireException(Status.INTERNAL_ERROR, "records past the durable mark, none at the page start");
        }
        CompletableFuture<Void> f;
        try {
            f = replicas.write(new PageKey(config.volumeId(), ReservedInodes.JOURNAL, laid.page()),
                    new PageVersion(config.epoch(), laid.lastSeq()), ByteBuffer.wrap(laid.bytes()));
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        if (!Remote.await(f, worker::stopped)) {
            return false;
        }
        long complete = laid.completeThrough();
        env.write(w -> {
            JournalLayout.Start start = state.start(w.txn);
            if (laid.full()) {
                start = laid.next();
                state.start(w.txn, start);
            }
            if (complete > state.durable(w.txn)) {
                state.durable(w.txn, complete);
            }
            env.journal.deleteBelow(w.txn, start.seq(), JournalLimits.TRIM_RECORDS_PER_TXN_MAX);
            w.afterCommit(() -> durable.advance(complete));
            return null;
        });
        pagesWritten.increment();
        pendingSinceNs = 0;
        backlog = laid.full();
        if (laid.full()) {
            onPageFull.run();
        }
        return true;
    }

    @Override
    public void close() {
        worker.stop();
    }
}
