package io.quire.placement;

import io.quire.cluster.ClusterMap;
import io.quire.cluster.ServerEntry;
import io.quire.page.PageKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Thread-safe (immutable). Weighted rendezvous (highest-random-weight) hashing of page groups over
 * servers, with each group's replicas spread over distinct zones.
 *
 * <p>For every (volume, group, server) a stable 64-bit hash {@code h} is turned into
 * {@code u in (0,1)} and the server scores {@code -weight / ln(u)}; the weight is the server's
 * {@code capacityBytes}, or 1 when it reports no capacity ({@code <= 0}), so such a server takes
 * part but, next to servers with real capacities, receives almost nothing. For R = 1 a server's
 * expected share of groups is exactly its share of the total weight; a server's score in a group
 * never depends on the other servers, which is why adding or removing one moves only the groups it
 * gains or loses.
 *
 * <p>Replica choice: in descending score order, take the best server of each zone not yet used,
 * until R servers are taken or every zone is used; then fill the remaining slots with the best
 * remaining servers by score. The result is ordered by score, best first. A server without a zone
 * ({@code null}) belongs to the zone {@code ""}.
 *
 * <p>The hash (FNV-1a 64 of the server id's UTF-8 bytes, mixed with volume id and group through
 * {@link PageKey#mix64}) is part of the cluster's persistent contract: changing it moves every
 * page group.
 */
public final class RendezvousPlacement implements Placement {
    private static final long FNV_OFFSET_BASIS = 0xCBF29CE484222325L;
    private static final long FNV_PRIME = 0x100000001B3L;
    private static final long VOLUME_SALT = 0x6A09E667F3BCC909L;
    private static final long GROUP_MULTIPLIER = 0x9E3779B97F4A7C15L;

    /** Sorted by id, so that neither scores nor tie-breaks depend on the caller's order. */
    private final ServerEntry[] servers;
    private final long[] serverHashes;
    private final double[] weights;
    private final int[] zoneOf;
    private final int zoneCount;

    /**
     * @throws IllegalArgumentException when two servers share an id (the catalog never publishes
     *                                  that; placing on both would make the result ambiguous)
     */
    public RendezvousPlacement(List<ServerEntry> servers) {
        ServerEntry[] sorted = servers.toArray(new ServerEntry[0]);
        Arrays.sort(sorted, Comparator.comparing(ServerEntry::id));
        int n = sorted.length;
        this.servers = sorted;
        this.serverHashes = new long[n];
        this.weights = new double[n];
        this.zoneOf = new int[n];
        Map<String, Integer> zones = new HashMap<>();
        for (int i = 0; i < n; i++) {
            ServerEntry s = sorted[i];
            if (i > 0 && sorted[i - 1].id().equals(s.id())) {
                throw new IllegalArgumentException("duplicate server id " + s.id());
            }
            serverHashes[i] = PageKey.mix64(fnv1a64(s.id()));
            weights[i] = weightOf(s);
            String zone = s.zone() == null ? "" : s.zone();
            zoneOf[i] = zones.computeIfAbsent(zone, z -> zones.size());
        }
        this.zoneCount = zones.size();
    }

    /** Placement over the servers the map says take part in placement. */
    public static RendezvousPlacement of(ClusterMap map) {
        return new RendezvousPlacement(map.placedServers());
    }

    /** The servers placed on, ordered by id. */
    public List<ServerEntry> servers() {
        return List.of(servers);
    }

    @Override
    public List<ServerEntry> replicasFor(long volumeId, int group, int replicaCount) {
        if (replicaCount < 0) {
            throw new IllegalArgumentException("negative replica count " + replicaCount);
        }
        int n = servers.length;
        int want = Math.min(replicaCount, n);
        if (want == 0) {
            return List.of();
        }
        long groupHash = groupHash(volumeId, group);
        double[] scores = new double[n];
        int[] bestOfZone = new int[zoneCount];
        Arrays.fill(bestOfZone, -1);
        for (int i = 0; i < n; i++) {
            scores[i] = score(groupHash, i);
            int z = zoneOf[i];
            if (bestOfZone[z] < 0 || better(i, bestOfZone[z], scores)) {
                bestOfZone[z] = i;
            }
        }
        // Greedy in score order over "best of an unused zone" equals taking the best zone leaders.
        boolean[] taken = new boolean[n];
        int[] picked = new int[want];
        int count = 0;
        int zonePicks = Math.min(want, zoneCount);
        while (count < zonePicks) {
            int best = -1;
            for (int leader : bestOfZone) {
                if (!taken[leader] && (best < 0 || better(leader, best, scores))) {
                    best = leader;
                }
            }
            taken[best] = true;
            picked[count++] = best;
        }
        while (count < want) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                if (!taken[i] && (best < 0 || better(i, best, scores))) {
                    best = i;
                }
            }
            taken[best] = true;
            picked[count++] = best;
        }
        sortBestFirst(picked, scores);
        List<ServerEntry> result = new ArrayList<>(want);
        for (int i : picked) {
            result.add(servers[i]);
        }
        return List.copyOf(result);
    }

    /** The score of {@code server} for a group; package-private so tests can check the selection. */
    double score(long volumeId, int group, ServerEntry server) {
        return scoreOf(weightOf(server), PageKey.mix64(groupHash(volumeId, group) ^ PageKey.mix64(fnv1a64(server.id()))));
    }

    private double score(long groupHash, int i) {
        return scoreOf(weights[i], PageKey.mix64(groupHash ^ serverHashes[i]));
    }

    private static double scoreOf(double weight, long hash) {
        // The top 53 bits plus a half step: u is never 0 or 1, so ln(u) is finite and negative.
        double u = ((hash >>> 11) + 0.5) * 0x1.0p-53;
        return -weight / Math.log(u);
    }

    private static long groupHash(long volumeId, int group) {
        return PageKey.mix64(PageKey.mix64(volumeId ^ VOLUME_SALT) + group * GROUP_MULTIPLIER);
    }

    private static double weightOf(ServerEntry s) {
        return s.capacityBytes() <= 0 ? 1.0 : (double) s.capacityBytes();
    }

    /** Higher score wins; equal scores (practically never) go to the smaller id. */
    private static boolean better(int a, int b, double[] scores) {
        return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
    }

    /** Insertion sort: the list is at most the replica count long. */
    private static void sortBestFirst(int[] picked, double[] scores) {
        for (int i = 1; i < picked.length; i++) {
            int v = picked[i];
            int j = i - 1;
            while (j >= 0 && better(v, picked[j], scores)) {
                picked[j + 1] = picked[j];
                j--;
            }
            picked[j + 1] = v;
        }
    }

    static long fnv1a64(String s) {
        long h = FNV_OFFSET_BASIS;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= FNV_PRIME;
        }
        return h;
    }
}
