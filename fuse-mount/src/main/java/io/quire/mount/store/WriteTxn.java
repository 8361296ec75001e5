package io.quire.mount.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lmdbjava.Txn;

/**
 * Confined to the thread that runs the transaction. An LMDB write transaction plus the in-memory
 * effects to apply only once it committed, and the journaled changes it made.
 *
 * <p>A write may be retried after the map grew, so code inside a transaction never changes
 * in-memory state directly: it registers the change here and {@link CacheEnv} runs it after the
 * commit that made it true.
 *
 * <p>Changes to journaled DBIs ({@link JournaledDbi}) are kept as the last value per key: the
 * journal record of a transaction is its net effect, which replays to the same state as the
 * sequence of puts and deletes that produced it.
 */
public final class WriteTxn {
    public final Txn<ByteBuffer> txn;
    private List<Runnable> afterCommit;
    private Map<Slot, Mutation> changes;

    /** A (DBI, key) pair; a heap buffer compares by content. */
    private record Slot(int dbi, ByteBuffer key) {
    }

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

    /** Notes that {@code key} of DBI {@code dbi} now holds {@code value} (null: deleted). */
    void record(int dbi, ByteBuffer key, ByteBuffer value) {
        if (changes == null) {
            changes = new LinkedHashMap<>();
        }
        byte[] k = Keys.copy(key);
        changes.put(new Slot(dbi, ByteBuffer.wrap(k)), new Mutation(dbi, k, value == null ? null : Keys.copy(value)));
    }

    boolean hasChanges() {
        return changes != null && !changes.isEmpty();
    }

    /** The journaled changes so far, one per key, in the order keys were first touched. */
    List<Mutation> changes() {
        return changes == null ? List.of() : new ArrayList<>(changes.values());
    }
}
