package io.quire.server.store;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;

/**
 * Thread-safe: the writer thread publishes each commit's changes and any thread reads. The
 * committed contents of the "volumes" database, kept in memory for cheap reads. Reads see every
 * row as of some commit, but two rows (or a row and the totals) may come from neighbouring commits.
 */
final class VolumeTable {
    private final ConcurrentHashMap<Long, VolumeRecord> rows = new ConcurrentHashMap<>();
    private volatile long usedBytes;
    private volatile long pageCount;

    /** Reads every row in one read transaction (at open, before the writer starts). */
    static VolumeTable load(TxnGate gate, Dbi<ByteBuffer> volumes) {
        VolumeTable table = new VolumeTable();
        Map<Long, VolumeRecord> loaded = gate.read(txn -> {
            Map<Long, VolumeRecord> out = new HashMap<>();
            try (Cursor<ByteBuffer> c = volumes.openCursor(txn)) {
                for (boolean found = c.first(); found; found = c.next()) {
                    ByteBuffer key = c.key();
                    if (key.remaining() != VolumeRecord.KEY_BYTES) {
                        throw new IllegalStateException("damaged volume key of " + key.remaining() + " bytes");
                    }
                    long volumeId = VolumeRecord.volumeId(key);
                    out.put(volumeId, VolumeRecord.decode(volumeId, c.val()));
                }
            }
            return out;
        });
        long bytes = 0;
        long pages = 0;
        for (VolumeRecord r : loaded.values()) {
            bytes += r.usedBytes();
            pages += r.pageCount();
        }
        table.publish(loaded, Set.of(), bytes, pages);
        return table;
    }

    /** The committed row, or {@link VolumeRecord#EMPTY} for a volume without one. */
    VolumeRecord get(long volumeId) {
        return rows.getOrDefault(volumeId, VolumeRecord.EMPTY);
    }

    Map<Long, VolumeRecord> snapshot() {
        return Map.copyOf(rows);
    }

    long usedBytes() {
        return usedBytes;
    }

    long pageCount() {
        return pageCount;
    }

    /** Called by the writer thread after a commit, with that commit's rows and totals. */
    void publish(Map<Long, VolumeRecord> changed, Set<Long> removed, long usedBytes, long pageCount) {
        for (Long id : removed) {
            rows.remove(id);
        }
        rows.putAll(changed);
        this.usedBytes = usedBytes;
        this.pageCount = pageCount;
    }
}
