package io.quire.mount.store;

import java.nio.ByteBuffer;

/**
 * Thread-safe (stateless). Builds LMDB keys and values as direct, big-endian buffers (so LMDB's
 * memcmp order is numeric order) and copies LMDB-owned buffers out.
 *
 * <p>Every buffer handed to LMDB has position 0: lmdbjava passes the buffer's address, not
 * address plus position.
 *
 * <p>lmdbjava takes direct buffers only, and {@code ByteBuffer.allocateDirect} is slow for a
 * 16-byte key: a malloc, a global reservation counter, a Cleaner, and under load the JDK's
 * direct-memory limit forces garbage collections. Small buffers are therefore slices of a shared
 * {@value #SLAB_BYTES}-byte slab, cut in order and never reused: a slice keeps its slab alive
 * (the JDK's attachment reference), so memory is freed by the garbage collector once every slice
 * of a slab is unreachable, exactly as for a buffer of its own. Buffers over
 * {@value #SLICE_BYTES_MAX} bytes are allocated on their own.
 */
public final class Keys {
    static final int SLAB_BYTES = 64 << 10;
    static final int SLICE_BYTES_MAX = 1 << 10;
    private static final int ALIGN = Long.BYTES;

    private static ByteBuffer slab = ByteBuffer.allocateDirect(SLAB_BYTES);   // guarded by Keys.class
    private static int slabUsed;                                              // guarded by Keys.class

    private Keys() {
    }

    /** A new zeroed direct buffer of {@code bytes} (position 0, limit {@code bytes}, big-endian). */
    public static ByteBuffer direct(int bytes) {
        if (bytes > SLICE_BYTES_MAX) {
            return ByteBuffer.allocateDirect(bytes);
        }
        int rounded = (Math.max(1, bytes) + ALIGN - 1) & -ALIGN;
        ByteBuffer s;
        synchronized (Keys.class) {
            if (slabUsed + rounded > SLAB_BYTES) {
                slab = ByteBuffer.allocateDirect(SLAB_BYTES);
                slabUsed = 0;
            }
            s = slab.slice(slabUsed, rounded);
            slabUsed += rounded;
        }
        return s.limit(bytes);
    }

    public static ByteBuffer of(long a) {
        ByteBuffer b = direct(Long.BYTES);
        b.putLong(0, a);
        return b;
    }

    public static ByteBuffer of(long a, long c) {
        ByteBuffer b = direct(2 * Long.BYTES);
        b.putLong(0, a).putLong(Long.BYTES, c);
        return b;
    }

    /** (a, c, part) with part as an unsigned 16-bit number. */
    public static ByteBuffer of(long a, long c, int part) {
        ByteBuffer b = direct(2 * Long.BYTES + Short.BYTES);
        b.putLong(0, a).putLong(Long.BYTES, c).putShort(2 * Long.BYTES, (short) part);
        return b;
    }

    public static ByteBuffer of(long a, byte[] name) {
        ByteBuffer b = direct(Long.BYTES + name.length);
        b.putLong(0, a).put(Long.BYTES, name);
        return b;
    }

    public static ByteBuffer of(byte[] bytes) {
        ByteBuffer b = direct(bytes.length);
        b.put(0, bytes);
        return b;
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
