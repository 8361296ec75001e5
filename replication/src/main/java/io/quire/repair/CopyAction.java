package io.quire.repair;

import io.quire.page.PageVersion;
import java.util.List;

/**
 * Thread-safe (immutable). One repair transfer: read a page from {@code sourceId} and write it,
 * with the {@code REPAIR} flag, to each of {@code targetIds} ({@code PUT_PAGE}, or
 * {@code DELETE_PAGE} for a tombstone).
 *
 * @param crc32c the CRC32C the source listed, so the copier can check what it read before
 *               writing it on; meaningless for a tombstone
 */
public record CopyAction(String sourceId, List<String> targetIds, long inode, long pageIndex,
                         PageVersion version, int crc32c, boolean tombstone) {

    public CopyAction {
        targetIds = List.copyOf(targetIds);
        if (targetIds.isEmpty()) {
            throw new IllegalArgumentException("a copy needs a target");
        }
    }

    static CopyAction of(String sourceId, List<String> targetIds, GroupEntry e) {
        return new CopyAction(sourceId, targetIds, e.inode(), e.pageIndex(), e.version(), e.crc32c(), e.tombstone());
    }
}
