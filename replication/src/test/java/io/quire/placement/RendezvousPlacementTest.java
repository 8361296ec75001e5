package io.quire.placement;

import static io.quire.placement.ClusterShapes.TB;
import static io.quire.placement.ClusterShapes.server;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quire.cluster.ClusterMap;
import io.quire.cluster.ServerEntry;
import io.quire.proto.Limits;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Confined to the JUnit thread. Single-placement properties of {@link RendezvousPlacement}. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RendezvousPlacementTest {
    private static final int VOLUMES = 20;

    @Test
    void sameInputsGiveSameReplicasWhateverTheInputOrder() {
        long seed = ClusterShapes.seed("sameInputsGiveSameReplicasWhateverTheInputOrder");
        Random rnd = new Random(seed);
        for (int round = 0; round < 10; round++) {
            List<ServerEntry> servers = ClusterShapes.random(rnd, 12, "s");
            List<ServerEntry> shuffled = new ArrayList<>(servers);
            Collections.shuffle(shuffled, rnd);
            RendezvousPlacement a = new RendezvousPlacement(servers);
            RendezvousPlacement b = new RendezvousPlacement(shuffled);
            RendezvousPlacement again = new RendezvousPlacement(servers);
            for (long volume = 0; volume < VOLUMES; volume++) {
                for (int group = 0; group < Limits.PAGE_GROUPS_PER_VOLUME; group++) {
                    for (int r = 1; r <= 3; r++) {
                        List<ServerEntry> expected = a.replicasFor(volume, group, r);
                        assertEquals(expected, b.replicasFor(volume, group, r), "seed=" + seed);
                        assertEquals(expected, again.replicasFor(volume, group, r), "seed=" + seed);
                    }
                }
            }
        }
    }

    /** The optimized selection equals a plain reading of the rule over fully sorted scores. */
    @Test
    void matchesTheRuleAsWrittenOnRandomShapes() {
        long seed = ClusterShapes.seed("matchesTheRuleAsWrittenOnRandomShapes");
        Random rnd = new Random(seed);
        for (int round = 0; round < 20; round++) {
            List<ServerEntry> servers = ClusterShapes.random(rnd, 12, "s");
            RendezvousPlacement p = new RendezvousPlacement(servers);
            for (long volume = 0; volume < 5; volume++) {
                for (int group = 0; group < Limits.PAGE_GROUPS_PER_VOLUME; group++) {
                    for (int r = 0; r <= 5; r++) {
                        assertEquals(reference(p, servers, volume, group, r), p.replicasFor(volume, group, r),
                                "seed=" + seed + " round=" + round + " volume=" + volume + " group=" + group + " r=" + r);
                    }
                }
            }
        }
    }

    @Test
    void neverTwoReplicasInOneZoneWhenThereAreEnoughZones() {
        long seed = ClusterShapes.seed("neverTwoReplicasInOneZoneWhenThereAreEnoughZones");
        Random rnd = new Random(seed);
        List<List<ServerEntry>> shapes = new ArrayList<>(ClusterShapes.fixed());
        for (int i = 0; i < 10; i++) {
            shapes.add(ClusterShapes.random(rnd, 15, "s"));
        }
        for (List<ServerEntry> servers : shapes) {
            RendezvousPlacement p = new RendezvousPlacement(servers);
            int zones = zones(servers).size();
            for (long volume = 0; volume < VOLUMES; volume++) {
                for (int group = 0; group < Limits.PAGE_GROUPS_PER_VOLUME; group++) {
                    for (int r = 1; r <= 5; r++) {
                        List<ServerEntry> replicas = p.replicasFor(volume, group, r);
                        String where = "seed=" + seed + " servers=" + servers.size() + " zones=" + zones + " r=" + r;
                        assertEquals(Math.min(r, servers.size()), replicas.size(), where);
                        assertEquals(replicas.size(), new HashSet<>(replicas).size(), "distinct servers " + where);
                        // With zones >= R every replica is in its own zone; with fewer, every zone is used.
                        assertEquals(Math.min(replicas.size(), zones), zones(replicas).size(), where);
                    }
                }
            }
        }
    }

    @Test
    void fillsFromTheBestRemainingServersWhenZonesAreFewerThanReplicas() {
        // Two zones, R = 3: one server of each zone, then the best remaining one by score.
        List<ServerEntry> servers = ClusterShapes.grid(2, 3, TB);
        RendezvousPlacement p = new RendezvousPlacement(servers);
        for (int group = 0; group < Limits.PAGE_GROUPS_PER_VOLUME; group++) {
            final int g = group;
            List<ServerEntry> replicas = p.replicasFor(7, group, 3);
            assertEquals(3, replicas.size());
            assertEquals(2, zones(replicas).size());
            List<ServerEntry> byScore = new ArrayList<>(servers);
            byScore.sort(Comparator.comparingDouble((ServerEntry s) -> -p.score(7, g, s)));
            assertEquals(byScore.get(0), replicas.get(0), "the best server always leads");
            for (int i = 1; i < replicas.size(); i++) {
                assertTrue(p.score(7, g, replicas.get(i - 1)) >= p.score(7, g, replicas.get(i)), "best first");
            }
        }
    }

    @Test
    void replicaCountAboveServerCountGivesEveryServer() {
        List<ServerEntry> servers = List.of(server("a", "z1", TB), server("b", "z1", TB));
        RendezvousPlacement p = new RendezvousPlacement(servers);
        for (int group = 0; group < Limits.PAGE_GROUPS_PER_VOLUME; group++) {
            assertEquals(Set.copyOf(servers), Set.copyOf(p.replicasFor(1, group, 7)));
        }
        assertEquals(List.of(), p.replicasFor(1, 0, 0));
        assertEquals(List.of(), new RendezvousPlacement(List.of()).replicasFor(1, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> p.replicasFor(1, 0, -1));
    }

    @Test
    void rejectsDuplicateServerIds() {
        assertThrows(IllegalArgumentException.class, () -> new RendezvousPlacement(
                List.of(server("a", "z1", TB), server("a", "z2", TB))));
    }

    @Test
    void zeroOrNegativeCapacityWeighsOneAndNullZoneIsOneZone() {
        ServerEntry empty = server("empty", null, 0);
        ServerEntry negative = server("negative", null, -5);
        ServerEntry one = server("one", null, 1);
        RendezvousPlacement p = new RendezvousPlacement(List.of(empty, negative, one));
        for (int group = 0; group < 16; group++) {
            assertEquals(p.score(3, group, one), p.score(3, group, one));
            // Same weight: a score only differs by the hash, and is finite and positive.
            double s = p.score(3, group, empty);
            assertTrue(s > 0 && Double.isFinite(s));
            assertEquals(2, p.replicasFor(3, group, 2).size());
        }
        // Next to real capacities, a capacity-less server is practically never chosen for R = 1.
        RendezvousPlacement mixed = new RendezvousPlacement(List.of(empty, server("big", "z", TB)));
        int emptyWins = 0;
        for (int group = 0; group < Limits.PAGE_GROUPS_PER_VOLUME; group++) {
            if (mixed.replicasFor(1, group, 1).get(0).equals(empty)) {
                emptyWins++;
            }
        }
        assertEquals(0, emptyWins);
    }

    @Test
    void ofClusterMapPlacesOnlyPlacedServers() {
        ServerEntry placed = server("a", "z1", TB);
        ServerEntry gone = new ServerEntry("b", "127.0.0.1:7001", "z2", TB, 0, 0, false, false, 99_999, 0);
        ClusterMap map = new ClusterMap(1, 0, List.of(placed, gone), List.of());
        RendezvousPlacement p = RendezvousPlacement.of(map);
        assertEquals(List.of(placed), p.servers());
        assertEquals(List.of(placed), p.replicasFor(1, 5, 3));
    }

    @Test
    void fnv1aMatchesPublishedVectors() {
        // Vectors from the FNV reference (draft-eastlake-fnv): the hash is part of the contract.
        assertEquals(0xCBF29CE484222325L, RendezvousPlacement.fnv1a64(""));
        assertEquals(0xAF63DC4C8601EC8CL, RendezvousPlacement.fnv1a64("a"));
        assertEquals(0x85944171F73967E8L, RendezvousPlacement.fnv1a64("foobar"));
    }

    /** A pinned placement: if this changes, every deployed cluster would move its data. */
    @Test
    void placementIsStableAcrossReleases() {
        RendezvousPlacement p = new RendezvousPlacement(ClusterShapes.grid(3, 2, TB));
        assertEquals(List.of("s-2-0", "s-1-0", "s-0-1"), ids(p.replicasFor(42, 0, 3)));
        assertEquals(List.of("s-0-1", "s-2-1", "s-1-0"), ids(p.replicasFor(42, 17, 3)));
        assertEquals(List.of("s-0-1", "s-1-1", "s-2-0"), ids(p.replicasFor(42, 255, 3)));
    }

    private static List<String> ids(List<ServerEntry> servers) {
        return servers.stream().map(ServerEntry::id).toList();
    }

    static Set<String> zones(List<ServerEntry> servers) {
        Set<String> zones = new HashSet<>();
        for (ServerEntry s : servers) {
            zones.add(s.zone() == null ? "" : s.zone());
        }
        return zones;
    }

    /** The rule as the class comment states it, over a full sort. */
    private static List<ServerEntry> reference(RendezvousPlacement p, List<ServerEntry> servers, long volume,
                                               int group, int r) {
        Map<ServerEntry, Double> scores = new HashMap<>();
        servers.forEach(s -> scores.put(s, p.score(volume, group, s)));
        Comparator<ServerEntry> bestFirst = Comparator.comparingDouble((ServerEntry s) -> -scores.get(s))
                .thenComparing(ServerEntry::id);
        List<ServerEntry> sorted = new ArrayList<>(servers);
        sorted.sort(bestFirst);
        List<ServerEntry> picked = new ArrayList<>();
        Set<String> usedZones = new HashSet<>();
        for (ServerEntry s : sorted) {
            if (picked.size() < r && usedZones.add(s.zone() == null ? "" : s.zone())) {
                picked.add(s);
            }
        }
        for (ServerEntry s : sorted) {
            if (picked.size() < r && !picked.contains(s)) {
                picked.add(s);
            }
        }
        picked.sort(bestFirst);
        return picked;
    }
}
