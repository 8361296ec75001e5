package io.quire.server.store;

import static io.quire.server.store.TestPages.put;
import static io.quire.server.store.TestPages.random;
import static io.quire.server.store.TestPages.v;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quire.page.PageKey;
import io.quire.proto.Status;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Confined to JUnit's thread (plus its own pool). Many writers at once: group commit batches them,
 * and a full queue answers OVERLOADED.
 */
@Timeout(60)
class LmdbPageStoreConcurrencyTest {
    private static final int THREADS = 8;
    private static final int PUTS_PER_THREAD = 100;
    private static final int PAGE_BYTES = 65536;

    @TempDir
    Path dir;

    @Test
    void concurrentPutsAreGroupCommitted() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        byte[][] data = new byte[THREADS][];
        for (int t = 0; t < THREADS; t++) {
            data[t] = random(t, PAGE_BYTES);
        }
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (PageStore store = LmdbPageStore.open(dir, LmdbStoreConfig.forCapacity(1L << 30), registry)) {
            long start = System.nanoTime();
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                // Each thread waits for its own put, as a connection's worker would for one request.
                workers.add(pool.submit(() -> {
                    for (int i = 0; i < PUTS_PER_THREAD; i++) {
                        TestPages.ok(put(store, new PageKey(1, thread, i), v(1, i), data[thread]));
                    }
                }));
            }
            for (Future<?> w : workers) {
                w.get(TestPages.WAIT_SECONDS, TimeUnit.SECONDS);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            int puts = THREADS * PUTS_PER_THREAD;
            long commits = registry.get("quire.store.commit").timer().count();
            System.out.printf("%d puts of %d KiB from %d threads in %.2f s: %.0f puts/s, %d commits%n",
                    puts, PAGE_BYTES / 1024, THREADS, seconds, puts / seconds, commits);

            assertTrue(commits < puts, "group commit: " + commits + " commits for " + puts + " puts");
            assertEquals((long) puts * PAGE_BYTES, store.usedBytes());
            for (int t = 0; t < THREADS; t++) {
                assertArrayEquals(data[t], store.get(new PageKey(1, t, PUTS_PER_THREAD - 1)).data());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFullQueueAnswersOverloadedAndTheRestSucceed() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        LmdbStoreConfig config = LmdbStoreConfig.forCapacity(1L << 30).withQueue(1, 0);
        try (PageStore store = LmdbPageStore.open(dir, config, registry)) {
            byte[] data = random(1, 4096);
            List<CompletableFuture<Void>> futures = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                futures.add(put(store, new PageKey(1, 1, i), v(1, 1), data));
            }
            Map<Status, Integer> outcomes = new EnumMap<>(Status.class);
            for (CompletableFuture<Void> f : futures) {
                outcomes.merge(TestPages.status(f), 1, Integer::sum);
            }
            assertTrue(Set.of(Status.OK, Status.OVERLOADED).containsAll(outcomes.keySet()), outcomes.toString());
            assertTrue(outcomes.getOrDefault(Status.OK, 0) >= 1, outcomes.toString());
            assertTrue(outcomes.getOrDefault(Status.OVERLOADED, 0) >= 1, outcomes.toString());
            assertEquals(outcomes.get(Status.OVERLOADED).doubleValue(),
                    registry.get("quire.store.overloaded").counter().count());
            assertEquals(outcomes.get(Status.OK).longValue(), store.pageCount());
        }
    }
}
