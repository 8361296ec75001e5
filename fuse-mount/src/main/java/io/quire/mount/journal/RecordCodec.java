package io.quire.mount.journal;

import io.quire.mount.store.JournaledDbi;
import io.quire.mount.store.Mutation;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Thread-safe (stateless). The body of a journal record: the net changes of one metadata
 * operation. Big-endian: u32 mutation count, then per mutation u8 DBI id, u8 op (1 put, 2
 * delete), u16 key length, key, and for a put u32 value length, value.
 */
final class RecordCodec {
    static final int OP_PUT = 1;
    static final int OP_DELETE = 2;

    private RecordCodec() {
    }

    static byte[] encode(List<Mutation> changes) {
        long size = Integer.BYTES;
        for (Mutation m : changes) {
            size += 4 + m.key().length + (m.isDelete() ? 0 : Integer.BYTES + (long) m.value().length);
        }
        if (size > JournalLimits.RECORD_MAX_BYTES) {
            throw new IllegalArgumentException("journal record of " + size + " bytes exceeds "
                    + JournalLimits.RECORD_MAX_BYTES);
        }
        ByteBuffer b = ByteBuffer.allocate((int) size);
        b.putInt(changes.size());
        for (Mutation m : changes) {
            b.put((byte) m.dbi()).put((byte) (m.isDelete() ? OP_DELETE : OP_PUT)).putShort((short) m.key().length);
            b.put(m.key());
            if (!m.isDelete()) {
                b.putInt(m.value().length).put(m.value());
            }
        }
        return b.array();
    }

    /** @throws IllegalArgumentException when the body is malformed */
    static List<Mutation> decode(ByteBuffer body) {
        ByteBuffer b = body.duplicate();
        try {
            int n = b.getInt();
            if (n < 0 || n > JournalLimits.RECORD_MUTATIONS_MAX) {
                throw new IllegalArgumentException("record with " + n + " mutations");
            }
            List<Mutation> out = new ArrayList<>(Math.min(n, 1024));
            for (int i = 0; i < n; i++) {
                int dbi = b.get() & 0xFF;
                int op = b.get() & 0xFF;
                int keyLen = b.getShort() & 0xFFFF;
                if (dbi == 0 || keyLen == 0 || keyLen > JournaledDbi.KEY_MAX_BYTES || (op != OP_PUT && op != OP_DELETE)) {
                    throw new IllegalArgumentException("mutation " + i + ": dbi " + dbi + " op " + op + " key " + keyLen);
                }
                byte[] key = new byte[keyLen];
                b.get(key);
                byte[] value = null;
                if (op == OP_PUT) {
                    int len = b.getInt();
                    if (len < 0 || len > b.remaining()) {
                        throw new IllegalArgumentException("mutation " + i + ": value of " + len + " bytes");
                    }
                    value = new byte[len];
                    b.get(value);
                }
                out.add(new Mutation(dbi, key, value));
            }
            if (b.hasRemaining()) {
                throw new IllegalArgumentException(b.remaining() + " bytes after the last mutation");
            }
            return out;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("record truncated", e);
        }
    }
}
