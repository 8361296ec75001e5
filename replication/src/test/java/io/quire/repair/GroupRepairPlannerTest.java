package io.quire.repair;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quire.page.PageVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Confined to the JUnit thread. Case-by-case checks of {@link GroupRepairPlanner}. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class GroupRepairPlannerTest {

    static GroupEntry data(long inode, long index, long epoch, long seq, int crc) {
        return new GroupEntry(inode, index, new PageVersion(epoch, seq), crc, false);
    }

    static GroupEntry tombstone(long inode, long index, long epoch, long seq) {
        return new GroupEntry(inode, index, new PageVersion(epoch, seq), 0, true);
    }

    static ReplicaListing listing(String id, GroupEntry... entries) {
        return ReplicaListing.of(id, List.of(entries));
    }

    @Test
    void replicasInSyncGiveAnEmptyPlan() {
        GroupEntry[] same = {data(1, 0, 1, 1, 11), data(1, 1, 1, 2, 12), tombstone(2, 0, 1, 3)};
        GroupRepairPlan plan = GroupRepairPlanner.plan(List.of(listing("a", same), listing("b", same), listing("c", same)));
        assertTrue(plan.inSync());
        assertEquals(List.of(), plan.copies());
        assertEquals(0, plan.underReplicatedPages());
        assertEquals(0, plan.conflicts());
    }

    @Test
    void emptyGroupAndNoReplicasGiveAnEmptyPlan() {
        assertTrue(GroupRepairPlanner.plan(List.of(listing("a"), listing("b"))).inSync());
        assertTrue(GroupRepairPlanner.plan(List.of()).inSync());
    }

    @Test
    void replicaMissingPagesIsTargetedFromTheFirstHolder() {
        GroupEntry p1 = data(1, 0, 1, 1, 11);
        GroupEntry p2 = data(1, 1, 1, 2, 12);
        GroupEntry p3 = data(9, 4, 1, 3, 13);
        GroupRepairPlan plan = GroupRepairPlanner.plan(List.of(
                listing("a", p1, p2, p3), listing("b", p2), listing("c", p1, p2, p3)));
        assertEquals(2, plan.underReplicatedPages());
        assertEquals(List.of(
                new CopyAction("a", List.of("b"), 1, 0, p1.version(), 11, false),
                new CopyAction("a", List.of("b"), 9, 4, p3.version(), 13, false)), plan.copies());
        PageRepair first = plan.pages().get(0);
        assertEquals(p1, first.newest());
        assertEquals(List.of("a", "c"), first.sources());
        assertEquals(List.of("b"), first.targets());
        assertEquals(1, first.lacking());
    }

    @Test
    void staleVersionsAreOverwrittenFromTheNewestHolder() {
        GroupRepairPlan plan = GroupRepairPlanner.plan(List.of(
                listing("a", data(5, 0, 1, 1, 100)),
                listing("b", data(5, 0, 2, 0, 200)),
                listing("c", data(5, 0, 1, 7, 300))));
        assertEquals(List.of(new CopyAction("b", List.of("a", "c"), 5, 0, new PageVersion(2, 0), 200, false)),
                plan.copies());
        assertEquals(2, plan.underReplicatedPages());
        assertEquals(0, plan.conflicts());
    }

    @Test
    void newerTombstoneReplacesOlderData() {
        GroupRepairPlan plan = GroupRepairPlanner.plan(List.of(
                listing("a", data(3, 2, 1, 1, 42)),
                listing("b", tombstone(3, 2, 1, 2)),
                listing("c")));
        assertEquals(List.of(new CopyAction("b", List.of("a", "c"), 3, 2, new PageVersion(1, 2), 0, true)),
                plan.copies());
        assertEquals(2, plan.underReplicatedPages());
    }

    @Test
    void newerDataReplacesOlderTombstone() {
        GroupRepairPlan plan = GroupRepairPlanner.plan(List.of(
                listing("a", tombstone(3, 2, 1, 1)),
                listing("b", tombstone(3, 2, 1, 1)),
                listing("c", data(3, 2, 2, 0, 7))));
        assertEquals(List.of(new CopyAction("c", List.of("a", "b"), 3, 2, new PageVersion(2, 0), 7, false)),
                plan.copies());
    }

    @Test
    void unreachableReplicaCountsAsLackingButIsNeverATarget() {
        GroupEntry p1 = data(1, 0, 1, 1, 11);
        GroupEntry p2 = data(1, 1, 1, 2, 12);
        GroupRepairPlan plan = GroupRepairPlanner.plan(List.of(
                ReplicaListing.unreachable("a"), listing("b", p1, p2), listing("c", p1)));
        // p1: a lacks; p2: a and c lack.
        assertEquals(3, plan.underReplicatedPages());
        assertEquals(List.of(new CopyAction("b", List.of("c"), 1, 1, p2.version(), 12, false)), plan.copies());
        assertEquals(2, plan.pages().size());
        assertEquals(List.of("a"), plan.pages().get(0).unreachable());
        assertEquals(List.of(), plan.pages().get(0).targets());
        assertFalse(plan.inSync());
    }

    @Test
    void differentCrcAtTheSameVersionIsAConflictTheMajorityWins() {
        GroupRepairPlan plan = GroupRepairPlanner.plan(List.of(
                listing("a", data(4, 0, 3, 3, 1)),
                listing("b", data(4, 0, 3, 3, 2)),
                listing("c", data(4, 0, 3, 3, 2))));
        assertEquals(1, plan.conflicts());
        assertEquals(1, plan.underReplicatedPages());
        assertEquals(List.of(new CopyAction("b", List.of("a"), 4, 0, new PageVersion(3, 3), 2, false)), plan.copies());
        assertTrue(plan.pages().get(0).conflict());
    }

    @Test
    void conflictTieGoesToTheEarliestReplicaInPlacementOrder() {
        GroupRepairPlan plan = GroupRepairPlanner.plan(List.of(
                listing("a"), listing("b", data(4, 0, 3, 3, 9)), listing("c", data(4, 0, 3, 3, 8))));
        assertEquals(1, plan.conflicts());
        assertEquals(List.of(new CopyAction("b", List.of("a", "c"), 4, 0, new PageVersion(3, 3), 9, false)),
                plan.copies());
    }

    @Test
    void conflictPrefersDataOverATombstoneEvenAgainstTheMajority() {
        GroupRepairPlan plan = GroupRepairPlanner.plan(List.of(
                listing("a", tombstone(4, 0, 3, 3)),
                listing("b", tombstone(4, 0, 3, 3)),
                listing("c", data(4, 0, 3, 3, 5))));
        assertEquals(1, plan.conflicts());
        assertEquals(List.of(new CopyAction("c", List.of("a", "b"), 4, 0, new PageVersion(3, 3), 5, false)),
                plan.copies());
    }

    @Test
    void conflictsBelowTheNewestVersionDoNotCount() {
        GroupRepairPlan plan = GroupRepairPlanner.plan(List.of(
                listing("a", data(4, 0, 1, 1, 1)), listing("b", data(4, 0, 1, 1, 2)), listing("c", data(4, 0, 2, 0, 3))));
        assertEquals(0, plan.conflicts());
        assertEquals(List.of("a", "b"), plan.copies().get(0).targetIds());
    }

    @Test
    void tombstonesAtOneVersionAgreeWhateverTheirCrc() {
        GroupRepairPlan plan = GroupRepairPlanner.plan(List.of(
                listing("a", new GroupEntry(4, 0, new PageVersion(1, 1), 123, true)),
                listing("b", new GroupEntry(4, 0, new PageVersion(1, 1), 456, true))));
        assertTrue(plan.inSync());
    }

    @Test
    void listingOrderDoesNotMatter() {
        List<GroupEntry> sorted = List.of(data(1, 0, 1, 1, 1), data(1, 5, 1, 1, 2), data(2, 0, 1, 1, 3));
        List<GroupEntry> shuffled = new ArrayList<>(List.of(sorted.get(2), sorted.get(0), sorted.get(1)));
        GroupRepairPlan a = GroupRepairPlanner.plan(List.of(ReplicaListing.of("a", sorted), listing("b")));
        GroupRepairPlan b = GroupRepairPlanner.plan(List.of(ReplicaListing.of("a", shuffled), listing("b")));
        assertEquals(a, b);
        assertEquals(3, a.copies().size());
        assertEquals(List.of(1L, 1L, 2L), a.copies().stream().map(CopyAction::inode).toList());
    }

    @Test
    void rejectsDuplicatesAndUnreachableEntries() {
        assertThrows(IllegalArgumentException.class, () -> GroupRepairPlanner.plan(List.of(listing("a"), listing("a"))));
        assertThrows(IllegalArgumentException.class, () -> listing("a", data(1, 0, 1, 1, 1), data(1, 0, 1, 2, 1)));
        assertThrows(IllegalArgumentException.class,
                () -> new ReplicaListing("a", false, List.of(data(1, 0, 1, 1, 1))));
    }
}
