package io.quire.server.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lmdbjava.Dbi;
import org.lmdbjava.Txn;

/**
 * Confined to the writer thread. The effects of one write transaction before it commits: changed
 * volume rows, running totals and what to do once the commit is durable. Thrown away when the
 * transaction aborts (map full), so a retried batch starts again from the committed state.
 */
final class WriteBatch {
    private final VolumeTable committed;
    private final Map<Long, VolumeRecord> changed = new HashMap<>();
    private final Set<Long> removed = new HashSet<>();
    private final List<Runnable> afterCommit = new ArrayList<>();
    private long usedBytes;
    private long pageCount;

    WriteBatch(VolumeTable committed) {
        this.committed = committed;
        this.usedBytes = committed.usedBytes();
        this.pageCount = committed.pageCount();
    }

    /** The volume's row as this transaction sees it. */
    VolumeRecord volume(long volumeId) {
        VolumeRecord r = changed.get(volumeId);
        if (r != null) {
            return r;
        }
        return removed.contains(volumeId) ? VolumeRecord.EMPTY : committed.get(volumeId);
    }

    void setVolume(long volumeId, VolumeRecord record) {
        removed.remove(volumeId);
        changed.put(volumeId, record);
    }

    void account(long volumeId, long bytesDelta, long pagesDelta) {
        setVolume(volumeId, volume(volumeId).withUsage(bytesDelta, pagesDelta));
        usedBytes += bytesDelta;
        pageCount += pagesDelta;
    }

    void removeVolume(long volumeId) {
        VolumeRecord r = volume(volumeId);
        usedBytes -= r.usedBytes();
        pageCount -= r.pageCount();
        changed.remove(volumeId);
        removed.add(volumeId);
    }

    /** Live page bytes over all volumes, this transaction's changes included. */
    long usedBytes() {
        return usedBytes;
    }

    /** Runs {@code action} on the writer thread once the transaction is durable. */
    void afterCommit(Runnable action) {
        afterCommit.add(action);
    }

    /** Writes the changed rows into the transaction (once, just before commit). */
    void flush(Txn<ByteBuffer> txn, Dbi<ByteBuffer> volumes, ByteBuffer keyBuffer, ByteBuffer valueBuffer) {
        for (Long id : removed) {
            volumes.delete(txn, VolumeRecord.key(keyBuffer, id));
        }
        for (Map.Entry<Long, VolumeRecord> e : changed.entrySet()) {
            volumes.put(txn, VolumeRecord.key(keyBuffer, e.getKey()), e.getValue().encode(valueBuffer));
        }
    }

    /** After the commit: makes the rows visible to readers, then completes the ops. */
    void publish() {
        committed.publish(changed, removed, usedBytes, pageCount);
        for (Runnable action : afterCommit) {
            action.run();
        }
    }
}
