package io.quire.server.repair;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quire.client.ClusterMapCache;
import io.quire.cluster.ClusterMap;
import io.quire.cluster.ServerEntry;
import io.quire.cluster.Volume;
import io.quire.net.ConnectionPool;
import io.quire.page.PageKey;
import io.quire.proto.Limits;
import io.quire.proto.QuireException;
import io.quire.repair.CopyAction;
import io.quire.repair.GroupEntry;
import io.quire.repair.GroupRepairPlan;
import io.quire.repair.GroupRepairPlanner;
import io.quire.repair.ReplicaListing;
import io.quire.server.store.GroupDigest;
import io.quire.server.store.ListVersions;
import io.quire.server.store.PageStore;
import io.quire.server.store.ScrubCursor;
import io.quire.server.store.ScrubResult;
import io.quire.server.store.StoredPage;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server-side self-healing: anti-entropy over the page groups this server leads, replacement of
 * corrupt pages, a rate-limited scrub, and freeing deleted volumes. {@link #runRound()} is
 * confined to one scheduler thread; {@link #reportCorrupt} and the getters are thread-safe.
 *
 * <p>The leader of a group is the first live server of its placement. It compares group digests
 * with the other replicas and, only where they differ or a replica is unreachable, lists the group
 * everywhere and copies the newest version of each page to the replicas that lack it (repair
 * writes carry the original version, so a newer client write always wins). The count of page
 * copies still missing is reported to the catalog with heartbeats; it stays "unknown" (-1) until
 * this server finishes its first round.
 */
public final class RepairService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RepairService.class);

    /** Corrupt pages waiting for a good copy; beyond it new reports wait for the scrub to find them again. */
    static final int CORRUPT_QUEUE_MAX = 10_000;
    /** Bytes copied per round, so repair traffic never starves client traffic. */
    static final long COPY_BYTES_PER_ROUND_MAX = 256L << 20;
    /** Scrub pages per step at most, whatever the elapsed time. */
    static final int SCRUB_PAGES_PER_STEP_MAX = 10_000;

    private final String selfId;
    private final PageStore store;
    private final ClusterMapCache maps;
    private final ReplicaCalls calls;
    private final int scrubPagesPerSecond;
    private final Set<PageKey> corrupt = ConcurrentHashMap.newKeySet();
    private final Counter copies;
    private final Counter copyFailures;
    private final Counter corruptReported;
    private final Counter corruptRepaired;
    private final Timer roundTimer;
    private volatile long underReplicated = -1;
    private volatile long rounds;
    private volatile boolean closed;
    private ScrubCursor scrubCursor = ScrubCursor.START;
    private long lastScrubNanos = System.nanoTime();
    private long copyBudgetBytes;

    public RepairService(String selfId, PageStore store, ClusterMapCache maps, ConnectionPool pool,
                         MeterRegistry registry, int scrubPagesPerSecond) {
        this.selfId = selfId;
        this.store = store;
        this.maps = maps;
        this.calls = new ReplicaCalls(pool);
        this.scrubPagesPerSecond = scrubPagesPerSecond;
        this.copies = registry.counter("quire.repair.copies");
        this.copyFailures = registry.counter("quire.repair.copy.failures");
        this.corruptReported = registry.counter("quire.repair.corrupt.reported");
        this.corruptRepaired = registry.counter("quire.repair.corrupt.repaired");
        this.roundTimer = registry.timer("quire.repair.round");
        Gauge.builder("quire.repair.underreplicated.pages", this, r -> r.underReplicated)
                .description("page copies missing in the groups this server leads (-1: not scanned yet)")
                .register(registry);
    }

    /** Called by the store (read or scrub) when a stored page fails its CRC32C. */
    public void reportCorrupt(PageKey key) {
        corruptReported.increment();
        if (corrupt.size() < CORRUPT_QUEUE_MAX) {
            corrupt.add(key);
        }
    }

    public long underReplicatedPages() {
        return underReplicated;
    }

    public long rounds() {
        return rounds;
    }

    /** One full round; never throws (a failed round is logged and retried next time). */
    public void runRound() {
        long start = System.nanoTime();
        try {
            if (round()) {
                rounds++;
            }
        } catch (RuntimeException e) {
            log.warn("repair round on {} failed: {}", selfId, e.toString());
        } finally {
            roundTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    private boolean round() {
        ClusterMapCache.Snapshot snap = maps.snapshot();
        ClusterMap map = snap.map();
        if (map.server(selfId).isEmpty()) {
            return false; // not registered yet: no map to lead anything by
        }
        copyBudgetBytes = COPY_BYTES_PER_ROUND_MAX;
        freeDeletedVolumes(map);
        repairCorrupt(snap);
        scrubStep();
        long missing = 0;
        for (Volume v : map.volumes()) {
            if (!v.active()) {
                continue;
            }
            for (int g = 0; g < Limits.PAGE_GROUPS_PER_VOLUME && !closed; g++) {
                List<ServerEntry> replicas = snap.placement().replicasFor(v.id(), g, v.replicas());
                ServerEntry leader = replicas.stream().filter(ServerEntry::live).findFirst().orElse(null);
                if (leader != null && leader.id().equals(selfId)) {
                    missing += repairGroup(v, g, replicas);
                }
            }
        }
        if (closed) {
            return false;
        }
        if (missing != underReplicated) {
            log.info("repair round on {}: {} page copies missing in the groups it leads", selfId, missing);
        }
        underReplicated = missing;
        return true;
    }

    /** Returns the page copies missing in this group after comparing (before this round's copies). */
    private long repairGroup(Volume v, int group, List<ServerEntry> replicas) {
        GroupDigest local = store.groupDigest(v.id(), group);
        List<ServerEntry> unreachable = new ArrayList<>();
        boolean same = true;
        long remoteEntries = 0;
        for (ServerEntry r : replicas) {
            if (r.id().equals(selfId)) {
                continue;
            }
            if (!r.live()) {
                unreachable.add(r);
                continue;
            }
            try {
                GroupDigest d = calls.digest(r.address(), v.id(), group);
                same &= d.equals(local);
                remoteEntries += d.count();
            } catch (QuireException e) {
                log.debug("digest of {}/{} from {} failed: {}", v.name(), group, r.id(), e.getMessage());
                unreachable.add(r);
            }
        }
        long absentReplicas = Math.max(0, v.replicas() - replicas.size()); // too few servers placed
        if (same) {
            return local.count() * (unreachable.size() + absentReplicas);
        }
        if (local.count() == 0 && remoteEntries == 0) {
            return 0;
        }
        List<ReplicaListing> listings = new ArrayList<>();
        for (ServerEntry r : replicas) {
            if (r.id().equals(selfId)) {
                listings.add(ReplicaListing.of(selfId, localEntries(v.id(), group)));
            } else if (unreachable.contains(r)) {
                listings.add(ReplicaListing.unreachable(r.id()));
            } else {
                try {
                    listings.add(ReplicaListing.of(r.id(), calls.list(r.address(), v.id(), group)));
                } catch (QuireException e) {
                    listings.add(ReplicaListing.unreachable(r.id()));
                }
            }
        }
        GroupRepairPlan plan = GroupRepairPlanner.plan(listings);
        for (CopyAction copy : plan.copies()) {
            if (copyBudgetBytes <= 0 || closed) {
                break;
            }
            execute(v, copy, replicas);
        }
        long pagesInGroup = plan.pages().size();
        return plan.underReplicatedPages() + absentReplicas * Math.max(pagesInGroup, local.count());
    }

    private List<GroupEntry> localEntries(long volumeId, int group) {
        List<GroupEntry> out = new ArrayList<>();
        ListVersions.Cursor cursor = null;
        while (true) {
            ListVersions page = store.listVersions(volumeId, group, cursor, Limits.LIST_VERSIONS_MAX_ENTRIES);
            for (ListVersions.Entry e : page.entries()) {
                out.add(new GroupEntry(e.inode(), e.pageIndex(), e.version(), e.crc32c(), e.tombstone()));
            }
            cursor = page.next();
            if (cursor == null) {
                return out;
            }
        }
    }

    private void execute(Volume v, CopyAction copy, List<ServerEntry> replicas) {
        PageKey key = new PageKey(v.id(), copy.inode(), copy.pageIndex());
        try {
            StoredPage page = null;
            if (!copy.tombstone()) {
                Optional<StoredPage> source = copy.sourceId().equals(selfId)
                        ? Optional.ofNullable(store.get(key))
                        : calls.get(addressOf(replicas, copy.sourceId()), key);
                if (source.isEmpty() || source.get().tombstone() || !source.get().version().equals(copy.version())) {
                    return; // changed since the listing: the next round sees the new state
                }
                page = source.get();
                copyBudgetBytes -= page.data().length;
            }
            for (String target : copy.targetIds()) {
                if (target.equals(selfId)) {
                    if (page == null) {
                        store.delete(key, copy.version(), true).join();
                    } else {
                        store.put(key, page.version(), page.crc32c(), ByteBuffer.wrap(page.data()), true).join();
                    }
                } else if (page == null) {
                    calls.delete(addressOf(replicas, target), key, copy.version());
                } else {
                    calls.put(addressOf(replicas, target), key, page);
                }
                copies.increment();
            }
        } catch (RuntimeException e) {
            copyFailures.increment();
            log.debug("repair copy of {} failed: {}", key, e.toString());
        }
    }

    private static String addressOf(List<ServerEntry> replicas, String id) {
        return replicas.stream().filter(s -> s.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no replica " + id)).address();
    }

    /**
     * Replaces each corrupt page with the newest good copy another replica holds, or with its
     * tombstone when the newest thing another replica holds is that the page was deleted.
     */
    private void repairCorrupt(ClusterMapCache.Snapshot snap) {
        for (PageKey key : List.copyOf(corrupt)) {
            if (closed) {
                return;
            }
            Optional<Volume> volume = snap.map().volume(key.volumeId()).filter(Volume::active);
            if (volume.isEmpty()) {
                corrupt.remove(key);
                continue;
            }
            StoredPage best = null;
            for (ServerEntry r : snap.placement().replicasFor(key.volumeId(), key.group(), volume.get().replicas())) {
                if (r.id().equals(selfId) || !r.live()) {
                    continue;
                }
                try {
                    Optional<StoredPage> p = calls.get(r.address(), key);
                    if (p.isPresent() && (best == null || p.get().version().isNewerThan(best.version()))) {
                        best = p.get();
                    }
                } catch (QuireException e) {
                    log.debug("fetching {} from {} for repair failed: {}", key, r.id(), e.getMessage());
                }
            }
            if (best == null) {
                log.warn("corrupt page {} on {}: no replica has a good copy yet; will retry", key, selfId);
                continue;
            }
            try {
                if (best.tombstone()) {
                    store.delete(key, best.version(), true).join();
                } else {
                    store.put(key, best.version(), best.crc32c(), ByteBuffer.wrap(best.data()), true).join();
                }
                corrupt.remove(key);
                corruptRepaired.increment();
                log.info("corrupt page {} on {} replaced by a good copy (version {})", key, selfId, best.version());
            } catch (RuntimeException e) {
                log.warn("replacing corrupt page {} on {} failed: {}", key, selfId, e.toString());
            }
        }
    }

    private void scrubStep() {
        if (scrubPagesPerSecond <= 0) {
            return;
        }
        long now = System.nanoTime();
        long pages = Math.min(SCRUB_PAGES_PER_STEP_MAX,
                (long) ((now - lastScrubNanos) / 1e9 * scrubPagesPerSecond));
        if (pages < 1) {
            return;
        }
        lastScrubNanos = now;
        ScrubResult r = store.scrub(scrubCursor, (int) pages);
        scrubCursor = r.next();
        if (r.corruptPages() > 0) {
            log.warn("scrub on {} found {} corrupt pages", selfId, r.corruptPages());
        }
    }

    private void freeDeletedVolumes(ClusterMap map) {
        Set<Long> held = store.volumeIds();
        for (Volume v : map.volumes()) {
            if (!v.active() && held.contains(v.id())) {
                long removed = store.deleteVolume(v.id()).join();
                log.info("freed {} pages of deleted volume {} (id {}) on {}", removed, v.name(), v.id(), selfId);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
