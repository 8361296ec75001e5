package io.quire.mount.journal;

import io.micrometer.core.instrument.Counter;
import io.quire.mount.Errno;
import io.quire.mount.PosixException;
import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.JournalSink;
import io.quire.mount.store.Mutation;
import io.quire.mount.store.WriteTxn;
import java.util.List;
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

    JournalWriter(CacheEnv env, LocalState state, long current, Runnable onRecord, Counter records) {
        this.env = env;
        this.state = state;
        this.current = new AtomicLong(current);
        this.onRecord = onRecord;
        this.records = records;
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
        env.journal.put(w.txn, seq, body);
        w.afterCommit(() -> {
            records.increment();
            onRecord.run();
        });
        // Run by the cache right after the commit, under its writer lock: commits are serialized
        // there, so current only grows, and it covers the record before anyone sees its effects.
        return () -> current.set(seq);
    }

    /** The seq of the newest record whose operation has returned (committed and acknowledged). */
    long current() {
        return current.get();
    }
}
