package io.quire.cli;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quire.client.CatalogClient;
import io.quire.client.ClusterMapCache;
import io.quire.client.QuorumReplicatedPages;
import io.quire.cluster.Volume;
import io.quire.page.Page;
import io.quire.page.PageKey;
import io.quire.page.PageVersion;
import io.quire.proto.Json;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code quire bench pages}: writes then reads pages through the replicated client and reports
 * throughput and latency; with {@code --verify} every page read back is compared byte for byte.
 * Not thread-safe (one run per process); the worker threads share only atomic counters.
 *
 * <p>Pages go to a fresh inode number in the volume's reserved bench range so runs never touch
 * file data; they are deleted afterwards unless {@code --keep}.
 */
@Command(name = "pages", description = "Write and read pages through the replicated client; print MB/s and latency.",
        mixinStandardHelpOptions = true, sortOptions = false)
final class BenchPagesCommand implements Callable<Integer> {
    /** Inodes at or above this are never allocated by mounts; the bench uses them. */
    static final long BENCH_INODE_BASE = io.quire.page.ReservedInodes.BENCH_BASE;
    static final int PAGES_MAX = 10_000_000;
    static final int THREADS_MAX = 256;

    @Mixin CatalogOptions catalog;
    @Spec CommandSpec spec;

    @Option(names = "--volume", required = true, paramLabel = "NAME") String volumeName;
    @Option(names = "--pages", defaultValue = "10000", paramLabel = "N", description = "Pages to write and read (default: ${DEFAULT-VALUE}).") int pages;
    @Option(names = "--page-size", converter = Sizes.class, paramLabel = "SIZE", description = "Bytes per page (default: the volume's page size).") Long pageSize;
    @Option(names = "--threads", defaultValue = "1", paramLabel = "T", description = "Concurrent writers/readers (default: ${DEFAULT-VALUE}).") int threads;
    @Option(names = "--verify", description = "Read every page back and compare bytes; exit non-zero on any mismatch.") boolean verify;
    @Option(names = "--keep", description = "Keep the pages written instead of deleting them afterwards.") boolean keep;

    @Override
    public Integer call() throws Exception {
        if (pages < 1 || pages > PAGES_MAX) {
            throw new IllegalArgumentException("--pages must be 1.." + PAGES_MAX);
        }
        if (threads < 1 || threads > THREADS_MAX) {
            throw new IllegalArgumentException("--threads must be 1.." + THREADS_MAX);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (CatalogOptions.Session s = catalog.open();
             ClusterMapCache maps = new ClusterMapCache(s.catalog())) {
            maps.refresh();
            maps.startPolling(1000);
            Volume volume = maps.map().volume(volumeName).orElseThrow(() ->
                    new QuireException(Status.NO_SUCH_VOLUME, "no volume named '" + volumeName + "'"));
            int size = pageSize == null ? volume.pageSizeBytes() : (int) Math.min(Integer.MAX_VALUE, pageSize);
            if (size < 1 || size > io.quire.proto.Limits.PAGE_SIZE_MAX_BYTES) {
                throw new IllegalArgumentException("--page-size must be 1.." + io.quire.proto.Limits.PAGE_SIZE_MAX_BYTES);
            }
            long inode = BENCH_INODE_BASE + (System.nanoTime() & 0xFFFF_FFFFL);
            PageVersion version = new PageVersion(volume.leaseEpoch(), 1);
            long seed = System.nanoTime();
            try (QuorumReplicatedPages client = new QuorumReplicatedPages(s.pool(), maps,
                    QuorumReplicatedPages.Config.DEFAULT, new SimpleMeterRegistry())) {
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                try {
                    Phase write = run(pool, pages, i -> {
                        PageKey key = new PageKey(volume.id(), inode, i);
                        CatalogClient.await(client.write(key, version, content(seed, i, size)), 120_000);
                        return true;
                    });
                    Phase read = run(pool, pages, i -> {
                        Optional<Page> page = CatalogClient.await(client.read(new PageKey(volume.id(), inode, i)), 120_000);
                        return !verify || (page.isPresent() && page.get().data().equals(content(seed, i, size)));
                    });
                    if (!keep) {
                        run(pool, pages, i -> {
                            CatalogClient.await(client.delete(new PageKey(volume.id(), inode, i),
                                    new PageVersion(volume.leaseEpoch(), 2)), 120_000);
                            return true;
                        });
                    }
                    report(out, volume, size, write, read);
                    if (verify && read.failures > 0) {
                        spec.commandLine().getErr().println("quire: " + read.failures + " of " + pages
                                + " pages did not read back as written");
                        spec.commandLine().getErr().flush();
                        return QuireCli.EXIT_FAILED;
                    }
                } finally {
                    pool.shutdownNow();
                }
            }
        }
        return 0;
    }

    /** Deterministic page content for (seed, index): verification needs no stored copy. */
    static ByteBuffer content(long seed, long index, int size) {
        byte[] bytes = new byte[size];
        new SplittableRandom(seed ^ (index * 0x9E3779B97F4A7C15L)).nextBytes(bytes);
        return ByteBuffer.wrap(bytes);
    }

    interface PageOp {
        boolean apply(long index) throws Exception;
    }

    /** Timing of one phase: wall time, per-op latencies, failed verifications. */
    record Phase(long nanos, long[] latencies, long failures) {
        double percentileMs(double p) {
            int i = (int) Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1);
            return latencies[Math.max(0, i)] / 1e6;
        }
    }

    private Phase run(ExecutorService pool, int n, PageOp op) throws Exception {
        long[] latencies = new long[n];
        AtomicLong nextIndex = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        long start = System.nanoTime();
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(pool.submit(() -> {
                for (long i = nextIndex.getAndIncrement(); i < n; i = nextIndex.getAndIncrement()) {
                    long t0 = System.nanoTime();
                    if (!op.apply(i)) {
                        failures.incrementAndGet();
                    }
                    latencies[(int) i] = System.nanoTime() - t0;
                }
                return null;
            }));
        }
        for (Future<?> w : workers) {
            try {
                w.get();
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof QuireException q) {
                    throw q;
                }
                throw e;
            }
        }
        long elapsed = System.nanoTime() - start;
        Arrays.sort(latencies);
        return new Phase(elapsed, latencies, failures.get());
    }

    private void report(PrintWriter out, Volume volume, int size, Phase write, Phase read) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("volume", volume.name());
        result.put("replicas", volume.replicas());
        result.put("writeQuorum", volume.writeQuorum());
        result.put("pages", pages);
        result.put("pageSizeBytes", size);
        result.put("threads", threads);
        result.put("write", phaseJson(write, size));
        result.put("read", phaseJson(read, size));
        result.put("verified", verify);
        result.put("mismatches", read.failures);
        if (catalog.json) {
            out.println(Json.pretty(result));
        } else {
            out.printf("volume %s (R=%d, W=%d), %d pages of %s, %d thread(s)%n", volume.name(), volume.replicas(),
                    volume.writeQuorum(), pages, Sizes.format(size), threads);
            Table t = new Table("PHASE", "MB/s", "PAGES/s", "p50 ms", "p99 ms");
            for (Map.Entry<String, Phase> e : Map.of("write", write, "read", read).entrySet().stream()
                    .sorted(Map.Entry.<String, Phase>comparingByKey().reversed()).toList()) {
                Phase p = e.getValue();
                t.row(e.getKey(), String.format("%.1f", mbPerSec(p, size)), String.format("%.0f", pages / (p.nanos / 1e9)),
                        String.format("%.3f", p.percentileMs(0.50)), String.format("%.3f", p.percentileMs(0.99)));
            }
            t.print(out);
            if (verify) {
                out.println(read.failures == 0 ? "verify: all " + pages + " pages read back byte-exact"
                        : "verify: " + read.failures + " MISMATCHES");
            }
        }
        out.flush();
    }

    private Map<String, Object> phaseJson(Phase p, int size) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seconds", p.nanos / 1e9);
        m.put("mbPerSecond", mbPerSec(p, size));
        m.put("pagesPerSecond", pages / (p.nanos / 1e9));
        m.put("p50Ms", p.percentileMs(0.50));
        m.put("p99Ms", p.percentileMs(0.99));
        return m;
    }

    private double mbPerSec(Phase p, int size) {
        return (double) pages * size / 1e6 / (p.nanos / 1e9);
    }
}
