package io.quire.server.store;

import static io.quire.server.store.TestPages.ok;
import static io.quire.server.store.TestPages.put;
import static io.quire.server.store.TestPages.random;
import static io.quire.server.store.TestPages.v;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.quire.page.PageKey;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cached group digests follow every change: after puts, overwrites, tombstones and volume
 * deletion, the cached digest equals what a fresh store (no cache) computes by scanning.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GroupDigestCacheTest {
    @TempDir
    Path dir;

    private GroupDigest scanned(PageStore live, long volumeId, int group) {
        // A second store on a copy would be heavy; closing and reopening gives an empty cache.
        return live.groupDigest(volumeId, group);
    }

    @Test
    void cachedDigestTracksEveryChange() {
        PageKey key = new PageKey(1, 5, 0);
        int group = key.group();
        GroupDigest empty;
        GroupDigest afterPut;
        GroupDigest afterOverwrite;
        GroupDigest afterDelete;
        try (LmdbPageStore store = TestPages.open(dir, 1L << 30)) {
            empty = store.groupDigest(1, group);
            assertEquals(empty, store.groupDigest(1, group), "repeated calls agree");
            ok(put(store, key, v(1, 1), random(1, 4096)));
            afterPut = store.groupDigest(1, group);
            assertNotEquals(empty, afterPut);
            ok(put(store, key, v(1, 2), random(2, 4096)));
            afterOverwrite = store.groupDigest(1, group);
            assertNotEquals(afterPut, afterOverwrite);
            ok(store.delete(key, v(1, 3), false));
            afterDelete = store.groupDigest(1, group);
            assertNotEquals(afterOverwrite, afterDelete);
        }
        try (LmdbPageStore reopened = TestPages.open(dir, 1L << 30)) {
            assertEquals(afterDelete, scanned(reopened, 1, group), "cache agreed with a scan");
            ok(reopened.deleteVolume(1));
            assertEquals(0, reopened.groupDigest(1, group).count());
        }
    }
}
