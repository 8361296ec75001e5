package io.quire.mount.store;

import java.util.List;

/**
 * Called on the thread running a write transaction, inside it. Where {@link CacheEnv} hands the
 * journaled changes of each write transaction, just before it commits, so that the journal record
 * is written atomically with the changes it describes.
 */
public interface JournalSink {
    /**
     * Appends one record holding {@code changes} in {@code w}'s transaction; may throw, which
     * aborts the transaction like any failure inside it.
     *
     * @return what to run once the transaction has committed, still under the writer lock and
     *     before any {@link WriteTxn#afterCommit} action: so that no thread sees the committed
     *     changes, in the cache or through an after-commit wake-up, before the journal counts
     *     their record as current (the write-ahead order of pages behind records depends on it)
     */
    Runnable append(WriteTxn w, List<Mutation> changes);

    /**
     * After {@link #append} threw {@link Backlogged}, outside every lock: waits until a record
     * fits again or {@code deadlineNanos} passes.
     *
     * @return false at the deadline
     */
    default boolean awaitRoom(long deadlineNanos) {
        return true;
    }

    /** How long one write may wait for room in all. */
    default long roomWaitNanos() {
        return 0;
    }

    /**
     * Thrown by {@link #append} when the records not yet on the servers reached their bound: the
     * transaction is aborted and retried once there is room (or fails with EIO at the deadline),
     * so a cluster that stays unreachable cannot grow the local journal without limit.
     */
    final class Backlogged extends RuntimeException {
        public Backlogged(String message) {
            super(message, null, false, false);
        }
    }
}
