package io.quire.repair;

import java.util.List;

/**
 * Thread-safe (immutable). What anti-entropy repair of one page group should do.
 *
 * @param pages                pages not held in their newest copy by every replica, by (inode,
 *                             pageIndex); pages in sync everywhere are left out
 * @param copies               one transfer per page with reachable targets, in page order
 * @param underReplicatedPages summed over pages: replicas lacking the page's newest copy,
 *                             unreachable ones included (missing page copies, as reported in
 *                             heartbeats)
 * @param conflicts            pages whose replicas hold different copies at the newest version
 */
public record GroupRepairPlan(List<PageRepair> pages, List<CopyAction> copies, long underReplicatedPages,
                              int conflicts) {

    public GroupRepairPlan {
        pages = List.copyOf(pages);
        copies = List.copyOf(copies);
    }

    /** True when every replica holds every page's newest copy. */
    public boolean inSync() {
        return pages.isEmpty();
    }
}
