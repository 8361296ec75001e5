package io.quire.repair;

import static io.quire.repair.GroupRepairPlannerTest.data;
import static io.quire.repair.GroupRepairPlannerTest.listing;
import static io.quire.repair.GroupRepairPlannerTest.tombstone;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quire.page.PageVersion;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Confined to the JUnit thread. Case-by-case checks of {@link StrayPlanner}. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class StrayPlannerTest {

    @Test
    void entryEveryReplicaHoldsMayBeDropped() {
        GroupEntry e = data(1, 0, 1, 1, 11);
        StrayPlan plan = StrayPlanner.plan("old", List.of(e), List.of(listing("a", e), listing("b", e)));
        assertEquals(List.of(e), plan.droppable());
        assertEquals(List.of(), plan.copies());
        assertTrue(plan.allDroppable());
    }

    @Test
    void newerVersionsOrTombstonesOnReplicasAlsoCoverTheStray() {
        GroupEntry stray = data(1, 0, 1, 1, 11);
        StrayPlan plan = StrayPlanner.plan("old", List.of(stray),
                List.of(listing("a", data(1, 0, 2, 0, 5)), listing("b", tombstone(1, 0, 1, 2))));
        assertEquals(List.of(stray), plan.droppable());
    }

    @Test
    void replicasLackingTheEntryGetItFirst() {
        GroupEntry stray = data(1, 0, 2, 0, 11);
        GroupEntry other = data(3, 0, 1, 0, 12);
        StrayPlan plan = StrayPlanner.plan("old", List.of(other, stray),
                List.of(listing("a", stray, other), listing("b", data(1, 0, 1, 9, 4), other), listing("c", other)));
        assertEquals(List.of(other), plan.droppable());
        assertFalse(plan.allDroppable());
        assertEquals(List.of(new CopyAction("old", List.of("b", "c"), 1, 0, new PageVersion(2, 0), 11, false)),
                plan.copies());
        StrayDecision d = plan.decisions().get(0);
        assertEquals(stray, d.entry());
        assertFalse(d.droppable());
    }

    @Test
    void strayTombstoneIsHandedOverLikeData() {
        GroupEntry stray = tombstone(1, 0, 3, 0);
        StrayPlan plan = StrayPlanner.plan("old", List.of(stray),
                List.of(listing("a", data(1, 0, 2, 0, 5)), listing("b", stray)));
        assertEquals(List.of(new CopyAction("old", List.of("a"), 1, 0, new PageVersion(3, 0), 0, true)), plan.copies());
    }

    @Test
    void unreachableReplicaKeepsTheEntryWithoutTargetingIt() {
        GroupEntry e = data(1, 0, 1, 1, 11);
        StrayPlan plan = StrayPlanner.plan("old", List.of(e),
                List.of(listing("a", e), ReplicaListing.unreachable("b"), listing("c", e)));
        StrayDecision d = plan.decisions().get(0);
        assertFalse(d.droppable());
        assertEquals(List.of(), d.targets());
        assertEquals(List.of("b"), d.unreachable());
        assertEquals(List.of(), plan.copies());
        assertEquals(List.of(), plan.droppable());
    }

    @Test
    void differentCopyAtTheSameVersionCountsAsHeldAndIsFlagged() {
        GroupEntry stray = data(1, 0, 1, 1, 11);
        StrayPlan plan = StrayPlanner.plan("old", List.of(stray), List.of(listing("a", data(1, 0, 1, 1, 99))));
        StrayDecision d = plan.decisions().get(0);
        assertTrue(d.droppable());
        assertTrue(d.conflict());
    }

    @Test
    void noReplicasMeansNothingIsDropped() {
        StrayPlan plan = StrayPlanner.plan("old", List.of(data(1, 0, 1, 1, 11)), List.of());
        assertEquals(List.of(), plan.droppable());
        assertTrue(StrayPlanner.plan("old", List.of(), List.of(listing("a"))).allDroppable());
    }

    @Test
    void rejectsAStrayThatIsAReplica() {
        assertThrows(IllegalArgumentException.class,
                () -> StrayPlanner.plan("a", List.of(), List.of(listing("a"), listing("b"))));
        assertThrows(IllegalArgumentException.class,
                () -> StrayPlanner.plan("x", List.of(), List.of(listing("a"), listing("a"))));
    }
}
