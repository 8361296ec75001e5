package io.quire.server.store;

import io.quire.proto.Limits;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Thread-safe. Each page group's digest, scanned once and then kept up to date by the writer, so
 * that repair rounds (which compare every group's digest every few seconds) never rescan page
 * headers while a group is being written: the cost of a round stays independent of how much the
 * store holds.
 *
 * <p>The digest is a wrapping sum of per-entry hashes (see {@link GroupDigest}), so a write
 * changes it by a delta the writer knows: the new entry's hash minus the old one's. The writer
 * calls {@link #begin} for each group a transaction touches before it commits, and {@link #end}
 * with the group's delta after the commit ({@link #abort} if it failed). A scanned digest is
 * installed only if no commit on its group was in progress when the scan's counter was read and
 * none began or ended before the install: then the scan's snapshot holds exactly the commits
 * whose deltas were not applied, and every later commit's delta is applied to it. Anything the
 * writer cannot express as a delta (a volume deletion step, a damaged header found by a read)
 * {@link #invalidate}s the group: the next call rescans it, as does the writer replacing an entry
 * whose header is damaged (its part of the digest is not known). The kept digests are saved at a
 * clean close and loaded at the next open (see {@link LmdbPageStore}), so a restart rescans
 * nothing. Memory: one small entry per group that was ever written or digested (at most volumes
 * x {@link Limits#PAGE_GROUPS_PER_VOLUME}).
 */
final class GroupDigestCache {
    /** A page group of a volume. Thread-safe (immutable). */
    record GroupId(long volumeId, int group) {
    }

    /** Guarded by itself. */
    private static final class State {
        /** Commits on this group begun and not yet ended. */
        int inFlight;
        /** Commits on this group ended, plus invalidations. */
        long changes;
        /** The group's digest as of every ended commit; null until scanned, or after an invalidation. */
        GroupDigest digest;
    }

    private final ConcurrentHashMap<GroupId, State> groups = new ConcurrentHashMap<>();

    private State state(long volumeId, int group) {
        return groups.computeIfAbsent(new GroupId(volumeId, group), id -> new State());
    }

    /** The digest; {@code scan} computes it in a read transaction that begins after it is called. */
    GroupDigest get(long volumeId, int group, Supplier<GroupDigest> scan) {
        State s = state(volumeId, group);
        long changesBefore;
        boolean installable;
        synchronized (s) {
            if (s.digest != null) {
                return s.digest;
            }
            changesBefore = s.changes;
            installable = s.inFlight == 0;
        }
        GroupDigest fresh = scan.get();
        if (installable) {
            synchronized (s) {
                if (s.digest == null && s.inFlight == 0 && s.changes == changesBefore) {
                    s.digest = fresh;
                }
            }
        }
        return fresh;
    }

    /** The writer is about to commit a transaction that changes entries of the group. */
    void begin(long volumeId, int group) {
        State s = state(volumeId, group);
        synchronized (s) {
            s.inFlight++;
        }
    }

    /** That transaction committed: the group gained {@code countDelta} entries and its hash sum moved by {@code hashDelta}. */
    void end(long volumeId, int group, long countDelta, long hashDelta) {
        State s = state(volumeId, group);
        synchronized (s) {
            s.inFlight--;
            s.changes++;
            if (s.digest != null) {
                s.digest = new GroupDigest(s.digest.count() + countDelta, s.digest.digest() + hashDelta);
            }
        }
    }

    /** That transaction did not commit (or may not have): the group is scanned again when asked. */
    void abort(long volumeId, int group) {
        State s = state(volumeId, group);
        synchronized (s) {
            s.inFlight--;
            s.changes++;
            s.digest = null;
        }
    }

    /** After a committed change that is not a delta (or damage that changes what a scan lists). */
    void invalidate(long volumeId, int group) {
        State s = state(volumeId, group);
        synchronized (s) {
            s.changes++;
            s.digest = null;
        }
    }

    /** Installs a digest saved at the last clean close (the store opening: no writer yet). */
    void load(long volumeId, int group, GroupDigest digest) {
        State s = state(volumeId, group);
        synchronized (s) {
            s.digest = digest;
        }
    }

    /** Every group's kept digest, for saving at a clean close (the writer stopped: none in flight). */
    void forEachKept(KeptDigest action) {
        groups.forEach((id, s) -> {
            GroupDigest d;
            synchronized (s) {
                d = s.inFlight == 0 ? s.digest : null;
            }
            if (d != null) {
                action.accept(id.volumeId(), id.group(), d);
            }
        });
    }

    @FunctionalInterface
    interface KeptDigest {
        void accept(long volumeId, int group, GroupDigest digest);
    }

    /** After a commit that removed entries of a volume in any group. */
    void volumeChanged(long volumeId) {
        for (int g = 0; g < Limits.PAGE_GROUPS_PER_VOLUME; g++) {
            invalidate(volumeId, g);
        }
    }
}
