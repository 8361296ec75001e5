package io.quire.server.store;

import io.quire.proto.Limits;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.lmdbjava.CursorIterable;
import org.lmdbjava.Dbi;
import org.lmdbjava.KeyRange;
import org.lmdbjava.Txn;

/**
 * Thread-safe (stateless). The "digests" database: the group digests kept in memory, saved by a
 * clean close so that the next open needs no scan (a scan of every group reads every page header,
 * which on a large store means reading most of the file).
 *
 * <p>Layout: one entry per kept group, key (volume id u64, group u32) big-endian, value (count
 * u64, digest u64); plus a marker, key one zero byte, value the id (u64) of the transaction that
 * wrote them. They hold only while that transaction is the store's last one: any later commit
 * (the server kept writing, then crashed) leaves them stale, and the store scans instead.
 */
final class SavedDigests {
    private static final int KEY_BYTES = Long.BYTES + Integer.BYTES;
    private static final int VALUE_BYTES = 2 * Long.BYTES;

    private SavedDigests() {
    }

    /** Replaces the saved digests with the kept ones, inside {@code txn} (the caller commits). */
    static int save(Txn<ByteBuffer> txn, Dbi<ByteBuffer> dbi, GroupDigestCache digests) {
        dbi.drop(txn);
        ByteBuffer key = ByteBuffer.allocateDirect(KEY_BYTES).order(ByteOrder.BIG_ENDIAN);
        ByteBuffer value = ByteBuffer.allocateDirect(VALUE_BYTES).order(ByteOrder.BIG_ENDIAN);
        int[] saved = {0};
        digests.forEachKept((volumeId, group, d) -> {
            key.clear();
            key.putLong(volumeId).putInt(group).flip();
            value.clear();
            value.putLong(d.count()).putLong(d.digest()).flip();
            dbi.put(txn, key, value);
            saved[0]++;
        });
        value.clear();
        value.putLong(txn.getId()).flip();
        dbi.put(txn, marker(), value);
        return saved[0];
    }

    /**
     * Loads the saved digests into {@code digests} when they hold for the store as it is (saved
     * by transaction {@code lastTxnId}); returns how many, or -1 when there were none or they were
     * stale.
     */
    static int load(Txn<ByteBuffer> txn, Dbi<ByteBuffer> dbi, long lastTxnId, GroupDigestCache digests) {
        ByteBuffer m = dbi.get(txn, marker());
        if (m == null || m.remaining() != Long.BYTES
                || m.order(ByteOrder.BIG_ENDIAN).getLong(m.position()) != lastTxnId) {
            return -1;
        }
        int loaded = 0;
        try (CursorIterable<ByteBuffer> all = dbi.iterate(txn, KeyRange.all())) {
            for (CursorIterable.KeyVal<ByteBuffer> kv : all) {
                ByteBuffer k = kv.key().order(ByteOrder.BIG_ENDIAN);
                ByteBuffer v = kv.val().order(ByteOrder.BIG_ENDIAN);
                if (k.remaining() != KEY_BYTES || v.remaining() != VALUE_BYTES) {
                    continue; // the marker
                }
                long volumeId = k.getLong(k.position());
                int group = k.getInt(k.position() + Long.BYTES);
                if (volumeId < 0 || group < 0 || group >= Limits.PAGE_GROUPS_PER_VOLUME) {
                    continue;
                }
                digests.load(volumeId, group, new GroupDigest(v.getLong(v.position()), v.getLong(v.position() + Long.BYTES)));
                loaded++;
            }
        }
        return loaded;
    }

    private static ByteBuffer marker() {
        ByteBuffer b = ByteBuffer.allocateDirect(1);
        b.put((byte) 0).flip();
        return b;
    }
}
