package io.quire.server.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quire.cluster.CreateVolumeRequest;
import io.quire.cluster.Volume;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Runs commands from several threads at once: each gets its own index and id. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConcurrentProposalsTest {
    private static final int THREADS = 4;
    private static final int VOLUMES_PER_THREAD = 25;

    @TempDir
    Path dir;

    @Test
    void concurrentCommandsGetDistinctIndexesAndIdsAndReplayToTheSameState() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (CatalogFixture f = new CatalogFixture(dir, CatalogConfig.DEFAULTS.withSnapshotIntervalEntries(30))) {
            List<Future<List<Long>>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    List<Long> ids = new ArrayList<>();
                    for (int i = 0; i < VOLUMES_PER_THREAD; i++) {
                        Volume v = f.catalog.createVolume(new CreateVolumeRequest("t" + thread + "-" + i, 1L << 30, 0, 0, 0, 0));
                        ids.add(v.id());
                        f.catalog.clusterMap();
                    }
                    return ids;
                }));
            }
            List<Long> all = new ArrayList<>();
            for (Future<List<Long>> r : results) {
                all.addAll(r.get(20, TimeUnit.SECONDS));
            }
            int total = THREADS * VOLUMES_PER_THREAD;
            assertEquals(total, all.stream().distinct().count());
            assertEquals(total, f.catalog.state().lastAppliedIndex());
            CatalogSnapshot live = f.catalog.state();
            f.reopen();
            assertEquals(live, f.catalog.state());
        } finally {
            pool.shutdownNow();
        }
    }
}
