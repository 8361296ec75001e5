package io.quire.repair;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Thread-safe (immutable). What repair learned from one replica of a page group: its entries, or
 * that it did not answer.
 *
 * <p>Entries are kept sorted by (inode, pageIndex) whatever the order given, so planners can merge
 * listings in one pass.
 *
 * @param reachable false when the replica could not be listed; it then has no entries, counts as
 *                  lacking every page, and is never a copy target
 */
public record ReplicaListing(String serverId, boolean reachable, List<GroupEntry> entries) {

    /**
     * @throws IllegalArgumentException when a page appears twice (a server lists only its newest
     *                                  version; a duplicate is a bug the caller should not repair
     *                                  around) or an unreachable replica carries entries
     */
    public ReplicaListing {
        Objects.requireNonNull(serverId, "serverId");
        GroupEntry[] sorted = entries.toArray(new GroupEntry[0]);
        Arrays.sort(sorted, GroupEntry.BY_PAGE);
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i - 1].samePage(sorted[i])) {
                throw new IllegalArgumentException(serverId + " lists page " + sorted[i].inode() + "/"
                        + sorted[i].pageIndex() + " twice");
            }
        }
        if (!reachable && sorted.length > 0) {
            throw new IllegalArgumentException(serverId + " is unreachable but has entries");
        }
        entries = List.of(sorted);
    }

    public static ReplicaListing of(String serverId, List<GroupEntry> entries) {
        return new ReplicaListing(serverId, true, entries);
    }

    public static ReplicaListing unreachable(String serverId) {
        return new ReplicaListing(serverId, false, List.of());
    }

    /** This replica's entry for a page, or null when it lists none. */
    public GroupEntry entryFor(long inode, long pageIndex) {
        int lo = 0;
        int hi = entries.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            GroupEntry e = entries.get(mid);
            int c = e.inode() != inode ? Long.compare(e.inode(), inode) : Long.compare(e.pageIndex(), pageIndex);
            if (c == 0) {
                return e;
            }
            if (c < 0) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return null;
    }
}
