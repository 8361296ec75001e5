package io.quire.mount.store;

import java.nio.ByteBuffer;
import org.lmdbjava.Txn;

/**
 * Confined to the thread that runs the transaction. A transaction of the cache's data environment
 * (page bytes and dirty marks), kept apart in type from the metadata environment's {@code Txn} so
 * that no page-table call can be handed a metadata transaction: LMDB numbers named databases per
 * environment, and a handle of one environment used with the other's transaction would read or
 * write the wrong table without an error.
 */
public final class DataTxn {
    final Txn<ByteBuffer> txn;
    /** Whether a table changed something in it: a transaction that only read is not committed. */
    private boolean changed;

    DataTxn(Txn<ByteBuffer> txn) {
        this.txn = txn;
    }

    /** The transaction, for a change. */
    Txn<ByteBuffer> forWrite() {
        changed = true;
        return txn;
    }

    boolean changed() {
        return changed;
    }
}
