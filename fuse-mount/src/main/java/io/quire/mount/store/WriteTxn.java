package io.quire.mount.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.lmdbjava.Txn;

/**
 * Confined to the thread that runs the transaction. A write transaction of the metadata
 * environment, the data environment's write transaction when the work touches pages (opened on
 * first use), the in-memory effects to apply only once both committed, and the journaled changes
 * it made.
 *
 * <p>The two environments commit one after the other, so a crash can land between the commits.
 * The metadata commits first unless {@link #commitDataFirst()} was asked for: an operation that
 * removes data (truncate, unlink, an upload's clearing of a dirty mark after raising the remote
 * high mark) must first record, in the metadata, that the data is dead or safe, so that no crash
 * can leave metadata pointing at pages that are gone. A write of page bytes goes the other way:
 * its bytes and dirty mark land first, then the size and times that make them visible. What a
 * crash between the two commits leaves behind (pages of removed files or past the end of a file,
 * a last page with bytes past the end, dirty marks with sequences the metadata has not handed
 * out yet) is exactly what the start-up reconcile repairs.
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
    /** The metadata transaction. */
    public final Txn<ByteBuffer> txn;
    private final Supplier<Txn<ByteBuffer>> openData;
    private DataTxn data;
    private boolean dataFirst;
    private List<Runnable> afterCommit;
    private Map<Slot, Mutation> changes;

    /** A (DBI, key) pair; a heap buffer compares by content. */
    private record Slot(int dbi, ByteBuffer key) {
    }

    WriteTxn(Txn<ByteBuffer> txn, Supplier<Txn<ByteBuffer>> openData) {
        this.txn = txn;
        this.openData = openData;
    }

    /** The data environment's write transaction, opened on first use. */
    public DataTxn data() {
        if (data == null) {
            data = new DataTxn(openData.get());
        }
        return data;
    }

    /**
     * Commit the data before the metadata: for a write whose bytes must exist before the
     * metadata that makes them visible. Such a transaction must not delete pages.
     */
    public void commitDataFirst() {
        dataFirst = true;
    }

    /** The data transaction if one was opened, else null. */
    Txn<ByteBuffer> dataTxnOrNull() {
        return data == null ? null : data.txn;
    }

    /** Whether the data transaction changed anything (else it is aborted, not committed). */
    boolean dataChanged() {
        return data != null && data.changed();
    }

    /** Whether the data commits first ({@link #commitDataFirst()}). */
    public boolean commitsDataFirst() {
        return dataFirst;
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
