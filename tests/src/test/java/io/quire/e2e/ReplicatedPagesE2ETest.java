package io.quire.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quire.client.CatalogClient;
import io.quire.client.ClusterMapCache;
import io.quire.client.QuorumReplicatedPages;
import io.quire.cluster.ServerEntry;
import io.quire.cluster.Volume;
import io.quire.net.ConnectionPool;
import io.quire.page.Page;
import io.quire.page.PageKey;
import io.quire.page.PageVersion;
import io.quire.proto.Frame;
import io.quire.proto.Opcode;
import io.quire.proto.PageMessages;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replication end to end: three real server processes on loopback, R=3/W=2 volumes, the quorum
 * client. Covers bulk write/read, a server killed mid-stream and its catch-up, and on-disk
 * corruption being hidden and repaired.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ReplicatedPagesE2ETest {
    private static final int WINDOW = 64;

    @TempDir
    static Path root;
    static ClusterFixture cluster;
    static ConnectionPool pool;
    static ClusterMapCache maps;
    static QuorumReplicatedPages pages;
    private static boolean failed;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = ClusterFixture.start(root, 3);
        pool = new ConnectionPool();
        maps = new ClusterMapCache(new CatalogClient(pool, cluster.catalog()));
        maps.refresh();
        maps.startPolling(200);
        pages = new QuorumReplicatedPages(pool, maps, new QuorumReplicatedPages.Config(2_000, 30_000, 20),
                new SimpleMeterRegistry());
    }

    @AfterAll
    static void stopCluster() {
        if (pages != null) {
            pages.close();
        }
        if (maps != null) {
            maps.close();
        }
        if (pool != null) {
            pool.close();
        }
        if (cluster != null) {
            if (failed || Boolean.getBoolean("quire.dumpLogs")) {
                cluster.dumpLogs();
            }
            cluster.close();
        }
    }

    private static Volume createVolume(String name) {
        ClusterFixture.Result r = cluster.cli("volume", "create", name, "--size", "1G", "--replicas", "3",
                "--write-quorum", "2", "--page-size", "64K");
        assertEquals(0, r.exit(), r.err());
        maps.refresh();
        return maps.map().volume(name).orElseThrow();
    }

    static ByteBuffer content(long seed, long index, int size) {
        byte[] b = new byte[size];
        new SplittableRandom(seed * 31 + index).nextBytes(b);
        return ByteBuffer.wrap(b);
    }

    /** Writes pages [from, to) with at most WINDOW in flight; fails on the first failed write. */
    private static void writeAll(Volume v, long inode, long seed, int from, int to, int size) throws Exception {
        Semaphore window = new Semaphore(WINDOW);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = from; i < to && failure.get() == null; i++) {
            window.acquire();
            pages.write(new PageKey(v.id(), inode, i), new PageVersion(1, 1), content(seed, i, size))
                    .whenComplete((ok, err) -> {
                        if (err != null) {
                            failure.compareAndSet(null, err);
                        }
                        window.release();
                    });
        }
        window.acquire(WINDOW);
        if (failure.get() != null) {
            failed = true;
            throw new AssertionError("a write failed", failure.get());
        }
    }

    private static void readAllAndCompare(Volume v, long inode, long seed, int count, int size) throws Exception {
        Semaphore window = new Semaphore(WINDOW);
        AtomicInteger mismatches = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 0; i < count; i++) {
            window.acquire();
            int index = i;
            pages.read(new PageKey(v.id(), inode, i)).whenComplete((page, err) -> {
                if (err != null) {
                    failure.compareAndSet(null, err);
                } else if (page.isEmpty() || !page.get().data().equals(content(seed, index, size))) {
                    mismatches.incrementAndGet();
                }
                window.release();
            });
        }
        window.acquire(WINDOW);
        if (failure.get() != null || mismatches.get() != 0) {
            failed = true;
        }
        if (failure.get() != null) {
            throw new AssertionError("a read failed", failure.get());
        }
        assertEquals(0, mismatches.get(), "pages that did not read back byte-exact");
    }

    @Test
    void tenThousandPagesReadBackByteExact() throws Exception {
        Volume v = createVolume("bulk");
        writeAll(v, 10, 42, 0, 10_000, 4096);
        readAllAndCompare(v, 10, 42, 10_000, 4096);
        // A page never written is a hole.
        assertEquals(Optional.empty(), pages.read(new PageKey(v.id(), 10, 10_000)).get(30, TimeUnit.SECONDS));
    }

    @Test
    void killedServerCausesNoWriteFailureAndCatchesUp() throws Exception {
        Volume v = createVolume("killed");
        int total = 3000;
        AtomicInteger acked = new AtomicInteger();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                for (int start = 0; start < total; start += 100) {
                    writeAll(v, 20, 7, start, start + 100, 16 * 1024);
                    acked.addAndGet(100);
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> acked.get() >= 500 || writer.isDone());
        cluster.kill(2);
        writer.get(3, TimeUnit.MINUTES); // no write may fail
        readAllAndCompare(v, 20, 7, total, 16 * 1024);

        cluster.restart(2);
        cluster.awaitLive(3);
        await("under-replicated pages back to 0").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(() -> cluster.underReplicatedPages() == 0);
        // The restarted server now holds its share: every page it is a replica of reads back from it alone.
        maps.refresh();
        ServerEntry restarted = maps.map().servers().stream()
                .filter(s -> s.address().endsWith(":" + portOf(2))).findFirst().orElseThrow();
        int checked = 0;
        for (int i = 0; i < total; i += 7) {
            PageKey key = new PageKey(v.id(), 20, i);
            if (maps.snapshot().placement().replicasFor(v.id(), key.group(), 3).contains(restarted)) {
                assertEquals(content(7, i, 16 * 1024), getFrom(restarted.address(), key).orElseThrow(), "page " + i);
                checked++;
            }
        }
        assertTrue(checked > 0);
    }

    @Test
    void corruptReplicaIsNeverReturnedAndGetsRepaired() throws Exception {
        Volume v = createVolume("corrupt");
        int size = 64 * 1024;
        PageKey key = new PageKey(v.id(), 30, 0);
        ByteBuffer data = content(99, 0, size);
        pages.write(key, new PageVersion(1, 1), data).get(30, TimeUnit.SECONDS);
        // Wait until all three replicas hold it, so one can be damaged without losing the quorum.
        List<ServerEntry> replicas = maps.snapshot().placement().replicasFor(v.id(), key.group(), 3);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (ServerEntry s : replicas) {
                if (getFrom(s.address(), key).isEmpty()) {
                    return false;
                }
            }
            return true;
        });
        ServerEntry victim = replicas.get(0);
        int victimIndex = indexOf(victim);
        byte[] needle = new byte[64];
        data.duplicate().position(1000).get(needle);
        assertTrue(cluster.corrupt(victimIndex, needle), "page bytes found in the victim's data file");

        // Every read returns the right bytes, whichever replica it asks first.
        for (int i = 0; i < 20; i++) {
            Optional<Page> page = pages.read(key).get(30, TimeUnit.SECONDS);
            assertEquals(data, page.orElseThrow().data());
        }
        // The victim answers CORRUPT (never the bad bytes) until repaired, then the right bytes.
        await("corrupt replica repaired").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    try {
                        return getFrom(victim.address(), key).map(data::equals).orElse(false);
                    } catch (QuireException e) {
                        assertEquals(Status.CORRUPT, e.status());
                        return false;
                    }
                });
    }

    /**
     * A delete acknowledged by W replicas while the third still holds the older copy: a read that
     * asks the lagging replica and one that took the delete must answer "no page". Before GET_PAGE
     * answered tombstones, the deleted replica said NOT_FOUND, which carried no version, and the
     * lagging replica's old copy won: a truncated file showed its old bytes again once regrown.
     */
    @Test
    void aDeleteOnAWriteQuorumBeatsALaggingReplicasOlderCopy() throws Exception {
        Volume v = createVolume("tombstones");
        for (int attempt = 0; ; attempt++) {
            PageKey key = new PageKey(v.id(), 40, attempt);
            ByteBuffer data = content(5, attempt, 4096);
            pages.write(key, new PageVersion(1, 1), data).get(30, TimeUnit.SECONDS);
            List<ServerEntry> order = maps.snapshot().placement().replicasFor(v.id(), key.group(), 3);
            await().atMost(Duration.ofSeconds(30)).until(() -> order.stream().allMatch(s -> present(s, key)));
            // The client reads the first R-W+1 = 2 replicas in placement order: delete on the
            // second and third only, so the read meets the lagging first one and one tombstone.
            for (ServerEntry s : order.subList(1, 3)) {
                pool.call(s.address(), Opcode.DELETE_PAGE, new PageMessages.DeletePage(key, new PageVersion(1, 2), 0)
                        .encode(ByteBufAllocator.DEFAULT), 5_000).get(10, TimeUnit.SECONDS).release();
            }
            Optional<Page> read = pages.read(key).get(30, TimeUnit.SECONDS);
            if (!present(order.get(0), key) && attempt < 3) {
                continue; // repair copied the tombstone first: the read proved nothing, try again
            }
            assertEquals(Optional.empty(), read.map(p -> p.version()), "the delete's quorum wins over the older copy");
            return;
        }
    }

    /**
     * With two of three replicas down a read cannot meet its quorum: it fails, rather than return
     * the one copy it reached, which may be the replica that missed the newest write.
     */
    @Test
    void aReadThatMissesItsQuorumFailsInsteadOfGuessing() throws Exception {
        Volume v = createVolume("quorum");
        PageKey key = new PageKey(v.id(), 50, 0);
        pages.write(key, new PageVersion(1, 1), content(6, 0, 4096)).get(30, TimeUnit.SECONDS);
        try (QuorumReplicatedPages quick = new QuorumReplicatedPages(pool, maps,
                new QuorumReplicatedPages.Config(500, 2_000, 20), new SimpleMeterRegistry())) {
            assertEquals(content(6, 0, 4096), quick.read(key).get(30, TimeUnit.SECONDS).orElseThrow().data());
            cluster.stop(1);
            cluster.stop(2);
            try {
                java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                        java.util.concurrent.ExecutionException.class, () -> quick.read(key).get(30, TimeUnit.SECONDS));
                assertEquals(Status.UNAVAILABLE, QuireException.statusOf(e.getCause()), e.getCause().toString());
            } finally {
                cluster.restart(1);
                cluster.restart(2);
                cluster.awaitLive(3);
            }
            assertEquals(content(6, 0, 4096), quick.read(key).get(30, TimeUnit.SECONDS).orElseThrow().data());
        }
    }

    private static boolean present(ServerEntry s, PageKey key) {
        try {
            return getFrom(s.address(), key).isPresent();
        } catch (Exception e) {
            return false;
        }
    }

    private static int portOf(int i) {
        return cluster.port(i);
    }

    private static int indexOf(ServerEntry s) {
        for (int i = 0; i < cluster.size(); i++) {
            if (s.address().endsWith(":" + cluster.port(i))) {
                return i;
            }
        }
        throw new IllegalStateException("no fixture node for " + s);
    }

    /** GET_PAGE sent to one server directly, CRC-checked; empty when it has no such page or deleted it. */
    static Optional<ByteBuffer> getFrom(String address, PageKey key) throws Exception {
        Frame frame;
        try {
            frame = pool.call(address, Opcode.GET_PAGE, new PageMessages.GetPageRequest(key).encode(ByteBufAllocator.DEFAULT), 5_000)
                    .get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (QuireException.statusOf(e.getCause()) == Status.NOT_FOUND) {
                return Optional.empty();
            }
            throw (e.getCause() instanceof QuireException q) ? q : e;
        }
        try {
            PageMessages.GetPageResponse r = PageMessages.GetPageResponse.decode(frame.body());
            if (r.tombstone()) {
                return Optional.empty();
            }
            ByteBuffer b = ByteBuffer.allocate(r.data().readableBytes());
            r.data().getBytes(r.data().readerIndex(), b);
            b.flip();
            return Optional.of(b);
        } finally {
            frame.release();
        }
    }
}
