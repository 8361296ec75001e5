package io.quire.mount.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.lmdbjava.Cursor;
import org.lmdbjava.GetOp;
import org.lmdbjava.Txn;

/**
 * Thread-safe (stateless over a txn). The {@code extent} DBI: which pages of each regular file
 * hold data, as runs. Key (inode u64, last page u64), value (first page u64): pages [first, last]
 * were written since they were last cut. Runs of one inode never overlap or touch (adjacent runs
 * are merged), so a lookup is one seek.
 *
 * <p>A page outside every run is a hole: it reads as zeros from this table alone, whatever the
 * replicas still hold (the copies of a cut page are dead, and the trash collector deletes them),
 * and it uses no space. A page is the unit of allocation, as a block is for a disk file system:
 * usage, {@code df} and {@code st_blocks} count allocated pages. Journaled, so a mount rebuilt on
 * another host knows the holes too.
 */
public final class ExtentTable {
    private final JournaledDbi dbi;

    /** One run of allocated pages, [first, last]. Thread-safe (immutable). */
    public record Run(long first, long last) {
        long pages() {
            return last - first + 1;
        }

        long overlap(long from, long to) {
            return Math.max(0, Math.min(last, to) - Math.max(first, from) + 1);
        }
    }

    ExtentTable(JournaledDbi dbi) {
        this.dbi = dbi;
    }

    /** True when page {@code index} of {@code ino} holds data. */
    public boolean contains(Txn<ByteBuffer> txn, long ino, long index) {
        try (Cursor<ByteBuffer> c = dbi.openCursor(txn)) {
            return c.get(Keys.of(ino, index), GetOp.MDB_SET_RANGE) && c.key().getLong(0) == ino
                    && c.val().getLong(0) <= index;
        }
    }

    /** How many of pages [first, last] hold data. */
    public long allocated(Txn<ByteBuffer> txn, long ino, long first, long last) {
        long n = 0;
        for (Run r : runs(txn, ino, first, last)) {
            n += r.overlap(first, last);
        }
        return n;
    }

    /** Marks pages [first, last] as holding data; returns how many did not before. */
    public long allocate(Txn<ByteBuffer> txn, long ino, long first, long last) {
        // Runs overlapping [first, last] or touching it are merged into one.
        List<Run> around = runs(txn, ino, first == 0 ? 0 : first - 1, last == Long.MAX_VALUE ? last : last + 1);
        long lo = first;
        long hi = last;
        long had = 0;
        for (Run r : around) {
            had += r.overlap(first, last);
            lo = Math.min(lo, r.first);
            hi = Math.max(hi, r.last);
        }
        if (around.size() == 1 && around.get(0).first == lo && around.get(0).last == hi) {
            return 0; // already one run covering it all
        }
        for (Run r : around) {
            dbi.delete(txn, Keys.of(ino, r.last));
        }
        dbi.put(txn, Keys.of(ino, hi), Keys.of(lo));
        return (last - first + 1) - had;
    }

    /** Frees every page at or after {@code from}; returns how many held data. */
    public long release(Txn<ByteBuffer> txn, long ino, long from) {
        List<Run> cut = runs(txn, ino, from, Long.MAX_VALUE);
        long freed = 0;
        for (Run r : cut) {
            dbi.delete(txn, Keys.of(ino, r.last));
            if (r.first < from) {
                dbi.put(txn, Keys.of(ino, from - 1), Keys.of(r.first));
            }
            freed += r.overlap(from, Long.MAX_VALUE);
        }
        return freed;
    }

    /** The runs of {@code ino} that overlap pages [from, to], in page order. */
    public List<Run> runs(Txn<ByteBuffer> txn, long ino, long from, long to) {
        List<Run> out = new ArrayList<>();
        try (Cursor<ByteBuffer> c = dbi.openCursor(txn)) {
            boolean ok = c.get(Keys.of(ino, from), GetOp.MDB_SET_RANGE);
            while (ok && c.key().getLong(0) == ino) {
                long first = c.val().getLong(0);
                if (first > to) {
                    break;
                }
                out.add(new Run(first, c.key().getLong(8)));
                ok = c.next();
            }
        }
        return out;
    }
}
