package io.quire.mount.journal;

import io.quire.mount.store.JournalTable;
import java.nio.ByteBuffer;

/**
 * Thread-safe (stateless). Decides what one journal page holds: starting from a {@link Start},
 * fragments of consecutive records until the page is full or the records run out.
 *
 * <p>Deterministic: the same start and records give the same bytes, so a page rewritten after a
 * failure or a restart carries the same content for the same version.
 */
final class JournalLayout {
    private JournalLayout() {
    }

    /**
     * Where a page begins: its number, the record whose fragment comes first in it, how many bytes
     * of that record earlier pages hold, and whether it is the first page of a rebuilt mount.
     */
    record Start(long page, long seq, int skip, boolean restart) {
    }

    /**
     * One page laid out.
     *
     * @param lastSeq         the seq of its last fragment (the page's version)
     * @param completeThrough every record up to this one ends in this page or an earlier one
     * @param next            where the following page begins, when this one is full (else null)
     */
    record Laid(long page, byte[] bytes, int fragments, long lastSeq, long completeThrough, Start next) {
        boolean full() {
            return next != null;
        }
    }

    /** Reads records in seq order from a seq on. */
    @FunctionalInterface
    interface Records {
        void scan(long from, JournalTable.Sink sink);
    }

    static Laid lay(Start s, long volumeId, long epoch, int pageSize, Records records) {
        JournalPage.Builder b = new JournalPage.Builder(volumeId, s.page(), epoch, s.restart(), pageSize);
        long[] complete = {s.seq() - 1};
        Start[] next = {null};
        long[] expect = {s.seq()};
        records.scan(s.seq(), (seq, body) -> {
            if (seq != expect[0]) {
                throw new IllegalStateException("local journal has record " + seq + " where " + expect[0] + " belongs");
            }
            expect[0]++;
            int len = body.remaining();
            int off = seq == s.seq() ? s.skip() : 0;
            if (len == 0 || off >= len) {
                throw new IllegalStateException("record " + seq + " of " + len + " bytes skipped by " + off);
            }
            while (off < len) {
                if (b.full()) {
                    next[0] = new Start(s.page() + 1, seq, off, false);
                    return false;
                }
                int n = Math.min(b.room() - JournalPage.FRAGMENT_HEADER_BYTES, len - off);
                boolean first = off == 0;
                boolean last = off + n == len;
                int type = first ? (last ? JournalPage.FULL : JournalPage.FIRST) : (last ? JournalPage.LAST : JournalPage.MIDDLE);
                b.add(type, seq, body, body.position() + off, n);
                off += n;
            }
            complete[0] = seq;
            if (b.full()) {
                next[0] = new Start(s.page() + 1, seq + 1, 0, false);
                return false;
            }
            return true;
        });
        if (b.count() == 0) {
            return new Laid(s.page(), null, 0, 0, complete[0], null);
        }
        return new Laid(s.page(), b.seal(), b.count(), b.lastSeq(), complete[0], next[0]);
    }
}
