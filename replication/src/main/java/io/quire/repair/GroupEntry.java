package io.quire.repair;

import io.quire.page.PageVersion;
import java.util.Comparator;
import java.util.Objects;

/**
 * Thread-safe (immutable). One entry of a server's listing of a page group, as
 * {@code LIST_VERSIONS} reports it: the newest version the server holds of one page, its CRC32C,
 * and whether it is a tombstone.
 *
 * @param crc32c the stored data's CRC32C; meaningless for a tombstone, so never compared for one
 */
public record GroupEntry(long inode, long pageIndex, PageVersion version, int crc32c, boolean tombstone) {

    /** Listing order, the order of the protocol: (inode, pageIndex). */
    public static final Comparator<GroupEntry> BY_PAGE =
            Comparator.comparingLong(GroupEntry::inode).thenComparingLong(GroupEntry::pageIndex);

    public GroupEntry {
        if (inode < 0 || pageIndex < 0) {
            throw new IllegalArgumentException("negative page address " + inode + "/" + pageIndex);
        }
        Objects.requireNonNull(version, "version");
    }

    public boolean samePage(GroupEntry o) {
        return inode == o.inode && pageIndex == o.pageIndex;
    }

    /**
     * True when both are the same copy of the page: same version, both tombstones or both data with
     * the same CRC32C. Two different copies at one version are a conflict.
     */
    public boolean sameCopy(GroupEntry o) {
        return samePage(o) && version.equals(o.version) && tombstone == o.tombstone
                && (tombstone || crc32c == o.crc32c);
    }

    @Override
    public String toString() {
        return inode + "/" + pageIndex + "@" + version + (tombstone ? " tombstone" : " crc=" + Integer.toHexString(crc32c));
    }
}
