package io.quire.server.store;

import static io.quire.server.store.TestPages.ok;
import static io.quire.server.store.TestPages.put;
import static io.quire.server.store.TestPages.random;
import static io.quire.server.store.TestPages.repair;
import static io.quire.server.store.TestPages.status;
import static io.quire.server.store.TestPages.v;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quire.page.PageKey;
import io.quire.proto.Limits;
import io.quire.proto.Status;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group digests are scanned once and then kept current by the writer: after puts, overwrites,
 * superseded and repair writes, tombstones and volume deletion they equal what a scan computes,
 * also while digests are asked for during the writes; writes never cause a rescan, a clean close
 * saves them for the next open, and replacing a damaged header rescans its group. The install
 * protocol itself is checked step by step.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GroupDigestCacheTest {
    private static final long CAPACITY = 1L << 30;

    @TempDir
    Path dir;

    private static double scans(SimpleMeterRegistry registry) {
        return registry.get("quire.store.digest.scans").counter().count();
    }

    @Test
    void cachedDigestTracksEveryChange() {
        PageKey key = new PageKey(1, 5, 0);
        int group = key.group();
        GroupDigest empty;
        GroupDigest afterPut;
        GroupDigest afterOverwrite;
        GroupDigest afterDelete;
        try (LmdbPageStore store = TestPages.open(dir, CAPACITY)) {
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
        try (LmdbPageStore reopened = TestPages.open(dir, CAPACITY)) {
            assertEquals(afterDelete, reopened.scanDigest(1, group), "the kept digest agreed with a scan");
            assertEquals(afterDelete, reopened.groupDigest(1, group), "and was saved");
            ok(reopened.deleteVolume(1));
            assertEquals(0, reopened.groupDigest(1, group).count());
        }
    }

    @Test
    void writesKeepEveryDigestExactWithoutRescanning() {
        Random rnd = new Random(7);
        List<PageKey> keys = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            keys.add(new PageKey(1 + rnd.nextInt(2), 1 + rnd.nextInt(40), rnd.nextInt(200)));
        }
        Map<PageKey, Long> seq = new HashMap<>();
        Map<String, GroupDigest> kept = new HashMap<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (LmdbPageStore store = LmdbPageStore.open(dir, CAPACITY, registry)) {
            for (PageKey k : keys.subList(0, 200)) {
                ok(put(store, k, v(1, seq.merge(k, 1L, Long::sum)), random(k.hashCode(), 100)));
            }
            for (long vol = 1; vol <= 2; vol++) {
                for (int g = 0; g < Limits.PAGE_GROUPS_PER_VOLUME; g++) {
                    store.groupDigest(vol, g);
                }
            }
            double scansAfterFirstRound = scans(registry);
            assertEquals(2.0 * Limits.PAGE_GROUPS_PER_VOLUME, scansAfterFirstRound, "each group scanned once");

            for (int i = 0; i < 600; i++) {
                PageKey k = keys.get(rnd.nextInt(keys.size()));
                int op = rnd.nextInt(10);
                long s = seq.getOrDefault(k, 0L);
                CompletableFuture<Void> f;
                if (op < 5 || s == 0) {
                    f = put(store, k, v(1, s + 1), random(i, 1 + rnd.nextInt(300)));
                    seq.put(k, s + 1);
                } else if (op < 7) {
                    f = store.delete(k, v(1, s + 1), false);
                    seq.put(k, s + 1);
                } else if (op < 9) {
                    f = put(store, k, v(1, s), random(i, 10)); // superseded: changes nothing
                } else {
                    f = repair(store, k, v(1, s + 1), random(i, 20));
                    seq.put(k, s + 1);
                }
                Status st = status(f);
                assertTrue(st == Status.OK, "op " + i + " on " + k + ": " + st);
                if (i % 100 == 0) {
                    PageKey probe = keys.get(rnd.nextInt(keys.size()));
                    store.groupDigest(probe.volumeId(), probe.group());
                }
            }
            for (PageKey k : keys) {
                kept.put(k.volumeId() + "/" + k.group(), store.groupDigest(k.volumeId(), k.group()));
            }
            assertEquals(scansAfterFirstRound, scans(registry), "writes are applied to kept digests, never rescanned");
        }
        try (LmdbPageStore reopened = TestPages.open(dir, CAPACITY)) {
            for (Map.Entry<String, GroupDigest> e : kept.entrySet()) {
                String[] p = e.getKey().split("/");
                assertEquals(e.getValue(), reopened.scanDigest(Long.parseLong(p[0]), Integer.parseInt(p[1])),
                        "group " + e.getKey() + ": kept digest against a fresh scan");
            }
        }
    }

    @Test
    void digestsAskedForDuringWritesStayExact() throws Exception {
        List<PageKey> keys = new ArrayList<>();
        for (long inode = 1; inode <= 6; inode++) {
            for (long index = 0; index < 48; index++) {
                keys.add(new PageKey(1, inode, index));
            }
        }
        TreeSet<Integer> groups = new TreeSet<>();
        keys.forEach(k -> groups.add(k.group()));
        Map<Integer, GroupDigest> kept = new HashMap<>();
        try (LmdbPageStore store = TestPages.open(dir, CAPACITY)) {
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicInteger asked = new AtomicInteger();
            Thread asker = new Thread(() -> {
                while (writing.get()) {
                    for (int g : groups) {
                        store.groupDigest(1, g);
                        asked.incrementAndGet();
                    }
                }
            });
            asker.start();
            List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int id = t;
                writers.add(new Thread(() -> {
                    Random rnd = new Random(id);
                    for (int i = 0; i < 400; i++) {
                        PageKey k = keys.get(rnd.nextInt(keys.size()));
                        // Versions unique per writer; which one wins does not matter, only that every
                        // replica would compute the same digest from what is stored.
                        long s = 1 + i * 3L + id;
                        CompletableFuture<Void> f = rnd.nextInt(4) == 0
                                ? store.delete(k, v(1, s), false) : put(store, k, v(1, s), random(s, 64));
                        status(f);
                    }
                }));
            }
            writers.forEach(Thread::start);
            for (Thread w : writers) {
                w.join(TimeUnit.SECONDS.toMillis(40));
            }
            writing.set(false);
            asker.join(TimeUnit.SECONDS.toMillis(10));
            assertTrue(asked.get() > groups.size(), "digests were asked for during the writes");
            for (int g : groups) {
                kept.put(g, store.groupDigest(1, g));
            }
        }
        try (LmdbPageStore reopened = TestPages.open(dir, CAPACITY)) {
            for (int g : groups) {
                assertEquals(kept.get(g), reopened.scanDigest(1, g), "group " + g + ": kept digest against a fresh scan");
            }
        }
    }

    @Test
    void aCleanCloseSavesTheDigestsSoTheNextOpenScansNothing() {
        Random rnd = new Random(11);
        Map<Integer, GroupDigest> before = new HashMap<>();
        try (LmdbPageStore store = TestPages.open(dir, CAPACITY)) {
            for (int i = 0; i < 300; i++) {
                ok(put(store, new PageKey(1, 1 + rnd.nextInt(50), rnd.nextInt(100)), v(1, 1 + i), random(i, 64)));
            }
            for (int g = 0; g < Limits.PAGE_GROUPS_PER_VOLUME; g++) {
                before.put(g, store.groupDigest(1, g));
            }
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (LmdbPageStore reopened = LmdbPageStore.open(dir, CAPACITY, registry)) {
            for (int g = 0; g < Limits.PAGE_GROUPS_PER_VOLUME; g++) {
                assertEquals(before.get(g), reopened.groupDigest(1, g), "group " + g + " as saved");
            }
            assertEquals(0.0, scans(registry), "nothing scanned after a clean close");
            for (int i = 0; i < 200; i++) {
                PageKey k = new PageKey(1, 1 + rnd.nextInt(60), rnd.nextInt(100));
                ok(rnd.nextBoolean() ? put(reopened, k, v(2, 1 + i), random(i, 32)) : reopened.delete(k, v(2, 1 + i), false));
            }
            for (int g = 0; g < Limits.PAGE_GROUPS_PER_VOLUME; g++) {
                assertEquals(reopened.scanDigest(1, g), reopened.groupDigest(1, g), "group " + g + ": loaded, then kept current");
            }
            assertEquals(0.0, scans(registry));
        }
    }

    @Test
    void replacingADamagedHeaderRescansItsGroup() throws Exception {
        PageKey key = new PageKey(1, 9, 3);
        long epoch = 0x1122334455667788L;
        long seq = 0x0102030405060708L;
        byte[] data = random(5, 2000);
        try (LmdbPageStore store = TestPages.open(dir, CAPACITY)) {
            ok(put(store, key, v(epoch, seq), data));
            store.groupDigest(1, key.group()); // kept, then saved by the clean close
        }
        // The flags byte precedes (epoch, seq) in the header: an unknown flag damages the header.
        byte[] pattern = ByteBuffer.allocate(16).putLong(epoch).putLong(seq).array();
        byte[] file = Files.readAllBytes(dir.resolve("data.mdb"));
        int at = -1;
        for (int i = 1; i + pattern.length <= file.length && at < 0; i++) {
            if (Arrays.equals(file, i, i + pattern.length, pattern, 0, pattern.length)) {
                at = i;
            }
        }
        assertTrue(at > 0, "header found in data.mdb");
        try (RandomAccessFile raf = new RandomAccessFile(dir.resolve("data.mdb").toFile(), "rw")) {
            raf.seek(at - 1);
            raf.write(0x80);
        }
        try (LmdbPageStore store = TestPages.open(dir, CAPACITY)) {
            ok(repair(store, key, v(epoch, seq), data)); // the same version from another replica
            assertEquals(store.scanDigest(1, key.group()), store.groupDigest(1, key.group()),
                    "the damaged entry's part of the kept digest was unknown: rescanned, not guessed");
        }
    }

    // ---- the protocol between scans and commits, step by step (no store)

    private static final GroupDigest SCANNED = new GroupDigest(10, 1000);

    @Test
    void aScanIsKeptAndThenMovedByEachCommit() {
        GroupDigestCache cache = new GroupDigestCache();
        AtomicInteger scans = new AtomicInteger();
        assertEquals(SCANNED, cache.get(1, 3, () -> { scans.incrementAndGet(); return SCANNED; }));
        cache.begin(1, 3);
        cache.end(1, 3, 1, 5);
        assertEquals(new GroupDigest(11, 1005), cache.get(1, 3, () -> { scans.incrementAndGet(); return SCANNED; }));
        assertEquals(1, scans.get());
        cache.begin(1, 3);
        cache.abort(1, 3);
        assertEquals(SCANNED, cache.get(1, 3, () -> { scans.incrementAndGet(); return SCANNED; }), "rescanned after an abort");
        cache.invalidate(1, 3);
        cache.get(1, 3, () -> { scans.incrementAndGet(); return SCANNED; });
        cache.volumeChanged(1);
        cache.get(1, 3, () -> { scans.incrementAndGet(); return SCANNED; });
        assertEquals(4, scans.get(), "invalidations and volume changes rescan");
    }

    @Test
    void aScanRacingACommitIsReturnedButNotKept() {
        GroupDigestCache cache = new GroupDigestCache();
        // A commit begins during the scan: the snapshot may or may not hold it.
        assertEquals(SCANNED, cache.get(1, 3, () -> { cache.begin(1, 3); return SCANNED; }));
        cache.end(1, 3, 1, 5);
        AtomicInteger scans = new AtomicInteger();
        cache.get(1, 3, () -> { scans.incrementAndGet(); return SCANNED; });
        assertEquals(1, scans.get(), "not kept: the next call scans");

        // A commit begins and ends during the scan.
        GroupDigestCache c2 = new GroupDigestCache();
        c2.get(2, 0, () -> { c2.begin(2, 0); c2.end(2, 0, 1, 1); return SCANNED; });
        assertEquals(new GroupDigest(0, 0), c2.get(2, 0, () -> new GroupDigest(0, 0)), "not kept");

        // A commit in flight when the scan starts, ending after it.
        GroupDigestCache c3 = new GroupDigestCache();
        c3.begin(4, 1);
        c3.get(4, 1, () -> SCANNED);
        c3.end(4, 1, 1, 1);
        assertEquals(new GroupDigest(0, 0), c3.get(4, 1, () -> new GroupDigest(0, 0)), "not kept");
        assertEquals(new GroupDigest(0, 0), c3.get(4, 1, () -> SCANNED), "the second, quiet scan was kept");
    }
}
