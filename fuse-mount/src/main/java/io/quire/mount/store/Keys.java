package io.quire.mount.store;

import java.nio.ByteBuffer;

/**
 * Thread-safe (stateless). Builds LMDB keys and values as direct, big-endian buffers (so LMDB's
 * memcmp order is numeric order) and copies LMDB-owned buffers out.
 *
 * <p>Every buffer handed to LMDB has position 0: lmdbjava passes the buffer's address, not
 * address plus position.
 */
public final class Keys {
    private Keys() {
    }

    public static ByteBuffer of(long a) {
        ByteBuffer b = ByteBuffer.allocateDirect(Long.BYTES);
        b.putLong(0, a);
        return b;
    }

    public static ByteBuffer of(long a, long c) {
        ByteBuffer b = ByteBuffer.allocateDirect(2 * Long.BYTES);
        b.putLong(0, a).putLong(Long.BYTES, c);
        return b;
    }

    public static ByteBuffer of(long a, byte[] name) {
        ByteBuffer b = ByteBuffer.allocateDirect(Long.BYTES + name.length);
        b.putLong(0, a).put(Long.BYTES, name);
        return b;
    }

    public static ByteBuffer of(byte[] bytes) {
        ByteBuffer b = ByteBuffer.allocateDirect(Math.max(1, bytes.length));
        b.put(0, bytes);
        return b.limit(bytes.length);
    }

    /** Copies the bytes of an LMDB-owned buffer (valid only inside its transaction). */
    public static byte[] copy(ByteBuffer lmdb) {
        byte[] out = new byte[lmdb.remaining()];
        lmdb.get(lmdb.position(), out);
        return out;
    }

    /** Copies {@code lmdb[from..)} out. */
    public static byte[] copyFrom(ByteBuffer lmdb, int from) {
        byte[] out = new byte[lmdb.limit() - from];
        lmdb.get(from, out);
        return out;
    }
}
