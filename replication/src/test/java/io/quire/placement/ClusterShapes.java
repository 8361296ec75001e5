package io.quire.placement;

import io.quire.cluster.ServerEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Thread-safe (stateless). Builds server lists for placement tests: fixed shapes that cover the
 * zone cases, and random shapes drawn from a seeded {@link Random} so a failure replays from its
 * seed.
 */
final class ClusterShapes {
    static final long TB = 1L << 40;

    /** The base seed of a randomized test: {@code -Dquire.test.seed=N} replays a printed run. */
    static long seed(String test) {
        long seed = Long.getLong("quire.test.seed", System.nanoTime());
        System.out.println(test + " seed=" + seed + " (replay with -Dquire.test.seed=" + seed + ")");
        return seed;
    }

    private ClusterShapes() {
    }

    static ServerEntry server(String id, String zone, long capacityBytes) {
        return new ServerEntry(id, "127.0.0.1:" + (7000 + Math.floorMod(id.hashCode(), 1000)), zone,
                capacityBytes, 0, 0, true, true, 0, 0);
    }

    /** {@code zones} zones of {@code perZone} servers, all of capacity {@code capacityBytes}. */
    static List<ServerEntry> grid(int zones, int perZone, long capacityBytes) {
        List<ServerEntry> out = new ArrayList<>();
        for (int z = 0; z < zones; z++) {
            for (int i = 0; i < perZone; i++) {
                out.add(server("s-" + z + "-" + i, "zone-" + z, capacityBytes));
            }
        }
        return out;
    }

    /**
     * 1 to {@code maxServers} servers over 1 to 5 zones (zones may hold one server or many), with
     * capacities of 1 to 8 TB; ids are unique within the shape and carry {@code prefix}.
     */
    static List<ServerEntry> random(Random rnd, int maxServers, String prefix) {
        int n = 1 + rnd.nextInt(maxServers);
        int zones = 1 + rnd.nextInt(5);
        List<ServerEntry> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(randomServer(rnd, prefix + i, zones));
        }
        return out;
    }

    static ServerEntry randomServer(Random rnd, String id, int zones) {
        return server(id, "zone-" + rnd.nextInt(zones), (1 + rnd.nextInt(8)) * TB);
    }

    /** The fixed shapes every churn test runs besides the random ones. */
    static List<List<ServerEntry>> fixed() {
        return List.of(
                grid(1, 1, TB),
                grid(1, 5, TB),
                grid(2, 3, TB),
                grid(3, 2, TB),
                grid(3, 4, 2 * TB),
                grid(5, 1, TB),
                grid(6, 3, TB));
    }
}
