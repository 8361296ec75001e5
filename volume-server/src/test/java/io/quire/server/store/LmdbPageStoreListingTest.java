package io.quire.server.store;

import static io.quire.server.store.TestPages.ok;
import static io.quire.server.store.TestPages.put;
import static io.quire.server.store.TestPages.random;
import static io.quire.server.store.TestPages.v;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quire.page.Checksums;
import io.quire.page.PageKey;
import io.quire.proto.Limits;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Confined to JUnit's thread. LIST_VERSIONS paging and GROUP_DIGEST equality over real stores. */
@Timeout(60)
class LmdbPageStoreListingTest {
    private static final long CAPACITY_BYTES = 64L << 20;
    private static final int GROUP = 17;

    @TempDir
    Path dir;

    /** Whole stripes (16 pages) of successive inodes that fall in {@code group}, up to {@code count} pages. */
    private static List<PageKey> keysInGroup(long volumeId, int group, int count) {
        List<PageKey> keys = new ArrayList<>();
        for (long inode = 1; keys.size() < count && inode < 1_000_000; inode++) {
            for (long stripe = 0; stripe < 4 && keys.size() < count; stripe++) {
                long first = stripe * Limits.PAGES_PER_STRIPE;
                if (PageKey.groupOf(inode, first) != group) {
                    continue;
                }
                for (long i = first; i < first + Limits.PAGES_PER_STRIPE && keys.size() < count; i++) {
                    keys.add(new PageKey(volumeId, inode, i));
                }
            }
        }
        assertEquals(count, keys.size());
        return keys;
    }

    private static void putAll(PageStore store, List<PageKey> keys, long seq) {
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (PageKey k : keys) {
            futures.add(put(store, k, v(1, seq), random(k.inode() * 1000 + k.pageIndex(), 16)));
        }
        futures.forEach(TestPages::ok);
    }

    @Test
    void listingPagesThroughAGroupInKeyOrderWithACursor() {
        try (PageStore store = TestPages.open(dir, CAPACITY_BYTES)) {
            List<PageKey> keys = keysInGroup(1, GROUP, 700);
            putAll(store, keys, 1);
            // Neighbours that must never appear: another group of the volume, the same group of others.
            putAll(store, keysInGroup(1, GROUP + 1, 20), 1);
            putAll(store, keysInGroup(0, GROUP, 20), 1);
            putAll(store, keysInGroup(2, GROUP, 20), 1);
            ok(store.delete(keys.get(5), v(1, 2), false));

            List<ListVersions.Entry> all = new ArrayList<>();
            ListVersions.Cursor cursor = null;
            int pages = 0;
            for (boolean more = true; more && pages < 100; pages++) {
                ListVersions page = store.listVersions(1, GROUP, cursor, 64);
                assertTrue(page.entries().size() <= 64);
                all.addAll(page.entries());
                more = page.more();
                cursor = page.next();
                assertEquals(more, cursor != null);
            }
            assertEquals(11, pages, "700 entries in pages of 64");

            List<PageKey> listed = new ArrayList<>();
            for (ListVersions.Entry e : all) {
                listed.add(new PageKey(1, e.inode(), e.pageIndex()));
            }
            List<PageKey> expected = new ArrayList<>(keys);
            Collections.sort(expected);
            assertEquals(expected, listed, "every key of the group once, in (inode, index) order");

            ListVersions.Entry deleted = all.get(listed.indexOf(keys.get(5)));
            assertTrue(deleted.tombstone());
            assertEquals(v(1, 2), deleted.version());
            ListVersions.Entry live = all.get(listed.indexOf(keys.get(6)));
            assertFalse(live.tombstone());
            assertEquals(v(1, 1), live.version());
            PageKey k6 = keys.get(6);
            assertEquals(Checksums.crc32c(random(k6.inode() * 1000 + k6.pageIndex(), 16)), live.crc32c());
        }
    }

    @Test
    void cursorFieldsOfTheWireRequestResumeStrictlyAfterThem() {
        try (PageStore store = TestPages.open(dir, CAPACITY_BYTES)) {
            List<PageKey> keys = keysInGroup(3, GROUP, 40);
            putAll(store, keys, 1);
            PageKey tenth = keys.get(9);

            ListVersions rest = store.listVersions(3, GROUP, true, tenth.inode(), tenth.pageIndex(), 100);
            assertEquals(30, rest.entries().size());
            assertFalse(rest.more());
            assertNull(rest.next());
            assertEquals(keys.get(10).pageIndex(), rest.entries().get(0).pageIndex());

            ListVersions exact = store.listVersions(3, GROUP, false, 0, 0, 40);
            assertEquals(40, exact.entries().size());
            assertFalse(exact.more(), "no more when the group ends exactly at maxEntries");

            // A cursor between stored keys (a page that was never written) still resumes after it.
            ListVersions fromGap = store.listVersions(3, GROUP, true, tenth.inode(), Long.MAX_VALUE - 1, 100);
            assertTrue(fromGap.entries().stream().allMatch(e -> e.inode() > tenth.inode()));
        }
    }

    @Test
    void digestsAreEqualForEqualContentWrittenInAnyOrder() {
        List<PageKey> keys = keysInGroup(1, GROUP, 200);
        try (PageStore a = TestPages.open(dir.resolve("a"), CAPACITY_BYTES);
             PageStore b = TestPages.open(dir.resolve("b"), CAPACITY_BYTES)) {
            assertEquals(new GroupDigest(0, 0), a.groupDigest(1, GROUP), "an empty group");

            putAll(a, keys, 1);
            List<PageKey> shuffled = new ArrayList<>(keys);
            Collections.shuffle(shuffled, new Random(42));
            putAll(b, shuffled, 1);
            ok(a.delete(keys.get(3), v(1, 5), false));
            ok(b.delete(keys.get(3), v(1, 5), false));

            GroupDigest da = a.groupDigest(1, GROUP);
            assertEquals(200, da.count());
            assertEquals(da, b.groupDigest(1, GROUP));

            ok(put(b, keys.get(7), v(1, 2), random(1, 16)));
            assertNotEquals(da, b.groupDigest(1, GROUP), "one newer version changes the digest");
            ok(put(a, keys.get(7), v(1, 2), random(2, 16)));
            assertEquals(a.groupDigest(1, GROUP), b.groupDigest(1, GROUP), "the digest covers versions, not bytes");

            ok(a.delete(keys.get(9), v(1, 3), false));
            ok(put(b, keys.get(9), v(1, 3), random(3, 16)));
            assertNotEquals(a.groupDigest(1, GROUP), b.groupDigest(1, GROUP), "a tombstone differs from a page");
            assertEquals(a.groupDigest(1, GROUP).count(), b.groupDigest(1, GROUP).count());
        }
    }
}
