package io.quire.repair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quire.page.PageVersion;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Confined to the JUnit thread. Seeded random listings (replay with {@code -Dquire.test.seed=N}):
 * the plan agrees with a brute-force reading of the rules, and carrying it out converges, so a
 * second plan has nothing left to copy.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class GroupRepairPlannerRandomTest {
    private static final int ROUNDS = 2000;

    @Test
    void planAgreesWithTheRulesAndConverges() {
        long seed = Long.getLong("quire.test.seed", System.nanoTime());
        System.out.println("planAgreesWithTheRulesAndConverges seed=" + seed
                + " (replay with -Dquire.test.seed=" + seed + ")");
        Random rnd = new Random(seed);
        for (int round = 0; round < ROUNDS; round++) {
            check(rnd, "seed=" + seed + " round=" + round);
        }
    }

    private static void check(Random rnd, String where) {
        int k = 1 + rnd.nextInt(5);
        List<ReplicaListing> replicas = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            replicas.add(rnd.nextInt(5) == 0 ? ReplicaListing.unreachable("r" + i) : randomListing(rnd, "r" + i));
        }
        String at = where + " " + replicas;
        GroupRepairPlan plan = GroupRepairPlanner.plan(replicas);

        Map<String, GroupEntry> winners = new TreeMap<>();
        plan.pages().forEach(p -> winners.put(key(p.newest()), p.newest()));
        long under = 0;
        int conflicts = 0;
        for (String page : allPages(replicas)) {
            List<GroupEntry> held = new ArrayList<>();
            for (ReplicaListing r : replicas) {
                GroupEntry e = r.entryFor(inode(page), index(page));
                if (e != null) {
                    held.add(e);
                }
            }
            PageVersion max = held.stream().map(GroupEntry::version).max(PageVersion::compareTo).orElseThrow();
            List<GroupEntry> top = held.stream().filter(e -> e.version().equals(max)).toList();
            boolean conflict = top.stream().anyMatch(e -> !e.sameCopy(top.get(0)));
            boolean anyData = top.stream().anyMatch(e -> !e.tombstone());
            GroupEntry winner = winners.getOrDefault(page, top.get(0));
            assertEquals(max, winner.version(), "newest version " + page + " " + at);
            assertEquals(anyData, !winner.tombstone(), "data wins a tie " + page + " " + at);
            int lacking = 0;
            for (ReplicaListing r : replicas) {
                GroupEntry e = r.entryFor(inode(page), index(page));
                if (e == null || !e.sameCopy(winner)) {
                    lacking++;
                }
            }
            assertEquals(lacking > 0, winners.containsKey(page), "listed iff lacking " + page + " " + at);
            under += lacking;
            conflicts += conflict ? 1 : 0;
        }
        assertEquals(under, plan.underReplicatedPages(), at);
        assertEquals(conflicts, plan.conflicts(), at);
        for (PageRepair p : plan.pages()) {
            Set<String> all = new HashSet<>(p.sources());
            all.addAll(p.targets());
            all.addAll(p.unreachable());
            assertEquals(k, all.size(), "sources, targets, unreachable partition the replicas " + at);
            assertFalse(p.sources().isEmpty(), at);
        }

        // Carry the plan out as servers would, then plan again: only unreachable replicas lack pages.
        Map<String, Map<String, GroupEntry>> state = new TreeMap<>();
        for (ReplicaListing r : replicas) {
            Map<String, GroupEntry> m = new TreeMap<>();
            r.entries().forEach(e -> m.put(key(e), e));
            state.put(r.serverId(), m);
        }
        for (CopyAction c : plan.copies()) {
            GroupEntry copy = new GroupEntry(c.inode(), c.pageIndex(), c.version(), c.crc32c(), c.tombstone());
            GroupEntry atSource = state.get(c.sourceId()).get(key(copy));
            assertNotNull(atSource, at);
            assertTrue(atSource.sameCopy(copy), "the source holds what it sends " + at);
            for (String target : c.targetIds()) {
                state.get(target).put(key(copy), copy);
            }
        }
        List<ReplicaListing> after = new ArrayList<>();
        for (ReplicaListing r : replicas) {
            after.add(r.reachable() ? ReplicaListing.of(r.serverId(), List.copyOf(state.get(r.serverId()).values())) : r);
        }
        GroupRepairPlan again = GroupRepairPlanner.plan(after);
        long unreachable = replicas.stream().filter(r -> !r.reachable()).count();
        assertEquals(List.of(), again.copies(), at);
        assertEquals(0, again.conflicts(), at);
        assertEquals(unreachable * allPages(after).size(), again.underReplicatedPages(), at);
    }

    private static ReplicaListing randomListing(Random rnd, String id) {
        List<GroupEntry> entries = new ArrayList<>();
        for (long inode = 0; inode < 3; inode++) {
            for (long index = 0; index < 4; index++) {
                if (rnd.nextInt(10) < 7) {
                    PageVersion v = new PageVersion(1 + rnd.nextInt(2), rnd.nextInt(3));
                    boolean tombstone = rnd.nextInt(5) == 0;
                    entries.add(new GroupEntry(inode, index, v, tombstone ? rnd.nextInt(3) : 1 + rnd.nextInt(2), tombstone));
                }
            }
        }
        return ReplicaListing.of(id, entries);
    }

    private static Set<String> allPages(List<ReplicaListing> replicas) {
        Set<String> pages = new HashSet<>();
        replicas.forEach(r -> r.entries().forEach(e -> pages.add(key(e))));
        return pages;
    }

    private static String key(GroupEntry e) {
        return e.inode() + "/" + e.pageIndex();
    }

    private static long inode(String key) {
        return Long.parseLong(key.substring(0, key.indexOf('/')));
    }

    private static long index(String key) {
        return Long.parseLong(key.substring(key.indexOf('/') + 1));
    }
}
