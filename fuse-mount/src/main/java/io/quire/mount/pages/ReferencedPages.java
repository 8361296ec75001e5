package io.quire.mount.pages;

import io.quire.mount.MountLimits;
import io.quire.page.PageKey;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Thread-safe. The evictor's second-chance bits: pages read since the evictor's hand last passed
 * them.
 *
 * <p>Keys are 64-bit hashes of (inode, page): a collision only lets a page stay one round
 * longer. The set is bounded; when full it is cleared, which costs some accuracy, never memory.
 */
public final class ReferencedPages {
    private final ConcurrentHashMap<Long, Boolean> bits = new ConcurrentHashMap<>();

    public void touch(long ino, long index) {
        if (bits.size() >= MountLimits.REFERENCED_KEYS_MAX) {
            bits.clear();
        }
        bits.put(hash(ino, index), Boolean.TRUE);
    }

    /** True if the page was read since the last call for it; clears its bit. */
    public boolean testAndClear(long ino, long index) {
        return bits.remove(hash(ino, index)) != null;
    }

    private static long hash(long ino, long index) {
        return PageKey.mix64(ino * 0x9E3779B97F4A7C15L ^ PageKey.mix64(index));
    }
}
