package io.quire.server.store;

import static io.quire.server.store.TestPages.ok;
import static io.quire.server.store.TestPages.put;
import static io.quire.server.store.TestPages.random;
import static io.quire.server.store.TestPages.repair;
import static io.quire.server.store.TestPages.v;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quire.page.PageKey;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Confined to JUnit's thread. A page damaged on disk is never returned: get, scrub and repair all see it. */
@Timeout(60)
class LmdbPageStoreCorruptionTest {
    private static final long CAPACITY_BYTES = 64L << 20;
    private static final int PAGE_BYTES = 65536;
    /** Bytes of page data searched for in the file: random, so they occur once. */
    private static final int PATTERN_BYTES = 64;

    @TempDir
    Path dir;

    /** Flips one byte of {@code data}'s middle where it is stored in data.mdb; fails unless found once. */
    private static void flipStoredByte(Path dir, byte[] data) throws IOException {
        byte[] pattern = Arrays.copyOfRange(data, data.length / 2, data.length / 2 + PATTERN_BYTES);
        byte[] file = Files.readAllBytes(dir.resolve("data.mdb"));
        long at = -1;
        int matches = 0;
        for (int i = 0; i + pattern.length <= file.length; i++) {
            if (file[i] == pattern[0] && Arrays.equals(file, i, i + pattern.length, pattern, 0, pattern.length)) {
                at = i;
                matches++;
            }
        }
        assertEquals(1, matches, "the page's bytes occur once in data.mdb");
        try (RandomAccessFile raf = new RandomAccessFile(dir.resolve("data.mdb").toFile(), "rw")) {
            raf.seek(at + PATTERN_BYTES / 2);
            int b = raf.read();
            raf.seek(at + PATTERN_BYTES / 2);
            raf.write(b ^ 0x10);
            raf.getFD().sync();
        }
    }

    @Test
    void aFlippedByteIsCorruptOnGetAndInScrubAndRepairReplacesIt() throws IOException {
        PageKey bad = new PageKey(1, 3, 5);
        PageKey good = new PageKey(1, 3, 6);
        byte[] data = random(7, PAGE_BYTES);
        byte[] other = random(8, PAGE_BYTES);
        try (PageStore store = TestPages.open(dir, CAPACITY_BYTES)) {
            ok(put(store, bad, v(2, 1), data));
            ok(put(store, good, v(2, 1), other));
        }
        flipStoredByte(dir, data);

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (PageStore store = LmdbPageStore.open(dir, LmdbStoreConfig.forCapacity(CAPACITY_BYTES), registry)) {
            List<PageKey> reported = new CopyOnWriteArrayList<>();
            store.setCorruptionListener(reported::add);

            QuireException e = assertThrows(QuireException.class, () -> store.get(bad));
            assertEquals(Status.CORRUPT, e.status());
            assertEquals(List.of(bad), reported);
            assertEquals(1.0, registry.get("quire.store.corrupt").counter().count());
            assertArrayEquals(other, store.get(good).data(), "the neighbour is intact");

            ScrubResult first = store.scrub(ScrubCursor.START, 1);
            ScrubResult second = store.scrub(first.next(), 1);
            assertEquals(1, first.pagesChecked());
            assertEquals(1, first.corruptPages(), "keys are scrubbed in order: the damaged page first");
            assertEquals(0, second.corruptPages());
            assertTrue(second.wrapped());
            assertEquals(ScrubCursor.START, second.next());
            assertEquals(List.of(bad, bad), reported);

            // The listing still shows the version, so repair compares it like any other entry.
            assertTrue(store.listVersions(1, bad.group(), null, 10).entries().stream()
                    .anyMatch(x -> x.pageIndex() == 5 && x.version().equals(v(2, 1))));

            // Repair brings the same version from another replica: a damaged copy never blocks it.
            ok(repair(store, bad, v(2, 1), data));
            assertArrayEquals(data, store.get(bad).data());
            ScrubResult clean = store.scrub(ScrubCursor.START, 100);
            assertEquals(2, clean.pagesChecked());
            assertEquals(0, clean.corruptPages());
            assertTrue(clean.wrapped());
            assertEquals(2L * PAGE_BYTES, store.usedBytes(), "replacing the damaged copy keeps usage right");
        }
    }

    @Test
    void scrubWalksTheWholeStoreInBoundedStepsAndWraps() {
        try (PageStore store = TestPages.open(dir, CAPACITY_BYTES)) {
            for (int i = 0; i < 50; i++) {
                ok(put(store, new PageKey(i % 3, i, 0), v(1, 1), random(i, 100)));
            }
            ok(store.delete(new PageKey(0, 0, 0), v(1, 2), false));
            ScrubCursor cursor = ScrubCursor.START;
            int checked = 0;
            int steps = 0;
            boolean wrapped = false;
            while (!wrapped && steps < 100) {
                ScrubResult r = store.scrub(cursor, 7);
                checked += r.pagesChecked();
                assertEquals(0, r.corruptPages());
                wrapped = r.wrapped();
                cursor = r.next();
                steps++;
            }
            assertEquals(50, checked, "every entry once, tombstones included");
            assertEquals(8, steps);
            assertEquals(ScrubCursor.START, cursor);
        }
    }
}
