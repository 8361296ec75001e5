package io.quire.server.store;

import io.quire.page.PageVersion;
import java.util.List;

/**
 * Thread-safe (immutable). One page of a LIST_VERSIONS listing: entries of a page group ordered
 * by (inode, page index).
 *
 * @param more true when the group holds entries after the last one listed; continue with
 *             {@link #next()}
 */
public record ListVersions(List<Entry> entries, boolean more) {

    public ListVersions {
        entries = List.copyOf(entries);
    }

    /** The cursor that continues this listing, or null when it is complete. */
    public Cursor next() {
        if (!more || entries.isEmpty()) {
            return null;
        }
        Entry last = entries.get(entries.size() - 1);
        return new Cursor(last.inode(), last.pageIndex());
    }

    /**
     * One stored entry. A damaged entry whose header cannot be read is listed with version
     * {@link PageVersion#ZERO}, so that repair overwrites it with any replica's copy.
     */
    public record Entry(long inode, long pageIndex, PageVersion version, int crc32c, boolean tombstone) {
    }

    /** Where a listing resumes: strictly after (afterInode, afterPageIndex). */
    public record Cursor(long afterInode, long afterPageIndex) {
    }
}
