package io.quire.repair;

import java.util.ArrayList;
import java.util.List;

/**
 * Thread-safe (immutable). What a server holding entries of a group it is not a replica of should
 * do with them.
 *
 * @param strayServerId the server holding the stray entries (the source of every copy)
 * @param decisions     one per stray entry, by (inode, pageIndex)
 */
public record StrayPlan(String strayServerId, List<StrayDecision> decisions) {

    public StrayPlan {
        decisions = List.copyOf(decisions);
    }

    /** Entries every replica already holds (in this version or newer): delete them locally. */
    public List<GroupEntry> droppable() {
        List<GroupEntry> out = new ArrayList<>();
        for (StrayDecision d : decisions) {
            if (d.droppable()) {
                out.add(d.entry());
            }
        }
        return out;
    }

    /** Transfers from the stray server to the reachable replicas that need its entries. */
    public List<CopyAction> copies() {
        List<CopyAction> out = new ArrayList<>();
        for (StrayDecision d : decisions) {
            if (!d.targets().isEmpty()) {
                out.add(CopyAction.of(strayServerId, d.targets(), d.entry()));
            }
        }
        return out;
    }

    /** True when the stray server may forget the group: every entry is droppable. */
    public boolean allDroppable() {
        return decisions.stream().allMatch(StrayDecision::droppable);
    }
}
