package io.quire.server.store;

import io.quire.page.PageKey;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Thread-safe (stateless; callers own the buffers). The on-disk layout of the "pages" database.
 *
 * <p>Key, 28 bytes, big-endian so that LMDB's byte order is numeric order and one page group of a
 * volume is one contiguous key range:
 * <pre>
 *   0  8  volumeId  u64
 *   8  4  group     u32   PageKey#group(), 0 &lt;= group &lt; PAGE_GROUPS_PER_VOLUME
 *  12  8  inode     u64
 *  20  8  pageIndex u64
 * </pre>
 * Value: a 26-byte header then {@code dataLength} bytes of page data (none for a tombstone):
 * <pre>
 *   0  1  format     u8    1
 *   1  1  flags      u8    bit 0: tombstone; other bits 0
 *   2  8  epoch      u64
 *  10  8  seq        u64
 *  18  4  crc32c     u32   CRC32C of the data (of no bytes for a tombstone)
 *  22  4  dataLength u32   equals the value length minus 26
 * </pre>
 */
final class PageLayout {
    static final int KEY_BYTES = 28;
    static final int HEADER_BYTES = 26;
    static final byte FORMAT = 1;
    static final int FLAG_TOMBSTONE = 1;

    private static final int GROUP_OFFSET = 8;
    private static final int INODE_OFFSET = 12;
    private static final int INDEX_OFFSET = 20;

    private PageLayout() {
    }

    /** Writes the key of a page into {@code dst} (direct, capacity >= 28), ready to read. */
    static ByteBuffer key(ByteBuffer dst, PageKey key) {
        return key(dst, key.volumeId(), key.group(), key.inode(), key.pageIndex());
    }

    static ByteBuffer key(ByteBuffer dst, long volumeId, int group, long inode, long pageIndex) {
        dst.clear();
        dst.order(ByteOrder.BIG_ENDIAN);
        dst.putLong(volumeId).putInt(group).putLong(inode).putLong(pageIndex);
        return dst.flip();
    }

    /** The first possible key of a volume (inclusive lower bound of its range). */
    static ByteBuffer volumeStart(ByteBuffer dst, long volumeId) {
        return key(dst, volumeId, 0, 0, 0);
    }

    static long volumeId(ByteBuffer key) {
        return key.order(ByteOrder.BIG_ENDIAN).getLong(key.position());
    }

    static int group(ByteBuffer key) {
        return key.order(ByteOrder.BIG_ENDIAN).getInt(key.position() + GROUP_OFFSET);
    }

    static long inode(ByteBuffer key) {
        return key.order(ByteOrder.BIG_ENDIAN).getLong(key.position() + INODE_OFFSET);
    }

    static long pageIndex(ByteBuffer key) {
        return key.order(ByteOrder.BIG_ENDIAN).getLong(key.position() + INDEX_OFFSET);
    }

    /** True when {@code key} is a well-sized key in (volumeId, group). */
    static boolean inGroup(ByteBuffer key, long volumeId, int group) {
        return key.remaining() == KEY_BYTES && volumeId(key) == volumeId && group(key) == group;
    }

    /** The page key of a stored key, or null when the stored key cannot be one (damaged). */
    static PageKey pageKey(ByteBuffer key) {
        if (key.remaining() != KEY_BYTES) {
            return null;
        }
        long volumeId = volumeId(key);
        long inode = inode(key);
        long index = pageIndex(key);
        if (volumeId < 0 || inode < 0 || index < 0) {
            return null;
        }
        return new PageKey(volumeId, inode, index);
    }

    static byte[] copyKey(ByteBuffer key) {
        byte[] out = new byte[key.remaining()];
        key.duplicate().get(out);
        return out;
    }

    static boolean keyEquals(ByteBuffer key, byte[] expected) {
        return key.remaining() == expected.length && key.duplicate().equals(ByteBuffer.wrap(expected));
    }

    static String describeKey(byte[] key) {
        if (key.length != KEY_BYTES) {
            return key.length + " bytes";
        }
        ByteBuffer b = ByteBuffer.wrap(key);
        return b.getLong(0) + "/g" + b.getInt(GROUP_OFFSET) + "/" + b.getLong(INODE_OFFSET) + "/" + b.getLong(INDEX_OFFSET);
    }

    /** Writes a header at the position of {@code dst} (a reserved value) and advances past it. */
    static void writeHeader(ByteBuffer dst, int flags, long epoch, long seq, int crc32c, int dataLength) {
        dst.order(ByteOrder.BIG_ENDIAN);
        dst.put(FORMAT).put((byte) flags).putLong(epoch).putLong(seq).putInt(crc32c).putInt(dataLength);
    }
}
