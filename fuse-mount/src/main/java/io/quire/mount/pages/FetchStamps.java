package io.quire.mount.pages;

import io.quire.mount.MountLimits;
import io.quire.page.PageKey;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Thread-safe. Tells whether a copy of a page fetched from the replicas may still be used.
 *
 * <p>A fetched copy is what the replicas held when they were asked; by the time it lands, the
 * page may have left the cache in a way that makes that copy stale: cut by a truncate whose
 * trash collector then deleted the replicas' copies (the file grown back over it must read
 * zeros), or written, uploaded and evicted (the replicas now hold a newer version). Each of
 * those events advances the page's stamp, inside the write transaction that makes it; a fetch
 * takes the stamp before it asks the replicas, and its copy is used only while the stamp is
 * unchanged. The proof, for a copy that lands at time t: an event after the fetch began
 * changed the stamp; a truncate before it either still has its trash range (the page reads as a
 * hole) or had its deletes acknowledged by W replicas before the fetch asked R-W+1 of them, so
 * the fetch saw the tombstone.
 *
 * <p>Stamps are counters in {@link MountLimits#FETCH_STAMP_SLOTS} slots hashed by (inode,
 * page): bounded memory, and a collision only makes a fetch run again.
 */
public final class FetchStamps {
    private final AtomicLongArray slots = new AtomicLongArray(MountLimits.FETCH_STAMP_SLOTS);

    /** The page's stamp now: take it before asking the replicas. */
    public long stamp(long ino, long index) {
        return slots.get(slot(ino, index));
    }

    /** True if nothing that makes a fetched copy stale happened to the page since {@code stamp}. */
    public boolean unchanged(long ino, long index, long stamp) {
        return slots.get(slot(ino, index)) == stamp;
    }

    /** The page left the cache (evicted, or its copies deleted): copies fetched before are stale. */
    void advance(long ino, long index) {
        slots.incrementAndGet(slot(ino, index));
    }

    /** {@link #advance} for pages [from, to); every slot once when the range is larger than them. */
    void advance(long ino, long from, long to) {
        if (to - from >= slots.length()) {
            for (int i = 0; i < slots.length(); i++) {
                slots.incrementAndGet(i);
            }
            return;
        }
        for (long i = from; i < to; i++) {
            advance(ino, i);
        }
    }

    private int slot(long ino, long index) {
        return (int) ((PageKey.mix64(ino * 0x9E3779B97F4A7C15L ^ PageKey.mix64(index)) >>> 1) % slots.length());
    }
}
