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
     */
    void append(WriteTxn w, List<Mutation> changes);
}
