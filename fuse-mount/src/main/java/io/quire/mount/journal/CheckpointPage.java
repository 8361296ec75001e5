package io.quire.mount.journal;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Thread-safe (stateless). One page of a checkpoint area ({@code CHECKPOINT_A} or {@code _B}):
 * a header naming the checkpoint it belongs to, then the next slice of the checkpoint's entry
 * stream. Field by field in {@code docs/mount-format.md}.
 *
 * <p>The entry stream is the snapshot itself: per entry u8 DBI id, u16 key length, key, u32 value
 * length, value; a DBI id of 0 ends it. It is cut at page boundaries wherever they fall.
 */
final class CheckpointPage {
    static final int MAGIC = 0x51434B50; // "QCKP"
    static final int VERSION = 1;
    static final int HEADER_BYTES = 48;
    /** The DBI id that ends the entry stream. */
    static final int END = 0;
    private static final int CRC_OFFSET = 44;

    private CheckpointPage() {
    }

    /** The page's bytes: header plus {@code payload[0..len)}. */
    static byte[] encode(long volumeId, long generation, long seq, long pageNo, byte[] payload, int len) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + len);
        b.putInt(MAGIC).putShort((short) VERSION).putShort((short) 0).putLong(volumeId).putLong(generation)
                .putLong(seq).putLong(pageNo).putInt(len).putInt(0).put(payload, 0, len);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.capacity());
        b.putInt(CRC_OFFSET, (int) crc.getValue());
        return b.array();
    }

    /** The payload length a stored page's header announces (used to read a staged page back). */
    static int payloadLength(ByteBuffer header) {
        return header.getInt(40);
    }

    /**
     * Verifies a page read back from the servers and returns its payload.
     *
     * @throws DamagedPageException when it is damaged or belongs to another checkpoint
     */
    static ByteBuffer parse(ByteBuffer stored, long volumeId, long generation, long seq, long pageNo, int pageSize) {
        int size = stored.remaining();
        if (size < HEADER_BYTES || size > pageSize) {
            throw new DamagedPageException("checkpoint page " + pageNo + " of " + size + " bytes");
        }
        byte[] a = new byte[size];
        stored.duplicate().get(a);
        ByteBuffer b = ByteBuffer.wrap(a);
        if (b.getInt(0) != MAGIC || (b.getShort(4) & 0xFFFF) != VERSION || b.getInt(40) != size - HEADER_BYTES) {
            throw new DamagedPageException("checkpoint page " + pageNo + ": bad magic, version or length");
        }
        int stored32 = b.getInt(CRC_OFFSET);
        b.putInt(CRC_OFFSET, 0);
        CRC32C crc = new CRC32C();
        crc.update(a, 0, size);
        if ((int) crc.getValue() != stored32) {
            throw new DamagedPageException("checkpoint page " + pageNo + ": checksum mismatch");
        }
        if (b.getLong(8) != volumeId || b.getLong(16) != generation || b.getLong(24) != seq || b.getLong(32) != pageNo) {
            throw new DamagedPageException("checkpoint page " + pageNo + " belongs to volume " + b.getLong(8)
                    + " generation " + b.getLong(16) + " seq " + b.getLong(24) + " page " + b.getLong(32)
                    + ", not generation " + generation + " seq " + seq);
        }
        return ByteBuffer.wrap(a, HEADER_BYTES, size - HEADER_BYTES).slice().asReadOnlyBuffer();
    }
}
