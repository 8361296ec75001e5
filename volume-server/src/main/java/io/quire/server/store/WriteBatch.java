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
 * volume rows, running totals, each touched group's digest delta and what to do once the commit
 * is durable. Thrown away when the transaction aborts (map full), after {@link #abandon()}, so a
 * retried batch starts again from the committed state.
 */
final class WriteBatch {
    private final VolumeTable committed;
    private final GroupDigestCache digests;
    /** Per touched group: {entries added, hash sum delta}; {@link GroupDigestCache#begin} called for each. */
    private final Map<GroupDigestCache.GroupId, long[]> digestDeltas = new HashMap<>();
    /** Touched groups whose change is not a known delta: rescanned when next asked. */
    private final Set<GroupDigestCache.GroupId> digestsUnknown = new HashSet<>();
    private final Map<Long, VolumeRecord> changed = new HashMap<>();
    private final Set<Long> removed = new HashSet<>();
    private final List<Runnable> afterCommit = new ArrayList<>();
    private long usedBytes;
    private long pageCount;

    WriteBatch(VolumeTable committed, GroupDigestCache digests) {
        this.committed = committed;
        this.digests = digests;
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

    /** An entry of the group changes in this transaction: its count and hash sum move by these. */
    void digestDelta(long volumeId, int group, long countDelta, long hashDelta) {
        long[] d = digestDeltas.computeIfAbsent(new GroupDigestCache.GroupId(volumeId, group), id -> {
            digests.begin(volumeId, group);
            return new long[2];
        });
        d[0] += countDelta;
        d[1] += hashDelta;
    }

    /** An entry of the group changes in a way no delta describes (its old header was damaged). */
    void digestUnknown(long volumeId, int group) {
        digestDelta(volumeId, group, 0, 0);
        digestsUnknown.add(new GroupDigestCache.GroupId(volumeId, group));
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

    /** After the commit: makes the rows and digests current, then completes the ops. */
    void publish() {
        committed.publish(changed, removed, usedBytes, pageCount);
        digestDeltas.forEach((id, d) -> digests.end(id.volumeId(), id.group(), d[0], d[1]));
        digestsUnknown.forEach(id -> digests.invalidate(id.volumeId(), id.group()));
        digestDeltas.clear();
        digestsUnknown.clear();
        for (Runnable action : afterCommit) {
            action.run();
        }
    }

    /** The transaction did not commit: the groups it touched are scanned again when asked. */
    void abandon() {
        digestDeltas.forEach((id, d) -> digests.abort(id.volumeId(), id.group()));
        digestDeltas.clear();
        digestsUnknown.clear();
    }
}
