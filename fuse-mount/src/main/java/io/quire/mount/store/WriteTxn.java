package io.quire.mount.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.lmdbjava.Txn;

/**
 * Confined to the thread that runs the transaction. An LMDB write transaction plus the in-memory
 * effects to apply only once it committed.
 *
 * <p>A write may be retried after the map grew, so code inside a transaction never changes
 * in-memory state directly: it registers the change here and {@link CacheEnv} runs it after the
 * commit that made it true.
 */
public final class WriteTxn {
    public final Txn<ByteBuffer> txn;
    private List<Runnable> afterCommit;

    WriteTxn(Txn<ByteBuffer> txn) {
        this.txn = txn;
    }

    public void afterCommit(Runnable action) {
        if (afterCommit == null) {
            afterCommit = new ArrayList<>(2);
        }
        afterCommit.add(action);
    }

    void runAfterCommit() {
        if (afterCommit != null) {
            for (Runnable r : afterCommit) {
                r.run();
            }
        }
    }
}
