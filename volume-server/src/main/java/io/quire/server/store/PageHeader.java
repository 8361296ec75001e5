package io.quire.server.store;

import io.quire.page.Checksums;
import io.quire.page.PageVersion;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Thread-safe (immutable). The decoded header of one stored page value (layout in
 * {@link PageLayout}).
 */
record PageHeader(int flags, PageVersion version, int crc32c, int dataLength) {

    boolean tombstone() {
        return (flags & PageLayout.FLAG_TOMBSTONE) != 0;
    }

    /**
     * Decodes the header of a value read from LMDB (its position is the value's start), or returns
     * null when the header is damaged: wrong format, unknown flags, negative version, or a length
     * that disagrees with the value's. The data itself is checked by {@link #dataIntact}.
     */
    static PageHeader read(ByteBuffer value) {
        int p = value.position();
        if (value.remaining() < PageLayout.HEADER_BYTES) {
            return null;
        }
        ByteBuffer v = value.duplicate().order(ByteOrder.BIG_ENDIAN);
        int format = v.get(p);
        int flags = v.get(p + 1) & 0xFF;
        long epoch = v.getLong(p + 2);
        long seq = v.getLong(p + 10);
        int crc = v.getInt(p + 18);
        int length = v.getInt(p + 22);
        if (format != PageLayout.FORMAT || (flags & ~PageLayout.FLAG_TOMBSTONE) != 0 || epoch < 0 || seq < 0
                || length < 0 || length != value.remaining() - PageLayout.HEADER_BYTES
                || ((flags & PageLayout.FLAG_TOMBSTONE) != 0 && length != 0)) {
            return null;
        }
        return new PageHeader(flags, new PageVersion(epoch, seq), crc, length);
    }

    /**
     * The tombstone bit of a value, read without validation: usage accounting must undo what was
     * counted when the value was written, even when its header was damaged since.
     */
    static boolean rawTombstone(ByteBuffer value) {
        return value.remaining() > 1 && (value.get(value.position() + 1) & PageLayout.FLAG_TOMBSTONE) != 0;
    }

    /** The data bytes of a value (its length after the header), read without validation. */
    static long rawDataBytes(ByteBuffer value) {
        return Math.max(0, value.remaining() - PageLayout.HEADER_BYTES);
    }

    /** True when the data that follows the header matches its CRC32C. Reads {@code value} in place. */
    boolean dataIntact(ByteBuffer value) {
        ByteBuffer data = value.duplicate();
        data.position(value.position() + PageLayout.HEADER_BYTES);
        return Checksums.crc32c(data) == crc32c;
    }
}
