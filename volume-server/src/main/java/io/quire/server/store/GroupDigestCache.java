package io.quire.server.store;

import io.quire.proto.Limits;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Thread-safe. Remembers each page group's digest until the group changes, so that repair rounds
 * (which compare every group's digest every few seconds) do not rescan every page header.
 *
 * <p>Each group has a change counter that the writer bumps after every commit touching it. A
 * digest is cached together with the counter read <em>before</em> its read transaction began, so
 * a commit racing the computation leaves a counter mismatch and the next call recomputes: a
 * cached digest is never newer-looking than it is. Memory: two small entries per group that was
 * ever written or digested (at most volumes x {@link Limits#PAGE_GROUPS_PER_VOLUME}).
 */
final class GroupDigestCache {
    private record GroupId(long volumeId, int group) {
    }

    private record Cached(long changes, GroupDigest digest) {
    }

    private final ConcurrentHashMap<GroupId, Long> changes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<GroupId, Cached> digests = new ConcurrentHashMap<>();

    GroupDigest get(long volumeId, int group, Supplier<GroupDigest> compute) {
        GroupId id = new GroupId(volumeId, group);
        long now = changes.getOrDefault(id, 0L);
        Cached cached = digests.get(id);
        if (cached != null && cached.changes == now) {
            return cached.digest;
        }
        GroupDigest fresh = compute.get();
        digests.put(id, new Cached(now, fresh));
        return fresh;
    }

    /** After a commit that changed (or may have changed) an entry of the group. */
    void changed(long volumeId, int group) {
        changes.merge(new GroupId(volumeId, group), 1L, Long::sum);
    }

    /** After a commit that removed entries of a volume in any group. */
    void volumeChanged(long volumeId) {
        for (int g = 0; g < Limits.PAGE_GROUPS_PER_VOLUME; g++) {
            changed(volumeId, g);
        }
    }
}
