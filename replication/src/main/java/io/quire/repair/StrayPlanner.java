package io.quire.repair;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Thread-safe (stateless). Plans the hand-over of a page group's entries from a server that is no
 * longer (or never was) one of the group's replicas, e.g. after placement moved the group away.
 *
 * <p>An entry may be dropped only when every replica answered and holds that version or newer:
 * an unreachable replica counts as lacking it, as in {@link GroupRepairPlanner}, so that dropping a
 * stray never leaves fewer copies than the replicas that answered plus the stray itself. Reachable
 * replicas that lack the entry get it from the stray first; the entry is dropped on a later round.
 */
public final class StrayPlanner {

    private StrayPlanner() {
    }

    /**
     * @param strayServerId the server holding {@code strayEntries}; must not be among the replicas
     * @param strayEntries  its listing of the group
     * @param replicas      the group's replicas in placement order, each listed or unreachable
     * @throws IllegalArgumentException when the stray server is one of the replicas, a replica
     *                                  appears twice, or the stray lists a page twice
     */
    public static StrayPlan plan(String strayServerId, List<GroupEntry> strayEntries, List<ReplicaListing> replicas) {
        Set<String> ids = new HashSet<>();
        for (ReplicaListing r : replicas) {
            if (!ids.add(r.serverId())) {
                throw new IllegalArgumentException("replica " + r.serverId() + " listed twice");
            }
        }
        if (ids.contains(strayServerId)) {
            throw new IllegalArgumentException(strayServerId + " is a replica of the group, not a stray");
        }
        // Sorting and the duplicate check come with the listing type.
        ReplicaListing stray = ReplicaListing.of(strayServerId, strayEntries);
        List<StrayDecision> decisions = new ArrayList<>();
        for (GroupEntry e : stray.entries()) {
            decisions.add(decide(e, replicas));
        }
        return new StrayPlan(strayServerId, decisions);
    }

    private static StrayDecision decide(GroupEntry e, List<ReplicaListing> replicas) {
        List<String> targets = new ArrayList<>();
        List<String> unreachable = new ArrayList<>();
        boolean conflict = false;
        for (ReplicaListing r : replicas) {
            if (!r.reachable()) {
                unreachable.add(r.serverId());
                continue;
            }
            GroupEntry held = r.entryFor(e.inode(), e.pageIndex());
            if (held == null || e.version().isNewerThan(held.version())) {
                targets.add(r.serverId());
            } else if (held.version().equals(e.version()) && !held.sameCopy(e)) {
                conflict = true;
            }
        }
        // No replica at all (an empty placement) is nowhere to hand over to: keep the entry.
        boolean droppable = !replicas.isEmpty() && targets.isEmpty() && unreachable.isEmpty();
        return new StrayDecision(e, droppable, targets, unreachable, conflict);
    }
}
