package io.quire.mount.journal;

import io.quire.page.Checksums;
import io.quire.page.ReservedInodes;
import java.nio.ByteBuffer;

/**
 * Thread-safe (immutable). The superblock, page 0 of {@code ReservedInodes.SUPERBLOCK}: which
 * checkpoint is current and where the journal continues after it. Field by field in
 * {@code docs/mount-format.md}.
 *
 * @param generation   1, 2, 3...; odd generations live in checkpoint area A, even ones in B
 * @param epoch        the lease epoch of the mount that wrote it
 * @param pages        pages of the checkpoint area
 * @param bytes        length of the checkpoint's entry stream
 * @param crc          CRC32C of that stream
 * @param seq          the checkpoint holds the state after journal record {@code seq}
 * @param journalStart the journal page holding the records after {@code seq} (and maybe some before)
 * @param epochFloor   journal pages from {@code journalStart} on written under an older epoch are
 *                     stale (left by a mount whose tail was lost): the replay stops at them
 * @param trimmedBelow journal pages below this are deleted; those in [trimmedBelow, journalStart)
 *                     may still exist and are deleted by the next checkpoint
 * @param areaSpill    pages of this generation's area that may hold data (at least {@code pages})
 * @param otherPages   pages of the other area that may hold data (deleted by the next checkpoint)
 */
record Superblock(long generation, long epoch, long pages, long bytes, int crc, long seq, long journalStart,
                  long epochFloor, long trimmedBelow, long areaSpill, long otherPages) {
    static final int MAGIC = 0x51535550; // "QSUP"
    static final int VERSION = 1;
    static final int ENCODED_BYTES = 116;
    private static final int CRC_OFFSET = 112;

    /** No checkpoint yet: the journal's history starts at page 0 with record 1. */
    static final Superblock NONE = new Superblock(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** The reserved inode of this generation's checkpoint area. */
    long areaInode() {
        return areaOf(generation);
    }

    static long areaOf(long generation) {
        return generation % 2 == 1 ? ReservedInodes.CHECKPOINT_A : ReservedInodes.CHECKPOINT_B;
    }

    byte[] encode(long volumeId, int pageSize) {
        ByteBuffer b = ByteBuffer.allocate(ENCODED_BYTES);
        b.putInt(MAGIC).putShort((short) VERSION).putShort((short) 0).putLong(volumeId).putInt(pageSize)
                .putInt(areaInode() == ReservedInodes.CHECKPOINT_A ? 0 : 1)
                .putLong(generation).putLong(epoch).putLong(pages).putLong(bytes).putInt(crc).putInt(0)
                .putLong(seq).putLong(journalStart).putLong(epochFloor).putLong(trimmedBelow)
                .putLong(areaSpill).putLong(otherPages);
        b.putInt(CRC_OFFSET, Checksums.crc32c(b.array(), 0, CRC_OFFSET));
        return b.array();
    }

    /** @throws DamagedPageException when the page is not a valid superblock of this volume */
    static Superblock decode(ByteBuffer stored, long volumeId, int pageSize) {
        if (stored.remaining() != ENCODED_BYTES) {
            throw new DamagedPageException("superblock of " + stored.remaining() + " bytes");
        }
        byte[] a = new byte[ENCODED_BYTES];
        stored.duplicate().get(a);
        ByteBuffer b = ByteBuffer.wrap(a);
        if (b.getInt(0) != MAGIC || (b.getShort(4) & 0xFFFF) != VERSION) {
            throw new DamagedPageException("superblock: bad magic or version");
        }
        if (Checksums.crc32c(a, 0, CRC_OFFSET) != b.getInt(CRC_OFFSET)) {
            throw new DamagedPageException("superblock: checksum mismatch");
        }
        if (b.getLong(8) != volumeId || b.getInt(16) != pageSize) {
            throw new DamagedPageException("superblock of volume " + b.getLong(8) + " with page " + b.getInt(16)
                    + " bytes, not volume " + volumeId + " with page " + pageSize + " bytes");
        }
        Superblock s = new Superblock(b.getLong(24), b.getLong(32), b.getLong(40), b.getLong(48), b.getInt(56),
                b.getLong(64), b.getLong(72), b.getLong(80), b.getLong(88), b.getLong(96), b.getLong(104));
        int area = b.getInt(20);
        if (s.generation < 1 || area != (s.areaInode() == ReservedInodes.CHECKPOINT_A ? 0 : 1)
                || s.pages < 1 || s.areaSpill < s.pages || s.trimmedBelow > s.journalStart) {
            throw new DamagedPageException("superblock: inconsistent fields " + s);
        }
        return s;
    }
}
