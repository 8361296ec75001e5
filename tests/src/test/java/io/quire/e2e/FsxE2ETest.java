package io.quire.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.quire.e2e.fsx.FileExerciser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model-based file exerciser ({@link FileExerciser}) against real mounts of a real
 * three-server cluster, and once against the kernel's own file system to check the exerciser.
 *
 * <p>CI runs a few seeds of a few thousand operations each, covering 4 KiB and 64 KiB pages, a
 * cache small enough to evict, an immediate and a delayed write-back, and remounts with the
 * cache kept and emptied. {@code tests/fsx} runs any number of operations on demand; it sets
 * these system properties: {@code quire.fsx.seeds} (comma-separated), {@code quire.fsx.ops}
 * (per seed), {@code quire.fsx.mmap} (default true), {@code quire.fsx.parallel} (seeds run at
 * once, each on its own volume and mount; default 1).
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class FsxE2ETest {
    private static final long CI_OPS = 3_000;
    private static final String SUMMARY = "FSX-SUMMARY ";

    @TempDir
    static Path root;
    static ClusterFixture cluster;
    private static final AtomicInteger volumes = new AtomicInteger();

    @BeforeAll
    static void startCluster() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/fuse")), "/dev/fuse is needed for mount tests");
        cluster = ClusterFixture.start(root, 3);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** How one seed's mount is set up: derived from the seed, so that a replay mounts the same way. */
    record Setup(int pageBytes, long cacheBytes, long writebackDelayMs, int remountEvery, int ballastEvery,
                 long ballastBytes) {
        static Setup of(long seed, long ops) {
            boolean small = seed % 2 == 1;
            int pageBytes = small ? 4096 : 65536;
            long cacheBytes = 16L << 20; // the smallest quire mount allows
            long delayMs = seed % 3 == 0 ? 0 : 5000;
            int remountEvery = (int) Math.max(500, Math.min(5_000, ops / 3));
            int ballastEvery = Boolean.parseBoolean(System.getProperty("quire.fsx.ballast", "true")) ? 1_000 : 0;
            return new Setup(pageBytes, cacheBytes, delayMs, remountEvery, ballastEvery, cacheBytes + cacheBytes / 2);
        }
    }

    @Test
    void theExerciserAgreesWithTheKernelsOwnFileSystem(@TempDir Path dir) throws Exception {
        FileExerciser.Summary s = new FileExerciser(dir, FileExerciser.Options.defaults(11, 5_000, 4096),
                FileExerciser.NO_REMOUNT).run();
        System.out.println(s);
    }

    @Test
    void seedsAgainstARealMount() throws Exception {
        long ops = Long.getLong("quire.fsx.ops", CI_OPS);
        boolean mmap = Boolean.parseBoolean(System.getProperty("quire.fsx.mmap", "true"));
        List<Long> seeds = Arrays.stream(System.getProperty("quire.fsx.seeds", "1,2,3").split(","))
                .map(String::strip).map(Long::parseLong).toList();
        int parallel = Math.max(1, Integer.getInteger("quire.fsx.parallel", 1));
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallel, seeds.size()));
        try {
            List<Future<FileExerciser.Summary>> runs = new ArrayList<>();
            for (long seed : seeds) {
                runs.add(pool.submit(() -> runSeed(seed, ops, mmap)));
            }
            for (Future<FileExerciser.Summary> run : runs) {
                try {
                    run.get();
                } catch (ExecutionException e) {
                    pool.shutdownNow();
                    if (e.getCause() instanceof Error err) {
                        throw err;
                    }
                    throw (Exception) e.getCause();
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private FileExerciser.Summary runSeed(long seed, long ops, boolean mmap) throws Exception {
        Setup setup = Setup.of(seed, ops);
        String volume = "fsx" + volumes.incrementAndGet();
        ClusterFixture.Result created = cluster.cli("volume", "create", volume, "--size", "4G",
                "--page-size", Integer.toString(setup.pageBytes()));
        assertEquals(0, created.exit(), created.err());
        Path work = Files.createDirectories(root.resolve(volume));
        Path mnt = Files.createDirectories(work.resolve("mnt"));
        long start = System.nanoTime();
        try (MountFixture mounts = new MountFixture(cluster, work)) {
            int[] caches = {0};
            String[] extra = {"--cache-size", Long.toString(setup.cacheBytes()),
                    "--writeback-delay-ms", Long.toString(setup.writebackDelayMs())};
            mount(mounts, volume, mnt, work.resolve("cache-0"), extra);
            FileExerciser.Host host = emptyCache -> {
                ClusterFixture.Result u = mounts.umount(mnt);
                assertEquals(0, u.exit(), "quire umount: " + u.err());
                if (emptyCache) {
                    caches[0]++;
                }
                mount(mounts, volume, mnt, work.resolve("cache-" + caches[0]), extra);
            };
            FileExerciser.Options options = FileExerciser.Options.defaults(seed, ops, setup.pageBytes())
                    .withMmap(mmap)
                    .withRemountEvery(setup.remountEvery())
                    .withBallast(setup.ballastEvery(), setup.ballastBytes());
            FileExerciser.Summary s;
            try {
                s = new FileExerciser(mnt, options, host, FsxE2ETest::progress).run();
            } catch (AssertionError | Exception e) {
                System.out.println("setup of seed " + seed + ": " + setup);
                mounts.dumpLogs();
                throw e;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            progress(s + String.format(" in %.1f s, %s", seconds, setup));
            System.out.printf("%s{\"seed\":%d,\"ops\":%d,\"remounts\":%d,\"mibChecked\":%d,\"seconds\":%.1f,"
                            + "\"pageBytes\":%d,\"cacheBytes\":%d,\"writebackDelayMs\":%d,\"mmap\":%b}%n", SUMMARY,
                    seed, s.ops(), s.remounts(), s.bytesChecked() >> 20, seconds, setup.pageBytes(),
                    setup.cacheBytes(), setup.writebackDelayMs(), mmap);
            return s;
        }
    }

    /**
     * A progress line: to stdout, and appended to {@code quire.fsx.progressFile} when set (Maven
     * keeps a test's stdout until it ends; tests/fsx follows that file instead).
     */
    private static synchronized void progress(String line) {
        System.out.println(line);
        String file = System.getProperty("quire.fsx.progressFile");
        if (file != null && !file.isEmpty()) {
            try {
                Files.writeString(Path.of(file), line + System.lineSeparator(), java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND);
            } catch (java.io.IOException e) {
                System.out.println("cannot write progress to " + file + ": " + e);
            }
        }
    }

    private static void mount(MountFixture mounts, String volume, Path mnt, Path cache, String[] extra)
            throws Exception {
        ClusterFixture.Result r = mounts.mount(volume, mnt, cache, extra);
        assertEquals(0, r.exit(), "quire mount: " + r.err());
    }
}
