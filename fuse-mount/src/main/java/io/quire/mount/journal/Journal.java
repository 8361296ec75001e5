package io.quire.mount.journal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quire.client.ReplicatedPages;
import io.quire.mount.Errno;
import io.quire.mount.MountConfig;
import io.quire.mount.PosixException;
import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.MetaTable;
import io.quire.proto.QuireException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe. The metadata journal of one mount: every write transaction that changes the file
 * system's metadata appends one record, atomically with it, to a local table
 * ({@link JournalWriter}); the {@link JournalUploader} writes the records to the servers in
 * journal pages; the {@link Checkpointer} writes periodic snapshots and deletes the journal
 * before them. A mount whose cache is empty rebuilds its metadata from them ({@link Rebuilder}).
 *
 * <p>Durability is a watermark over record seqs: {@link #currentSeq()} is the newest record of an
 * operation that has returned, {@link #awaitDurable(long)} completes once every record up to a
 * seq is on W replicas. fsync waits on it after the data; page uploads are ordered behind it
 * ({@link JournalOrderedPages}).
 */
public final class Journal implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Journal.class);

    private final CacheEnv env;
    private final MountConfig config;
    private final JournalConfig journalConfig;
    private final LocalState state;
    private final DurableSeq durable;
    private final JournalWriter writer;
    private final JournalUploader uploader;
    private final Checkpointer checkpointer;
    private final long rebuiltThrough;
    private volatile boolean started;
    private volatile boolean closed;

    private Journal(CacheEnv env, MountConfig config, ReplicatedPages replicas, JournalConfig journalConfig,
                    LocalState state, long rebuiltThrough, MeterRegistry registry) {
        this.env = env;
        this.rebuiltThrough = rebuiltThrough;
        this.config = config;
        this.journalConfig = journalConfig;
        this.state = state;
        long[] seqs = env.read(txn -> new long[] {state.next(txn) - 1, state.durable(txn)});
        this.durable = new DurableSeq(seqs[1]);
        this.checkpointer = new Checkpointer(env, state, replicas, config, journalConfig, registry);
        this.uploader = new JournalUploader(env, state, replicas, config, durable, journalConfig.commitIntervalMs(),
                checkpointer::wake, registry);
        this.writer = new JournalWriter(env, state, seqs[0], uploader::recordAdded,
                Counter.builder("quire.journal.records").register(registry), durable,
                journalConfig.backlogRecordsMax(), config.dirtyWaitMs(), uploader::wake);
        Gauge.builder("quire.journal.lag.records", this, j -> (double) (j.currentSeq() - j.durableSeq()))
                .register(registry);
    }

    /**
     * Opens the journal of the cache in {@code env}: rebuilds the metadata from the servers when the
     * cache is empty (never stamped with a volume), sets the journal up on a cache made before it
     * existed (and checkpoints that cache's state), and from then on journals every write
     * transaction. Call {@link #start()} once the file system is ready.
     *
     * @throws IllegalStateException when the servers' metadata cannot be rebuilt (damaged, or
     *                               written under an epoch not older than this mount's)
     * @throws QuireException        when the servers cannot be read within the read deadline
     */
    public static Journal open(CacheEnv env, MountConfig config, ReplicatedPages replicas, JournalConfig journalConfig,
                               MeterRegistry registry) {
        LocalState state = new LocalState(env.meta);
        boolean empty = env.read(txn -> env.meta.get(txn, MetaTable.VOLUME_ID, -1) == -1);
        boolean adopt = false;
        long rebuilt = -1;
        if (empty) {
            rebuilt = Rebuilder.rebuild(env, state, config, replicas).lastSeq();
        } else if (!env.read(state::exists)) {
            env.write(w -> {
                state.init(w.txn, 1, new JournalLayout.Start(0, 1, 0, false), Superblock.NONE);
                return null;
            });
            adopt = true;
        }
        Journal j = new Journal(env, config, replicas, journalConfig, state, rebuilt, registry);
        env.attachJournal(j.writer);
        if (adopt) {
            log.info("volume {}: cache {} predates the metadata journal; checkpointing its state", config.volumeName(),
                    env.dir());
            j.checkpointer.request(0);
        }
        return j;
    }

    /** Starts uploading and checkpointing. */
    public void start() {
        started = true;
        uploader.start();
        checkpointer.start();
    }

    /** The newest record of an operation that has returned: what a sync started now must cover. */
    public long currentSeq() {
        return writer.current();
    }

    /**
     * The last record a rebuild at open applied (0: the volume was new), or -1 when the cache was
     * not empty and nothing was rebuilt.
     */
    public long rebuiltThrough() {
        return rebuiltThrough;
    }

    /** Every record up to this one is on W replicas. */
    public long durableSeq() {
        return durable.get();
    }

    /**
     * Completes once every record up to {@code seq} is durable; fails with the {@link QuireException}
     * of an upload failure that retrying cannot cure, or when the journal closes.
     */
    public CompletableFuture<Void> awaitDurable(long seq) {
        CompletableFuture<Void> f = durable.await(seq);
        if (!f.isDone()) {
            uploader.wake(); // somebody waits now: no lingering for company
        }
        return f;
    }

    /**
     * Waits until every record up to {@code seq} is durable.
     *
     * @throws PosixException EIO at the deadline (logged by the caller's guard), or the errno of a
     *                        permanent upload failure
     */
    public void awaitDurable(long seq, long timeoutMs, String what) {
        try {
            awaitDurable(seq).get(Math.max(0, timeoutMs), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new PosixException(Errno.EIO, what + ": metadata journal durable up to record " + durableSeq()
                    + ", not " + seq + ", after " + timeoutMs + " ms");
        } catch (ExecutionException e) {
            RuntimeException cause = Remote.unwrap(e.getCause());
            if (cause instanceof QuireException q) {
                throw PosixException.of(q, what + ": metadata journal upload");
            }
            throw new PosixException(Errno.EIO, what + ": metadata journal upload failed", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PosixException(Errno.EIO, what + ": interrupted while waiting for the metadata journal", e);
        }
    }

    /**
     * Asks for a checkpoint holding everything journaled so far; completes with its generation
     * once it is published and what it made obsolete (older journal pages, the previous
     * checkpoint) is deleted.
     */
    public CompletableFuture<Long> checkpoint() {
        return checkpointer.request(currentSeq());
    }

    /** The generation of the newest published checkpoint (0: none yet). */
    public long checkpointGeneration() {
        return env.read(txn -> state.published(txn) ? state.checkpoint(txn).generation()
                : state.checkpoint(txn).generation() - 1);
    }

    /**
     * Waits up to {@code timeoutMs} for every record to be durable, giving up early when
     * {@link JournalLimits#CLOSE_FAILED_ATTEMPTS_MAX} uploads fail meanwhile; returns whether it got
     * there.
     */
    public boolean flush(long timeoutMs) {
        long target = currentSeq();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        long failuresBefore = durable.failures();
        CompletableFuture<Void> f = awaitDurable(target);
        while (true) {
            try {
                f.get(JournalLimits.RETRY_FIRST_MS, TimeUnit.MILLISECONDS);
                return true;
            } catch (TimeoutException e) {
                if (System.nanoTime() - deadline >= 0
                        || durable.failures() - failuresBefore >= JournalLimits.CLOSE_FAILED_ATTEMPTS_MAX) {
                    return false;
                }
            } catch (ExecutionException e) {
                // A permanent failure: retrying it here would not cure it either.
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /**
     * Flushes (within the configured bound), then stops the background threads. Records not yet
     * uploaded stay in the cache and go out after the next start.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Not started: the file system never opened, nothing would upload what is there.
        boolean flushed = !started || flush(journalConfig.closeFlushMs());
        if (!flushed) {
            log.warn("volume {} epoch {}: metadata journal durable up to record {} of {} at close; the rest stays in "
                    + "the cache {} and is uploaded at the next start", config.volumeName(), config.epoch(),
                    durableSeq(), currentSeq(), env.dir());
        }
        checkpointer.close();
        uploader.close();
        durable.close();
    }
}
