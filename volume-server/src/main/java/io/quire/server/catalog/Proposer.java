package io.quire.server.catalog;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe: callers on any thread block in {@link #propose}, while the state machine, the log
 * and the snapshot file are confined to the one proposer thread (so no lock is held across their
 * I/O). It orders catalog changes: assigns each command an index and a timestamp, appends it to
 * the log (fsynced), applies it, publishes the new state and takes snapshots.
 */
final class Proposer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Proposer.class);

    private final CatalogStateMachine machine;
    private final CatalogLog log;
    private final SnapshotFile snapshots;
    private final int snapshotIntervalEntries;
    private final LongSupplier clockMs;
    private final MeterRegistry registry;
    private final Timer proposeTimer;
    private final ThreadPoolExecutor thread;
    private int entriesSinceSnapshot;
    private volatile CatalogSnapshot published;

    Proposer(CatalogRecovery.Recovered recovered, int snapshotIntervalEntries, LongSupplier clockMs,
             MeterRegistry registry) {
        this.machine = recovered.machine();
        this.log = recovered.log();
        this.snapshots = recovered.snapshots();
        this.entriesSinceSnapshot = recovered.entriesSinceSnapshot();
        this.snapshotIntervalEntries = snapshotIntervalEntries;
        this.clockMs = clockMs;
        this.registry = registry;
        this.proposeTimer = Timer.builder("quire.catalog.propose")
                .description("time to log (fsynced) and apply one catalog command").register(registry);
        this.published = machine.snapshot();
        this.thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(CatalogLimits.PROPOSALS_QUEUED_MAX), r -> {
                    Thread t = new Thread(r, "quire-catalog-proposer");
                    t.setDaemon(true);
                    return t;
                });
    }

    /** The state after the last applied entry. */
    CatalogSnapshot published() {
        return published;
    }

    /** Logs and applies {@code command}; returns its result or throws its QuireException. */
    Object propose(CatalogCommand command) {
        CatalogCommand checked = command.checked();
        Future<Object> result;
        try {
            result = thread.submit(() -> logAndApply(checked));
        } catch (RejectedExecutionException e) {
            throw thread.isShutdown() ? new QuireException(Status.UNAVAILABLE, "the catalog is closed")
                    : new QuireException(Status.OVERLOADED, CatalogLimits.PROPOSALS_QUEUED_MAX
                    + " catalog commands already queued");
        }
        try {
            return result.get(CatalogLimits.PROPOSE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw failure(e.getCause());
        } catch (TimeoutException e) {
            throw new QuireException(Status.TIMEOUT, "catalog command not applied within "
                    + CatalogLimits.PROPOSE_TIMEOUT_MS + " ms; it may still be");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QuireException(Status.UNAVAILABLE, "interrupted while waiting for the catalog");
        }
    }

    private Object logAndApply(CatalogCommand command) throws IOException {
        String type = command.getClass().getSimpleName();
        long startNs = System.nanoTime();
        // Never behind the last entry: a clock stepping back must not shorten or revive leases.
        long timestampMs = Math.max(clockMs.getAsLong(), published.lastAppliedTimestampMs());
        LogEntry entry = new LogEntry(machine.lastAppliedIndex() + 1, timestampMs, command);
        log.append(entry);
        Status status = Status.OK;
        try {
            return machine.apply(entry);
        } catch (RuntimeException e) {
            status = QuireException.statusOf(e);
            throw e;
        } finally {
            published = machine.snapshot();
            proposeTimer.record(System.nanoTime() - startNs, TimeUnit.NANOSECONDS);
            Counter.builder("quire.catalog.commands").tag("command", type).tag("status", status.name())
                    .register(registry).increment();
            snapshotWhenDue();
        }
    }

    private void snapshotWhenDue() {
        if (++entriesSinceSnapshot < snapshotIntervalEntries) {
            return;
        }
        // Counted as done even when it fails, so a broken disk costs one attempt per interval, not per entry.
        entriesSinceSnapshot = 0;
        CatalogSnapshot state = published;
        try {
            snapshots.write(state);
        } catch (IOException e) {
            LOG.warn("catalog snapshot at index {} failed, the log keeps growing until the next one: {}",
                    state.lastAppliedIndex(), e.toString());
            return;
        }
        try {
            log.reset();
            LOG.info("catalog snapshot at index {}; log restarted", state.lastAppliedIndex());
        } catch (IOException e) {
            LOG.error("catalog log could not be emptied after the snapshot at index {}; the catalog refuses"
                    + " changes until restarted", state.lastAppliedIndex(), e);
        }
    }

    private static QuireException failure(Throwable cause) {
        if (cause instanceof QuireException q) {
            return q;
        }
        if (cause instanceof IOException) {
            LOG.error("catalog log write failed", cause);
            return new QuireException(Status.INTERNAL_ERROR, "catalog log write failed: " + cause.getMessage(), cause);
        }
        LOG.error("catalog command failed unexpectedly", cause);
        return new QuireException(Status.INTERNAL_ERROR, "catalog bug: " + cause, cause);
    }

    @Override
    public void close() throws IOException {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(CatalogLimits.PROPOSE_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                LOG.warn("catalog proposer did not finish within {} ms", CatalogLimits.PROPOSE_TIMEOUT_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.close();
    }
}
