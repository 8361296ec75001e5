package io.quire.placement;

import static io.quire.placement.ClusterShapes.TB;
import static io.quire.placement.ClusterShapes.server;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quire.cluster.ServerEntry;
import io.quire.proto.Limits;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Confined to the JUnit thread. How evenly groups spread, by capacity, over
 * {@value #VOLUMES} x 256 groups.
 *
 * <p>What holds: with R = 1 a server's share is its share of the capacity (within 10%, or five
 * binomial standard deviations for small shares). With R > 1, weighted rendezvous picks without
 * replacement, which pulls shares toward equal: big servers get less than their share and small
 * ones more (a server can never hold more than one replica of a group). With capacities within a
 * factor 2 of each other and at least 2R servers each in its own zone, shares stay within 20% of
 * proportional (about 17% at worst measured: one large server among 2R). Zone spreading comes
 * first: a zone with fewer servers than its share of R gets every group whatever its capacity.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RendezvousPlacementBalanceTest {
    private static final int VOLUMES = 200;
    private static final int GROUPS = VOLUMES * Limits.PAGE_GROUPS_PER_VOLUME;

    @Test
    void singleReplicaShareIsProportionalToCapacity() {
        long seed = ClusterShapes.seed("singleReplicaShareIsProportionalToCapacity");
        Random rnd = new Random(seed);
        for (int round = 0; round < 8; round++) {
            List<ServerEntry> servers = ClusterShapes.random(rnd, 10, "s");
            assertShares(servers, 1, 0.10, "seed=" + seed + " round=" + round);
        }
    }

    @Test
    void multiReplicaShareStaysNearProportionalForModestCapacitySpread() {
        long seed = ClusterShapes.seed("multiReplicaShareStaysNearProportionalForModestCapacitySpread");
        Random rnd = new Random(seed);
        for (int round = 0; round < 6; round++) {
            int r = 2 + rnd.nextInt(2);
            int n = 2 * r + rnd.nextInt(7);
            List<ServerEntry> servers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                servers.add(server("s" + i, "zone-" + i, (4 + rnd.nextInt(5)) * TB));
            }
            assertShares(servers, r, 0.20, "seed=" + seed + " round=" + round + " r=" + r);
        }
    }

    @Test
    void equalServersInEqualZonesShareEqually() {
        assertShares(ClusterShapes.grid(3, 3, TB), 3, 0.05, "grid 3x3");
        assertShares(ClusterShapes.grid(4, 2, TB), 3, 0.05, "grid 4x2");
    }

    @Test
    void zoneSpreadTakesPrecedenceOverCapacity() {
        // Zone "small" holds one small server; with R = 2 over two zones it must hold every group.
        List<ServerEntry> servers = List.of(server("lonely", "small", TB),
                server("a", "big", 8 * TB), server("b", "big", 8 * TB), server("c", "big", 8 * TB));
        Map<String, Integer> counts = counts(new RendezvousPlacement(servers), 2);
        assertEquals(GROUPS, counts.get("lonely"));
    }

    /** Each server's share of replica slots is within {@code tolerance} of its capacity share. */
    private static void assertShares(List<ServerEntry> servers, int r, double tolerance, String where) {
        Map<String, Integer> counts = counts(new RendezvousPlacement(servers), r);
        double totalWeight = servers.stream().mapToDouble(s -> s.capacityBytes()).sum();
        long slots = (long) GROUPS * Math.min(r, servers.size());
        for (ServerEntry s : servers) {
            double expected = slots * s.capacityBytes() / totalWeight;
            double actual = counts.getOrDefault(s.id(), 0);
            double slack = Math.max(tolerance * expected, 5 * Math.sqrt(expected));
            assertTrue(Math.abs(actual - expected) <= slack, where + ": " + s.id() + " capacity "
                    + s.capacityBytes() / TB + " TB holds " + actual + ", expected " + Math.round(expected)
                    + " +- " + Math.round(slack) + " over " + servers.size() + " servers");
        }
    }

    private static Map<String, Integer> counts(RendezvousPlacement p, int r) {
        Map<String, Integer> counts = new HashMap<>();
        for (long volume = 0; volume < VOLUMES; volume++) {
            for (int group = 0; group < Limits.PAGE_GROUPS_PER_VOLUME; group++) {
                for (ServerEntry s : p.replicasFor(volume, group, r)) {
                    counts.merge(s.id(), 1, Integer::sum);
                }
            }
        }
        return counts;
    }
}
