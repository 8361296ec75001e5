package io.quire.mount.journal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Thread-safe (stateless; a {@link Builder} is confined to its thread). One page of the metadata
 * journal, as stored at (volume, {@code ReservedInodes.JOURNAL}, page number). Field by field in
 * {@code docs/mount-format.md}.
 *
 * <p>A page holds fragments of consecutive records: a record that does not fit what is left of
 * a page continues on the next one (FIRST, MIDDLE..., LAST), so a record may be larger than a
 * page. Every fragment has its own CRC32C, and the page a CRC32C over all it holds. Pages are
 * stored short: only the used bytes are written.
 */
final class JournalPage {
    static final int MAGIC = 0x514A524E; // "QJRN"
    static final int VERSION = 1;
    static final int HEADER_BYTES = 52;
    static final int FRAGMENT_HEADER_BYTES = 17;
    /** Flag: the first page written by a mount that rebuilt its metadata from the servers. */
    static final int FLAG_RESTART = 1;

    static final int FULL = 1;
    static final int FIRST = 2;
    static final int MIDDLE = 3;
    static final int LAST = 4;

    private static final int CRC_OFFSET = 48;

    private JournalPage() {
    }

    /** One fragment as read back. Thread-safe (immutable, read-only data). */
    record Fragment(int type, long seq, ByteBuffer data) {
        boolean startsRecord() {
            return type == FULL || type == FIRST;
        }

        boolean endsRecord() {
            return type == FULL || type == LAST;
        }
    }

    /** A page as read back and verified. Thread-safe (immutable). */
    record Parsed(long volumeId, long page, long epoch, boolean restart, long firstSeq, List<Fragment> fragments) {
    }

    /** True when a page with this much room left takes no further fragment. */
    static boolean isFull(int room) {
        return room < FRAGMENT_HEADER_BYTES + 1;
    }

    /** Fills one page. Confined to one thread. */
    static final class Builder {
        private final ByteBuffer b;
        private long firstSeq;
        private long lastSeq;
        private int count;

        Builder(long volumeId, long page, long epoch, boolean restart, int pageSize) {
            b = ByteBuffer.allocate(pageSize);
            b.putInt(MAGIC).putShort((short) VERSION).putShort((short) (restart ? FLAG_RESTART : 0))
                    .putLong(volumeId).putLong(page).putLong(epoch);
            b.position(HEADER_BYTES);
        }

        int room() {
            return b.remaining();
        }

        boolean full() {
            return isFull(room());
        }

        /** Adds a fragment of {@code len} bytes of {@code src} from absolute {@code off}. */
        void add(int type, long seq, ByteBuffer src, int off, int len) {
            if (len <= 0 || len > room() - FRAGMENT_HEADER_BYTES) {
                throw new IllegalArgumentException("fragment of " + len + " bytes with " + room() + " left");
            }
            int at = b.position();
            b.putInt(len).put((byte) type).putLong(seq).putInt(0);
            src.get(off, b.array(), b.position(), len);
            b.position(b.position() + len);
            b.putInt(at + 13, fragmentCrc(b.array(), at, len));
            if (count == 0) {
                firstSeq = seq;
            }
            lastSeq = seq;
            count++;
        }

        long lastSeq() {
            return lastSeq;
        }

        int count() {
            return count;
        }

        /** The page's bytes, header completed and checksummed. */
        byte[] seal() {
            int used = b.position();
            b.putLong(32, firstSeq).putInt(40, count).putInt(44, used).putInt(CRC_OFFSET, 0);
            CRC32C crc = new CRC32C();
            crc.update(b.array(), 0, used);
            b.putInt(CRC_OFFSET, (int) crc.getValue());
            byte[] out = new byte[used];
            System.arraycopy(b.array(), 0, out, 0, used);
            return out;
        }
    }

    /** CRC32C of a fragment's type, seq and data (its header starts at {@code at}). */
    private static int fragmentCrc(byte[] page, int at, int len) {
        CRC32C crc = new CRC32C();
        crc.update(page, at + 4, 9);
        crc.update(page, at + FRAGMENT_HEADER_BYTES, len);
        return (int) crc.getValue();
    }

    /**
     * Verifies and splits a page read back from the servers.
     *
     * @throws DamagedPageException when anything is off
     */
    static Parsed parse(ByteBuffer stored, long volumeId, long page, int pageSize) {
        int size = stored.remaining();
        if (size < HEADER_BYTES || size > pageSize) {
            throw new DamagedPageException("journal page " + page + " of " + size + " bytes");
        }
        byte[] a = new byte[size];
        stored.duplicate().get(a);
        ByteBuffer b = ByteBuffer.wrap(a);
        if (b.getInt(0) != MAGIC || (b.getShort(4) & 0xFFFF) != VERSION) {
            throw new DamagedPageException("journal page " + page + ": bad magic or version");
        }
        int used = b.getInt(44);
        if (used != size) {
            throw new DamagedPageException("journal page " + page + ": " + used + " bytes used, " + size + " stored");
        }
        int crcStored = b.getInt(CRC_OFFSET);
        b.putInt(CRC_OFFSET, 0);
        CRC32C crc = new CRC32C();
        crc.update(a, 0, used);
        if ((int) crc.getValue() != crcStored) {
            throw new DamagedPageException("journal page " + page + ": page checksum mismatch");
        }
        if (b.getLong(8) != volumeId || b.getLong(16) != page) {
            throw new DamagedPageException("journal page " + page + " claims to be page " + b.getLong(16)
                    + " of volume " + b.getLong(8));
        }
        int flags = b.getShort(6) & 0xFFFF;
        long epoch = b.getLong(24);
        int count = b.getInt(40);
        List<Fragment> out = new ArrayList<>();
        int at = HEADER_BYTES;
        for (int i = 0; i < count; i++) {
            if (at + FRAGMENT_HEADER_BYTES > used) {
                throw new DamagedPageException("journal page " + page + ": fragment " + i + " past the end");
            }
            int len = b.getInt(at);
            int type = b.get(at + 4);
            long seq = b.getLong(at + 5);
            if (len <= 0 || len > used - at - FRAGMENT_HEADER_BYTES || type < FULL || type > LAST) {
                throw new DamagedPageException("journal page " + page + ": fragment " + i + " type " + type
                        + " of " + len + " bytes");
            }
            if (fragmentCrc(a, at, len) != b.getInt(at + 13)) {
                throw new DamagedPageException("journal page " + page + ": fragment " + i + " checksum mismatch");
            }
            out.add(new Fragment(type, seq, ByteBuffer.wrap(a, at + FRAGMENT_HEADER_BYTES, len).slice().asReadOnlyBuffer()));
            at += FRAGMENT_HEADER_BYTES + len;
        }
        if (at != used) {
            throw new DamagedPageException("journal page " + page + ": " + (used - at) + " bytes after the last fragment");
        }
        long firstSeq = b.getLong(32);
        if (!out.isEmpty() && out.get(0).seq() != firstSeq) {
            throw new DamagedPageException("journal page " + page + ": first seq " + firstSeq + " but fragment seq "
                    + out.get(0).seq());
        }
        return new Parsed(volumeId, page, epoch, (flags & FLAG_RESTART) != 0, firstSeq, out);
    }
}
