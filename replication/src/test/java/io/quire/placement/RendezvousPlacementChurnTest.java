package io.quire.placement;

import static io.quire.placement.ClusterShapes.TB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quire.cluster.ServerEntry;
import io.quire.proto.Limits;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Confined to the JUnit thread. What moves when the server list changes: for every group of
 * {@value #VOLUMES} volumes, on fixed and seeded random cluster shapes, R = 1..3.
 *
 * <p>What holds, exactly (not statistically): adding a server changes a group's set only by
 * bringing that server in, in exchange for at most one member; removing a server changes exactly
 * the groups that held it, by one member; changing one server's capacity changes a group's set
 * only by swapping that server in (capacity up) or out (capacity down) against one other member.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RendezvousPlacementChurnTest {
    private static final int VOLUMES = 20;
    private static final int RANDOM_SHAPES = 8;

    @Test
    void addingAServerMovesGroupsOnlyToIt() {
        long seed = ClusterShapes.seed("addingAServerMovesGroupsOnlyToIt");
        Random rnd = new Random(seed);
        for (List<ServerEntry> before : shapes(rnd)) {
            int zones = RendezvousPlacementTest.zones(before).size();
            // Into an existing zone and into a new one: both paths of the zone rule.
            ServerEntry sameZone = ClusterShapes.server("added", before.get(0).zone(), (1 + rnd.nextInt(8)) * TB);
            ServerEntry newZone = ClusterShapes.server("added", "zone-new", (1 + rnd.nextInt(8)) * TB);
            for (ServerEntry added : List.of(sameZone, newZone)) {
                List<ServerEntry> after = new ArrayList<>(before);
                after.add(added);
                String where = "seed=" + seed + " servers=" + before.size() + " zones=" + zones + " added=" + added;
                int moved = checkAdd(new RendezvousPlacement(before), new RendezvousPlacement(after), added, where);
                assertTrue(moved > 0, "a new server receives groups: " + where);
            }
        }
    }

    @Test
    void removingAServerMovesExactlyTheGroupsItHeld() {
        long seed = ClusterShapes.seed("removingAServerMovesExactlyTheGroupsItHeld");
        Random rnd = new Random(seed);
        for (List<ServerEntry> before : shapes(rnd)) {
            ServerEntry removed = before.get(rnd.nextInt(before.size()));
            List<ServerEntry> after = new ArrayList<>(before);
            after.remove(removed);
            RendezvousPlacement old = new RendezvousPlacement(before);
            RendezvousPlacement now = new RendezvousPlacement(after);
            String where = "seed=" + seed + " servers=" + before.size() + " removed=" + removed;
            for (int r = 1; r <= 3; r++) {
                for (long volume = 0; volume < VOLUMES; volume++) {
                    for (int group = 0; group < Limits.PAGE_GROUPS_PER_VOLUME; group++) {
                        Set<ServerEntry> was = Set.copyOf(old.replicasFor(volume, group, r));
                        Set<ServerEntry> is = Set.copyOf(now.replicasFor(volume, group, r));
                        String at = where + " r=" + r + " volume=" + volume + " group=" + group;
                        if (!was.contains(removed)) {
                            assertEquals(was, is, "a group without the removed server stays: " + at);
                            continue;
                        }
                        assertEquals(Set.of(removed), minus(was, is), at);
                        int replacements = after.size() >= r ? 1 : 0;
                        assertEquals(replacements, minus(is, was).size(), "one replacement when servers remain: " + at);
                    }
                }
            }
        }
    }

    @Test
    void capacityChangeSwapsOnlyThatServer() {
        long seed = ClusterShapes.seed("capacityChangeSwapsOnlyThatServer");
        Random rnd = new Random(seed);
        for (List<ServerEntry> before : shapes(rnd)) {
            int index = rnd.nextInt(before.size());
            ServerEntry old = before.get(index);
            long capacity = (1 + rnd.nextInt(8)) * TB;
            if (capacity == old.capacityBytes()) {
                capacity = old.capacityBytes() * 2;
            }
            ServerEntry changed = ClusterShapes.server(old.id(), old.zone(), capacity);
            List<ServerEntry> after = new ArrayList<>(before);
            after.set(index, changed);
            boolean grew = capacity > old.capacityBytes();
            RendezvousPlacement p0 = new RendezvousPlacement(before);
            RendezvousPlacement p1 = new RendezvousPlacement(after);
            String where = "seed=" + seed + " servers=" + before.size() + " " + old + " -> " + capacity;
            for (int r = 1; r <= 3; r++) {
                for (long volume = 0; volume < VOLUMES; volume++) {
                    for (int group = 0; group < Limits.PAGE_GROUPS_PER_VOLUME; group++) {
                        Set<String> was = ids(p0.replicasFor(volume, group, r));
                        Set<String> is = ids(p1.replicasFor(volume, group, r));
                        if (was.equals(is)) {
                            continue;
                        }
                        String at = where + " r=" + r + " volume=" + volume + " group=" + group + " " + was + " -> " + is;
                        Set<String> gained = minus(is, was);
                        Set<String> lost = minus(was, is);
                        assertEquals(1, gained.size(), at);
                        assertEquals(1, lost.size(), at);
                        assertEquals(Set.of(old.id()), grew ? gained : lost, at);
                    }
                }
            }
        }
    }

    /** Checks every group for R = 1..3 and returns how many (group, R) sets changed. */
    private static int checkAdd(RendezvousPlacement old, RendezvousPlacement now, ServerEntry added, String where) {
        int moved = 0;
        for (int r = 1; r <= 3; r++) {
            for (long volume = 0; volume < VOLUMES; volume++) {
                for (int group = 0; group < Limits.PAGE_GROUPS_PER_VOLUME; group++) {
                    Set<ServerEntry> was = Set.copyOf(old.replicasFor(volume, group, r));
                    Set<ServerEntry> is = Set.copyOf(now.replicasFor(volume, group, r));
                    if (was.equals(is)) {
                        continue;
                    }
                    moved++;
                    String at = where + " r=" + r + " volume=" + volume + " group=" + group;
                    assertEquals(Set.of(added), minus(is, was), "only the new server comes in: " + at);
                    int displaced = was.size() == r ? 1 : 0;
                    assertEquals(displaced, minus(was, is).size(), "one member leaves a full set: " + at);
                }
            }
        }
        return moved;
    }

    private static List<List<ServerEntry>> shapes(Random rnd) {
        List<List<ServerEntry>> shapes = new ArrayList<>(ClusterShapes.fixed());
        for (int i = 0; i < RANDOM_SHAPES; i++) {
            shapes.add(ClusterShapes.random(rnd, 12, "s"));
        }
        return shapes;
    }

    private static Set<String> ids(List<ServerEntry> servers) {
        Set<String> ids = new HashSet<>();
        servers.forEach(s -> ids.add(s.id()));
        return ids;
    }

    private static <T> Set<T> minus(Set<T> a, Set<T> b) {
        Set<T> out = new HashSet<>(a);
        out.removeAll(b);
        return out;
    }
}
