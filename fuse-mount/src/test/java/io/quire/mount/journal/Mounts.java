package io.quire.mount.journal;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quire.mount.MountConfig;
import io.quire.mount.testing.InMemoryReplicatedPages;
import io.quire.mount.testing.ManualClock;
import io.quire.mount.vfs.Vfs;
import io.quire.page.PageKey;
import io.quire.page.ReservedInodes;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Confined to the test thread (the mounts themselves are thread-safe). Successive mounts of one
 * volume over one in-memory cluster, each with its own cache directory and lease epoch and its
 * own {@link FaultyReplicatedPages} view, as hosts that come and go.
 */
final class Mounts implements AutoCloseable {
    static final long VOLUME_ID = 7;
    static final int PAGE = 4096;

    final InMemoryReplicatedPages cluster = new InMemoryReplicatedPages();
    final ManualClock clock = new ManualClock();
    private final Path base;
    private final List<Vfs> open = new ArrayList<>();
    private final Map<Vfs, FaultyReplicatedPages> views = new IdentityHashMap<>();

    Mounts(Path base) {
        this.base = base;
    }

    Vfs mount(String cache, long epoch) {
        return mount(cache, epoch, JournalConfig.defaults(), b -> b);
    }

    Vfs mount(String cache, long epoch, JournalConfig journal, UnaryOperator<MountConfig.Builder> tune) {
        MountConfig config = tune.apply(MountConfig.builder(VOLUME_ID, "test", epoch, base.resolve(cache))
                .pageSizeBytes(PAGE)
                .cacheBytesMax(64L << 20)
                .dirtyBytesMax(16L << 20)
                .fsyncTimeoutMs(20_000)
                .readTimeoutMs(20_000)
                .dirtyWaitMs(20_000)
                .retryBackoffMaxMs(50)
                .writebackDelayMs(0)
                .clockNs(clock)).build();
        FaultyReplicatedPages view = new FaultyReplicatedPages(cluster);
        Vfs vfs = Vfs.open(config, view, new SimpleMeterRegistry(), journal);
        open.add(vfs);
        views.put(vfs, view);
        return vfs;
    }

    FaultyReplicatedPages view(Vfs vfs) {
        return views.get(vfs);
    }

    /** The host of {@code vfs} is lost: nothing more of it reaches the cluster. */
    void crash(Vfs vfs) {
        views.get(vfs).crash();
        drain();
    }

    /**
     * Syncs {@code vfs}, loses its host, and mounts the volume again from an empty cache: the
     * rebuilt tree (with file contents) must equal the synced one. Returns the new mount.
     */
    Vfs crashAndRebuild(Vfs vfs, String cache, long epoch) {
        vfs.syncfs();
        SortedMap<String, String> live = Tree.listing(vfs, true);
        crash(vfs);
        Vfs next = mount(cache, epoch);
        assertEquals(live, Tree.listing(next, true), "the tree rebuilt in cache " + cache);
        return next;
    }

    /** Closes {@code vfs} as an unmount would. */
    void close(Vfs vfs) {
        open.remove(vfs);
        vfs.close();
    }

    /** Waits until the cluster applied every write already handed to it (its executor is FIFO). */
    void drain() {
        cluster.read(new PageKey(VOLUME_ID, 0, 0)).join();
    }

    /** The journal page as the cluster holds it (empty when missing or deleted). */
    Optional<ByteBuffer> journalPage(long page) {
        return stored(ReservedInodes.JOURNAL, page);
    }

    Optional<ByteBuffer> stored(long inode, long page) {
        return cluster.stored(new PageKey(VOLUME_ID, inode, page))
                .filter(s -> s.data() != null)
                .map(s -> ByteBuffer.wrap(s.data()).asReadOnlyBuffer());
    }

    /** The superblock as the cluster holds it, if any. */
    Optional<Superblock> superblock() {
        return stored(ReservedInodes.SUPERBLOCK, 0).map(b -> Superblock.decode(b, VOLUME_ID, PAGE));
    }

    /** Journal pages present from page 0 on, up to the first missing one after the last present. */
    long journalPagesPresent(long upTo) {
        long n = 0;
        for (long i = 0; i < upTo; i++) {
            if (journalPage(i).isPresent()) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() {
        try {
            for (Vfs v : open) {
                views.get(v).crash(); // no flush waits at the end of a test
                try {
                    v.close();
                } catch (RuntimeException e) {
                    // best effort: the test already has its verdict
                }
            }
        } finally {
            cluster.close();
        }
    }
}
