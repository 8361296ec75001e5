package io.quire.mount.store;

import java.util.List;

/**
 * Called on the thread running a write transaction, inside it. Where {@link CacheEnv} hands the
 * journaled changes of each write transaction, just before it commits, so that the journal record
 * is written atomically with the changes it describes.
 */
@FunctionalInterface
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
}
