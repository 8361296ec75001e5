package io.quire.repair;

import java.util.List;

/**
 * Thread-safe (immutable). What a server that is not a replica of a group should do with one
 * entry it still holds.
 *
 * @param entry       the stray entry
 * @param droppable   every replica answered and holds this version or newer: the stray copy is no
 *                    longer needed and may be deleted locally
 * @param targets     reachable replicas that hold an older version or nothing: push the entry to
 *                    them first
 * @param unreachable replicas that did not answer: until they do, the entry is kept
 * @param conflict    some replica holds a different copy at the same version (it counts as
 *                    holding it; the replicas' own repair settles which copy wins)
 */
public record StrayDecision(GroupEntry entry, boolean droppable, List<String> targets, List<String> unreachable,
                            boolean conflict) {

    public StrayDecision {
        targets = List.copyOf(targets);
        unreachable = List.copyOf(unreachable);
        if (droppable && (!targets.isEmpty() || !unreachable.isEmpty())) {
            throw new IllegalArgumentException("droppable while replicas lack " + entry);
        }
    }
}
