package io.quire.repair;

import java.util.List;

/**
 * Thread-safe (immutable). The verdict on one page of a group whose replicas disagree.
 *
 * @param newest      the copy every replica should hold
 * @param sources     reachable replicas holding {@code newest}, in placement order
 * @param targets     reachable replicas lacking it (nothing, an older version, or the losing copy
 *                    of a conflict), in placement order
 * @param unreachable replicas that did not answer: lacking, but not targets
 * @param conflict    replicas hold different copies at the newest version
 */
public record PageRepair(GroupEntry newest, List<String> sources, List<String> targets,
                         List<String> unreachable, boolean conflict) {

    public PageRepair {
        sources = List.copyOf(sources);
        targets = List.copyOf(targets);
        unreachable = List.copyOf(unreachable);
    }

    /** Replicas without the newest copy, unreachable ones included. */
    public int lacking() {
        return targets.size() + unreachable.size();
    }
}
