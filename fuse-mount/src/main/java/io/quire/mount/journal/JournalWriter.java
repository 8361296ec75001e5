package io.quire.mount.journal;

import io.micrometer.core.instrument.Counter;
import io.quire.mount.Errno;
import io.quire.mount.PosixException;
import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.JournalSink;
import io.quire.mount.store.Mutation;
import io.quire.mount.store.WriteTxn;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Called on writer threads inside write transactions, one at a time (the cache's writer lock);
 * {@link #current()} is thread-safe. Turns the journaled changes of each write transaction into
 * one record of the local journal table, numbered by the next seq, in the same transaction.
 */
final class JournalWriter implements JournalSink {
    private final CacheEnv env;
    private final LocalState state;
    private final AtomicLong current;
    private final Runnable onRecord;
    private final Counter records;
    private final DurableSeq durable;
    private final long backlogMax;
    private final long roomWaitNanos;
    private final Runnable urgeUpload;

    JournalWriter(CacheEnv env, LocalState state, long current, Runnable onRecord, Counter records,
                  DurableSeq durable, long backlogMax, long roomWaitMs, Runnable urgeUpload) {
        this.env = env;
        this.state = state;
        this.current = new AtomicLong(current);
        this.onRecord = onRecord;
        this.records = records;
        this.durable = durable;
        this.backlogMax = backlogMax;
        this.roomWaitNanos = TimeUnit.MILLISECONDS.toNanos(roomWaitMs);
        this.urgeUpload = urgeUpload;
    }

    @Override
    public Runnable append(WriteTxn w, List<Mutation> changes) {
        byte[] body;
        try {
            body = RecordCodec.encode(changes);
        } catch (IllegalArgumentException e) {
            throw new PosixException(Errno.EIO, "metadata operation too large for the journal: " + e.getMessage());
        }
        long seq = state.take(w.txn);
        long waiting = seq - 1 - durable.get();
        if (waiting >= backlogMax) {
            throw new Backlogged("metadata journal: " + waiting + " records not yet acknowledged by the servers (limit "
                    + backlogMax + ")");
        }
        env.journal.put(w.txn, seq, body);
        w.afterCommit(() -> {
            records.increment();
            onRecord.run();
        });
        // Run by the cache right after the commit, under its writer lock: commits are serialized
        // there, so current only grows, and it covers the record before anyone sees its effects.
        return () -> current.set(seq);
    }

    @Override
    public boolean awaitRoom(long deadlineNanos) {
        CompletableFuture<Void> room = durable.await(current.get() - backlogMax + 1);
        urgeUpload.run(); // somebody waits: no lingering
        try {
            room.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            RuntimeException cause = Remote.unwrap(e.getCause());
            if (cause instanceof QuireException q && q.status() != Status.CLOSED) {
                throw PosixException.of(q, "metadata journal upload");
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public long roomWaitNanos() {
        return roomWaitNanos;
    }

    /** The seq of the newest record whose operation has returned (committed and acknowledged). */
    long current() {
        return current.get();
    }
}
