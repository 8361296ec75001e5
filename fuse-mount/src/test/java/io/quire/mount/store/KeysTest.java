package io.quire.mount.store;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Confined to the JUnit thread. Slab-cut direct buffers behave as buffers of their own. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class KeysTest {

    @Test
    void everySliceIsAZeroedBigEndianBufferAtPositionZero() {
        for (int n : new int[] {0, 1, 7, 8, 9, 20, Keys.SLICE_BYTES_MAX, Keys.SLICE_BYTES_MAX + 1, 70_000}) {
            ByteBuffer b = Keys.direct(n);
            assertTrue(b.isDirect(), "direct, for lmdbjava");
            assertEquals(0, b.position());
            assertEquals(n, b.limit());
            assertEquals(ByteOrder.BIG_ENDIAN, b.order(), "LMDB's memcmp order is numeric order");
            for (int i = 0; i < n; i++) {
                assertEquals(0, b.get(i), "byte " + i + " of a " + n + "-byte buffer");
            }
        }
    }

    @Test
    void slicesNeverOverlapAcrossManySlabs() {
        // Enough buffers to cross several slabs; each is filled with its own number and checked
        // after all were written, so any overlap would show as a foreign byte.
        int count = 4 * Keys.SLAB_BYTES / 24 + 100;
        List<ByteBuffer> all = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ByteBuffer b = Keys.of(i, (long) -i);
            all.add(b);
        }
        for (int i = 0; i < count; i++) {
            ByteBuffer b = all.get(i);
            assertEquals(16, b.remaining());
            assertEquals(i, b.getLong(0));
            assertEquals(-i, b.getLong(8));
        }
    }

    @Test
    void namedKeysKeepTheirBytes() {
        byte[] name = "a name of some length".getBytes(StandardCharsets.UTF_8);
        ByteBuffer k = Keys.of(42, name);
        ByteBuffer other = Keys.of(new byte[] {1, 2, 3});
        assertEquals(8 + name.length, k.remaining());
        assertEquals(42, k.getLong(0));
        assertEquals("a name of some length", new String(Keys.copyFrom(k, 8), StandardCharsets.UTF_8));
        assertEquals(3, other.remaining());
        assertEquals(0, Keys.of(new byte[0]).remaining());
    }
}
