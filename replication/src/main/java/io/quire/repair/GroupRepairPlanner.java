package io.quire.repair;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Thread-safe (stateless). Plans anti-entropy repair of one page group from its replicas'
 * listings: pure computation, no I/O, so it can be checked case by case.
 *
 * <p>For each page some replica lists, the newest copy is the one with the highest version. When
 * replicas hold different copies at that version (a conflict: two CRC32Cs, or data and a tombstone)
 * the winner is, in order: data over a tombstone (losing a delete is recoverable, losing data is
 * not), the copy more replicas hold, the copy of the replica earliest in placement order. The rule
 * is deterministic, so every leader that sees the same listings picks the same copy.
 *
 * <p>Each page with reachable targets gets one copy action whose source is the first holder in
 * placement order: the group's repair leader is the first live replica, so when it holds the copy
 * the transfer starts locally.
 */
public final class GroupRepairPlanner {

    private GroupRepairPlanner() {
    }

    /**
     * @param replicas the group's replicas in placement order, each listed or unreachable
     * @throws IllegalArgumentException when a server appears twice
     */
    public static GroupRepairPlan plan(List<ReplicaListing> replicas) {
        int k = replicas.size();
        Set<String> ids = new HashSet<>();
        for (ReplicaListing r : replicas) {
            if (!ids.add(r.serverId())) {
                throw new IllegalArgumentException("replica " + r.serverId() + " listed twice");
            }
        }
        int[] cursor = new int[k];
        GroupEntry[] held = new GroupEntry[k];
        List<PageRepair> pages = new ArrayList<>();
        List<CopyAction> copies = new ArrayList<>();
        long underReplicated = 0;
        int conflicts = 0;
        while (true) {
            GroupEntry first = null;
            for (int i = 0; i < k; i++) {
                List<GroupEntry> entries = replicas.get(i).entries();
                if (cursor[i] < entries.size()) {
                    GroupEntry e = entries.get(cursor[i]);
                    if (first == null || GroupEntry.BY_PAGE.compare(e, first) < 0) {
                        first = e;
                    }
                }
            }
            if (first == null) {
                break;
            }
            // Collect every replica's entry for this page and step past it.
            for (int i = 0; i < k; i++) {
                List<GroupEntry> entries = replicas.get(i).entries();
                held[i] = null;
                if (cursor[i] < entries.size() && entries.get(cursor[i]).samePage(first)) {
                    held[i] = entries.get(cursor[i]);
                    cursor[i]++;
                }
            }
            PageRepair page = judge(replicas, held);
            if (page.lacking() == 0) {
                continue;
            }
            pages.add(page);
            underReplicated += page.lacking();
            if (page.conflict()) {
                conflicts++;
            }
            if (!page.targets().isEmpty()) {
                copies.add(CopyAction.of(page.sources().get(0), page.targets(), page.newest()));
            }
        }
        return new GroupRepairPlan(pages, copies, underReplicated, conflicts);
    }

    private static PageRepair judge(List<ReplicaListing> replicas, GroupEntry[] held) {
        GroupEntry newest = null;
        boolean conflict = false;
        for (int i = 0; i < held.length; i++) {
            GroupEntry e = held[i];
            if (e == null) {
                continue;
            }
            if (newest == null || e.version().isNewerThan(newest.version())) {
                newest = e;
                conflict = false;
            } else if (e.version().equals(newest.version()) && !e.sameCopy(newest)) {
                conflict = true;
            }
        }
        if (conflict) {
            newest = conflictWinner(held, newest);
        }
        List<String> sources = new ArrayList<>();
        List<String> targets = new ArrayList<>();
        List<String> unreachable = new ArrayList<>();
        for (int i = 0; i < held.length; i++) {
            ReplicaListing r = replicas.get(i);
            if (!r.reachable()) {
                unreachable.add(r.serverId());
            } else if (held[i] != null && held[i].sameCopy(newest)) {
                sources.add(r.serverId());
            } else {
                targets.add(r.serverId());
            }
        }
        return new PageRepair(newest, sources, targets, unreachable, conflict);
    }

    /** Data over tombstone, then more holders, then the earliest holder in placement order. */
    private static GroupEntry conflictWinner(GroupEntry[] held, GroupEntry anyNewest) {
        GroupEntry best = null;
        int bestHolders = 0;
        for (GroupEntry candidate : held) {
            if (candidate == null || !candidate.version().equals(anyNewest.version())) {
                continue;
            }
            int holders = 0;
            for (GroupEntry e : held) {
                if (e != null && e.sameCopy(candidate)) {
                    holders++;
                }
            }
            // Candidates come in placement order, so only a strictly better one replaces the best.
            if (best == null
                    || (best.tombstone() && !candidate.tombstone())
                    || (best.tombstone() == candidate.tombstone() && holders > bestHolders)) {
                best = candidate;
                bestHolders = holders;
            }
        }
        return best;
    }
}
