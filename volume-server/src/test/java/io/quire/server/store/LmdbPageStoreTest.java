package io.quire.server.store;

import static io.quire.server.store.TestPages.assertStatus;
import static io.quire.server.store.TestPages.ok;
import static io.quire.server.store.TestPages.put;
import static io.quire.server.store.TestPages.random;
import static io.quire.server.store.TestPages.repair;
import static io.quire.server.store.TestPages.v;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quire.page.Checksums;
import io.quire.page.PageKey;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Confined to JUnit's thread. Page semantics of one store: versions, fencing, repair, checksums,
 * tombstones, restart.
 */
@Timeout(60)
class LmdbPageStoreTest {
    private static final long CAPACITY_BYTES = 64L << 20;

    @TempDir
    Path dir;
    private LmdbPageStore store;

    @BeforeEach
    void open() {
        store = TestPages.open(dir, CAPACITY_BYTES);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void putThenGetReturnsTheSameBytesVersionAndCrc() {
        PageKey key = new PageKey(1, 2, 3);
        byte[] data = random(1, 65536);
        ok(put(store, key, v(1, 1), data));

        StoredPage page = store.get(key);
        assertArrayEquals(data, page.data());
        assertEquals(v(1, 1), page.version());
        assertEquals(Checksums.crc32c(data), page.crc32c());
        assertNull(store.get(new PageKey(1, 2, 4)), "a page never written is absent");
    }

    @Test
    void emptyPageIsStoredAndReadBack() {
        PageKey key = new PageKey(1, 2, 0);
        ok(put(store, key, v(1, 1), new byte[0]));
        assertEquals(0, store.get(key).data().length);
        assertEquals(1, store.pageCount());
    }

    @Test
    void newerVersionReplacesAndOlderOrEqualIsIgnored() {
        PageKey key = new PageKey(1, 7, 0);
        byte[] a = random(1, 1000);
        byte[] b = random(2, 2000);
        ok(put(store, key, v(1, 1), a));
        ok(put(store, key, v(1, 2), b));
        assertArrayEquals(b, store.get(key).data());

        ok(put(store, key, v(1, 1), random(3, 3000)));
        ok(put(store, key, v(1, 2), random(4, 4000)));
        assertArrayEquals(b, store.get(key).data(), "older and equal versions are superseded");
        assertEquals(v(1, 2), store.get(key).version());
        assertEquals(2000, store.usedBytes());
    }

    @Test
    void writesFromAnEpochBelowTheFenceAreRefused() {
        PageKey key = new PageKey(1, 1, 0);
        ok(put(store, key, v(5, 1), random(1, 100)));
        assertEquals(5, store.fenceEpoch(1));

        assertStatus(Status.FENCED, put(store, new PageKey(1, 2, 0), v(4, 99), random(2, 100)));
        assertStatus(Status.FENCED, store.delete(key, v(4, 100), false));
        assertNull(store.get(new PageKey(1, 2, 0)));
        assertEquals(v(5, 1), store.get(key).version());

        ok(store.raiseFence(1, 9));
        assertEquals(9, store.fenceEpoch(1));
        assertStatus(Status.FENCED, put(store, key, v(8, 1), random(3, 100)));
        ok(store.raiseFence(1, 3));
        assertEquals(9, store.fenceEpoch(1), "the fence never goes down");

        ok(put(store, key, v(11, 1), random(4, 100)));
        assertEquals(11, store.fenceEpoch(1), "a newer epoch raises the fence");
        assertEquals(0, store.fenceEpoch(2), "fences are per volume");
        ok(put(store, new PageKey(2, 1, 0), v(1, 1), random(5, 100)));
    }

    @Test
    void repairWritesIgnoreTheFenceAndNeverRaiseIt() {
        PageKey key = new PageKey(1, 1, 0);
        ok(store.raiseFence(1, 5));
        byte[] old = random(1, 100);
        ok(repair(store, key, v(3, 7), old));
        assertArrayEquals(old, store.get(key).data(), "a repair copy of an old epoch is stored");

        ok(repair(store, new PageKey(1, 2, 0), v(8, 1), random(2, 100)));
        assertEquals(5, store.fenceEpoch(1), "repair does not raise the fence");
        ok(store.delete(new PageKey(1, 3, 0), v(2, 1), true));
        assertEquals(5, store.fenceEpoch(1));

        ok(repair(store, key, v(3, 6), random(3, 100)));
        assertArrayEquals(old, store.get(key).data(), "repair obeys the version rule");
    }

    @Test
    void dataNotMatchingItsCrcIsRefusedAndNotStored() {
        PageKey key = new PageKey(1, 1, 0);
        byte[] data = random(1, 4096);
        int wrongCrc = Checksums.crc32c(data) ^ 1;
        assertStatus(Status.CHECKSUM_MISMATCH, store.put(key, v(1, 1), wrongCrc, ByteBuffer.wrap(data), false));
        assertNull(store.get(key));
        assertEquals(0, store.usedBytes());
        assertEquals(0, store.fenceEpoch(1), "a refused write does not raise the fence");
    }

    @Test
    void tombstoneHidesThePageFreesItsBytesAndIsListed() {
        PageKey key = new PageKey(1, 4, 2);
        ok(put(store, key, v(1, 1), random(1, 5000)));
        assertEquals(5000, store.usedBytes());

        ok(store.delete(key, v(1, 2), false));
        assertEquals(v(1, 2), store.get(key).version());
        assertTrue(store.get(key).tombstone(), "a deleted page reads as its tombstone, with the delete's version");
        assertEquals(0, store.get(key).data().length);
        assertEquals(0, store.usedBytes());
        assertEquals(0, store.pageCount());
        List<ListVersions.Entry> entries = store.listVersions(1, key.group(), null, 10).entries();
        assertEquals(List.of(new ListVersions.Entry(4, 2, v(1, 2), 0, true)), entries);

        ok(put(store, key, v(1, 1), random(2, 5000)));
        assertTrue(store.get(key).tombstone(), "an older write does not resurrect a deleted page");
        byte[] back = random(3, 300);
        ok(put(store, key, v(1, 3), back));
        assertArrayEquals(back, store.get(key).data(), "a newer write does");
        assertEquals(300, store.usedBytes());
    }

    @Test
    void deletingAnAbsentPageLeavesATombstoneAndOlderDeletesAreIgnored() {
        PageKey absent = new PageKey(1, 9, 0);
        ok(store.delete(absent, v(2, 1), false));
        ok(put(store, absent, v(2, 0), random(1, 100)));
        assertTrue(store.get(absent).tombstone(), "the tombstone stops a late, older write");
        assertEquals(v(2, 1), store.get(absent).version());

        PageKey live = new PageKey(1, 10, 0);
        byte[] data = random(2, 100);
        ok(put(store, live, v(2, 5), data));
        ok(store.delete(live, v(2, 4), false));
        assertArrayEquals(data, store.get(live).data());
    }

    @Test
    void everythingSurvivesCloseAndReopen() {
        PageKey a = new PageKey(1, 1, 0);
        PageKey b = new PageKey(1, 1, 1);
        PageKey c = new PageKey(2, 5, 3);
        byte[] da = random(1, 65536);
        byte[] dc = random(3, 100);
        ok(put(store, a, v(3, 1), da));
        ok(put(store, b, v(3, 2), random(2, 10)));
        ok(store.delete(b, v(3, 3), false));
        ok(put(store, c, v(1, 1), dc));
        ok(store.raiseFence(2, 7));
        GroupDigest digest = store.groupDigest(1, a.group());

        store.close();
        store = TestPages.open(dir, CAPACITY_BYTES);

        assertArrayEquals(da, store.get(a).data());
        assertEquals(v(3, 1), store.get(a).version());
        assertTrue(store.get(b).tombstone());
        assertArrayEquals(dc, store.get(c).data());
        assertEquals(3, store.fenceEpoch(1));
        assertEquals(7, store.fenceEpoch(2));
        assertEquals(65536 + 100, store.usedBytes());
        assertEquals(2, store.pageCount());
        assertEquals(new VolumeUsage(65536, 1), store.volumeUsage().get(1L));
        assertEquals(digest, store.groupDigest(1, a.group()));
        assertStatus(Status.FENCED, put(store, c, v(6, 1), dc));
    }

    @Test
    void aSecondOpenOfTheSameDirectoryIsRefused() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> TestPages.open(dir, CAPACITY_BYTES));
        assertTrue(e.getMessage().contains("already open"), e.getMessage());
    }

    @Test
    void closedStoreRefusesWorkClearly() {
        store.close();
        assertStatus(Status.UNAVAILABLE, put(store, new PageKey(1, 1, 1), v(1, 1), random(1, 10)));
        QuireException e = assertThrows(QuireException.class, () -> store.get(new PageKey(1, 1, 1)));
        assertEquals(Status.UNAVAILABLE, e.status());
    }

    @Test
    void badListingArgumentsAreBadRequests() {
        assertEquals(Status.BAD_REQUEST, TestPages.statusOf(() -> store.listVersions(1, 0, null, 0)));
        assertEquals(Status.BAD_REQUEST, TestPages.statusOf(() -> store.listVersions(1, 256, null, 10)));
        assertEquals(Status.BAD_REQUEST, TestPages.statusOf(() -> store.groupDigest(1, -1)));
    }
}
