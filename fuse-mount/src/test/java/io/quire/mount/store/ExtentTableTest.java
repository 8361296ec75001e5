package io.quire.mount.store;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Confined to the JUnit thread. The extent table against a set-of-pages model: random
 * allocations and releases of two files, every answer compared, runs always merged and apart.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExtentTableTest {
    private static final int PAGES = 300;

    @Test
    void randomAllocationsAndReleasesMatchASetOfPages(@TempDir Path dir) {
        for (long seed = 1; seed <= 20; seed++) {
            try (CacheEnv env = CacheEnv.open(dir.resolve("s" + seed), 16L << 20)) {
                run(env, seed);
            }
        }
    }

    private static void run(CacheEnv env, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        TreeSet<Long>[] model = new TreeSet[] {new TreeSet<Long>(), new TreeSet<Long>()};
        for (int step = 0; step < 400; step++) {
            int f = r.nextInt(2);
            long ino = 10 + f;
            String what;
            if (r.nextInt(4) != 0) {
                long first = r.nextInt(PAGES);
                long last = Math.min(PAGES - 1, first + (r.nextBoolean() ? 0 : r.nextInt(20)));
                long expect = 0;
                for (long p = first; p <= last; p++) {
                    expect += model[f].add(p) ? 1 : 0;
                }
                long got = env.write(w -> env.extents.allocate(w.txn, ino, first, last));
                what = "seed " + seed + " step " + step + " allocate " + first + ".." + last;
                assertEquals(expect, got, what);
            } else {
                long from = r.nextInt(PAGES + 10);
                long expect = model[f].tailSet(from).size();
                model[f].tailSet(from).clear();
                long got = env.write(w -> env.extents.release(w.txn, ino, from));
                what = "seed " + seed + " step " + step + " release from " + from;
                assertEquals(expect, got, what);
            }
            for (int g = 0; g < 2; g++) {
                check(env, 10 + g, model[g], r, what);
            }
        }
    }

    private static void check(CacheEnv env, long ino, TreeSet<Long> pages, SplittableRandom r, String what) {
        List<ExtentTable.Run> runs = env.read(txn -> env.extents.runs(txn, ino, 0, Long.MAX_VALUE));
        long total = 0;
        for (int i = 0; i < runs.size(); i++) {
            ExtentTable.Run run = runs.get(i);
            assertTrue(run.first() <= run.last(), what);
            if (i > 0) {
                assertTrue(runs.get(i - 1).last() + 1 < run.first(), what + ": runs overlap or touch: " + runs);
            }
            total += run.last() - run.first() + 1;
        }
        assertEquals(pages.size(), total, what);
        for (int k = 0; k < 10; k++) {
            long p = r.nextInt(PAGES + 5);
            assertEquals(pages.contains(p), env.read(txn -> env.extents.contains(txn, ino, p)), what + " page " + p);
            long a = r.nextInt(PAGES);
            long b = a + r.nextInt(50);
            long expect = pages.subSet(a, true, b, true).size();
            assertEquals(expect, (long) env.read(txn -> env.extents.allocated(txn, ino, a, b)), what);
        }
    }
}
