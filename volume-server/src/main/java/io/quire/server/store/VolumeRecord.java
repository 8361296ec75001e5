package io.quire.server.store;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Thread-safe (immutable). One row of the "volumes" database: a volume's usage and fence epoch,
 * written in the same transaction as the pages that change it.
 *
 * <p>Key: volumeId u64, big-endian (8 bytes). Value, 25 bytes, big-endian:
 * <pre>
 *   0  1  format      u8   1
 *   1  8  usedBytes   u64  bytes of live page data
 *   9  8  pageCount   u64  live pages
 *  17  8  fenceEpoch  u64  non-repair writes from older epochs are refused
 * </pre>
 */
record VolumeRecord(long usedBytes, long pageCount, long fenceEpoch) {
    static final VolumeRecord EMPTY = new VolumeRecord(0, 0, 0);
    static final int KEY_BYTES = 8;
    static final int VALUE_BYTES = 25;
    private static final byte FORMAT = 1;

    VolumeRecord withUsage(long bytesDelta, long pagesDelta) {
        return new VolumeRecord(usedBytes + bytesDelta, pageCount + pagesDelta, fenceEpoch);
    }

    VolumeRecord withFence(long epoch) {
        return new VolumeRecord(usedBytes, pageCount, Math.max(fenceEpoch, epoch));
    }

    VolumeUsage usage() {
        return new VolumeUsage(usedBytes, pageCount);
    }

    static ByteBuffer key(ByteBuffer dst, long volumeId) {
        dst.clear();
        dst.order(ByteOrder.BIG_ENDIAN).putLong(volumeId);
        return dst.flip();
    }

    static long volumeId(ByteBuffer key) {
        return key.order(ByteOrder.BIG_ENDIAN).getLong(key.position());
    }

    ByteBuffer encode(ByteBuffer dst) {
        dst.clear();
        dst.order(ByteOrder.BIG_ENDIAN).put(FORMAT).putLong(usedBytes).putLong(pageCount).putLong(fenceEpoch);
        return dst.flip();
    }

    /** Decodes a stored row; a damaged row is a startup error, since usage would be wrong forever. */
    static VolumeRecord decode(long volumeId, ByteBuffer value) {
        ByteBuffer v = value.duplicate().order(ByteOrder.BIG_ENDIAN);
        if (v.remaining() != VALUE_BYTES || v.get() != FORMAT) {
            throw new IllegalStateException("damaged volume record for volume " + volumeId + " ("
                    + value.remaining() + " bytes)");
        }
        return new VolumeRecord(v.getLong(), v.getLong(), v.getLong());
    }
}
