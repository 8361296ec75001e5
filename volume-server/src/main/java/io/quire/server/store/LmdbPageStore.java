package io.quire.server.store;

import io.micrometer.core.instrument.MeterRegistry;
import io.quire.page.Checksums;
import io.quire.page.PageKey;
import io.quire.page.PageVersion;
import io.quire.proto.Limits;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe. A {@link PageStore} in one LMDB environment, by convention {@code DATA_DIR/pages/}.
 *
 * <p>Two databases: "pages" (layout in {@link PageLayout}) and "volumes" (layout in
 * {@link VolumeRecord}), changed together in one transaction, so usage and fence epochs always
 * agree with the pages on disk. A third, "digests" ({@link SavedDigests}), is written only by a
 * clean close. All writes go through one {@link PageWriter} thread with group
 * commit; commits are synchronous (no MDB_NOSYNC), so a completed write survives a crash of the
 * process or the host. Reads run on the caller's thread in their own read transactions
 * (MDB_NOTLS: pool threads, not tied to a thread).
 *
 * <p>Space accounting counts the bytes of live page data only: not headers (26 bytes a page),
 * tombstones, B-tree pages, or LMDB's rounding of large values to whole 4 KiB pages (a 64 KiB page
 * takes 17). The map starts at capacity + 25 % + 64 MiB for that overhead and grows on demand;
 * the file system must have room for it.
 */
public final class LmdbPageStore implements PageStore {
    private static final Logger log = LoggerFactory.getLogger(LmdbPageStore.class);

    /** The conventional name of the environment's directory under a server's data directory. */
    public static final String DIR_NAME = "pages";
    /** Held locked while open, so that two servers never share one environment. */
    private static final String LOCK_FILE_NAME = "quire.lock";
    private static final String DATA_FILE_NAME = "data.mdb";
    private static final int DBS_MAX = 3;
    /** Reader slots beyond the semaphore's, for LMDB's own bookkeeping of stale readers. */
    private static final int READER_SLOTS_SPARE = 8;
    /** Entries one scrub step may verify: bounds the time its read transaction stays open. */
    public static final int SCRUB_PAGES_MAX = 65_536;

    private final Path dir;
    private final LmdbStoreConfig config;
    private final FileChannel lockChannel;
    private final TxnGate gate;
    private final VolumeTable table;
    private final PageReader reader;
    private final PageWriter writer;
    private final StoreMetrics metrics;
    private final AtomicInteger deletionsInProgress = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Consumer<PageKey> corruptionListener = key -> { };
    private final GroupDigestCache digests = new GroupDigestCache();
    private final Dbi<ByteBuffer> savedDigests;

    /**
     * Opens (creating if needed) the store in {@code dir} with default bounds for its capacity.
     *
     * @throws IllegalStateException when the store is open elsewhere or its files are damaged
     */
    public static LmdbPageStore open(Path dir, long capacityBytes, MeterRegistry registry) {
        return new LmdbPageStore(dir, LmdbStoreConfig.forCapacity(capacityBytes), registry);
    }

    public static LmdbPageStore open(Path dir, LmdbStoreConfig config, MeterRegistry registry) {
        return new LmdbPageStore(dir, config, registry);
    }

    private LmdbPageStore(Path dir, LmdbStoreConfig config, MeterRegistry registry) {
        this.dir = dir;
        this.config = config;
        this.lockChannel = lock(dir);
        Env<ByteBuffer> env = null;
        try {
            long existingBytes = Files.exists(dir.resolve(DATA_FILE_NAME)) ? Files.size(dir.resolve(DATA_FILE_NAME)) : 0;
            env = Env.create()
                    .setMapSize(Math.max(config.initialMapBytes(), existingBytes))
                    .setMaxDbs(DBS_MAX)
                    .setMaxReaders(config.readTxnsMax() + READER_SLOTS_SPARE)
                    .open(dir.toFile(), EnvFlags.MDB_NOTLS);
            Dbi<ByteBuffer> pages = env.openDbi("pages", DbiFlags.MDB_CREATE);
            Dbi<ByteBuffer> volumes = env.openDbi("volumes", DbiFlags.MDB_CREATE);
            this.savedDigests = env.openDbi("digests", DbiFlags.MDB_CREATE);
            this.gate = new TxnGate(env, config.readTxnsMax(), config.readWaitMs());
            this.table = VolumeTable.load(gate, volumes);
            this.reader = new PageReader(gate, pages, this::reportCorrupt);
            this.metrics = new StoreMetrics(registry, this);
            this.writer = new PageWriter(config, gate, pages, volumes, table, metrics, digests);
            metrics.gaugeQueue(writer::queuedOps);
        } catch (IOException | RuntimeException e) {
            if (env != null) {
                env.close();
            }
            closeQuietly(lockChannel);
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot open page store in " + dir, io);
            }
            throw (RuntimeException) e;
        }
        loadDigests();
        writer.start();
        log.info("page store open in {}: capacity {} bytes, {} bytes in {} pages of {} volumes, map {} bytes",
                dir, config.capacityBytes(), table.usedBytes(), table.pageCount(), table.snapshot().size(), gate.mapBytes());
    }

    @Override
    public CompletableFuture<Void> put(PageKey key, PageVersion version, int crc32c, ByteBuffer data, boolean repair) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(data, "data");
        if (data.remaining() > Limits.PAGE_SIZE_MAX_BYTES) {
            return CompletableFuture.failedFuture(new QuireException(Status.BAD_REQUEST,
                    "page of " + data.remaining() + " bytes exceeds " + Limits.PAGE_SIZE_MAX_BYTES));
        }
        // Checked on the caller's thread: it spreads the CRC work and keeps bad data off the queue.
        int actual = Checksums.crc32c(data);
        if (actual != crc32c) {
            return CompletableFuture.failedFuture(new QuireException(Status.CHECKSUM_MISMATCH,
                    "page " + key + ": data has CRC32C " + Integer.toHexString(actual) + ", request says "
                            + Integer.toHexString(crc32c)));
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        return writer.submit(new WriteOp.PageWrite(key, version, crc32c, data, repair, done), done);
    }

    @Override
    public CompletableFuture<Void> delete(PageKey key, PageVersion version, boolean repair) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(version, "version");
        CompletableFuture<Void> done = new CompletableFuture<>();
        // CRC32C of no bytes is 0: a tombstone verifies like any other entry.
        return writer.submit(new WriteOp.PageWrite(key, version, 0, null, repair, done), done);
    }

    @Override
    public StoredPage get(PageKey key) {
        Objects.requireNonNull(key, "key");
        return reader.get(key);
    }

    @Override
    public ListVersions listVersions(long volumeId, int group, ListVersions.Cursor after, int maxEntries) {
        checkGroup(volumeId, group);
        if (maxEntries < 1 || maxEntries > Limits.LIST_VERSIONS_MAX_ENTRIES) {
            throw new QuireException(Status.BAD_REQUEST, "maxEntries " + maxEntries + " not in 1.."
                    + Limits.LIST_VERSIONS_MAX_ENTRIES);
        }
        if (after != null && (after.afterInode() < 0 || after.afterPageIndex() < 0)) {
            throw new QuireException(Status.BAD_REQUEST, "negative listing cursor " + after);
        }
        return reader.listVersions(volumeId, group, after, maxEntries);
    }

    @Override
    public GroupDigest groupDigest(long volumeId, int group) {
        checkGroup(volumeId, group);
        return digests.get(volumeId, group, () -> {
            metrics.digestScans.increment();
            return reader.groupDigest(volumeId, group);
        });
    }

    @Override
    public long fenceEpoch(long volumeId) {
        return table.get(volumeId).fenceEpoch();
    }

    @Override
    public CompletableFuture<Void> raiseFence(long volumeId, long epoch) {
        if (volumeId < 0 || epoch < 0) {
            return CompletableFuture.failedFuture(new QuireException(Status.BAD_REQUEST,
                    "negative volume or epoch: " + volumeId + ", " + epoch));
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        return writer.submit(new WriteOp.FenceRaise(volumeId, epoch, done), done);
    }

    @Override
    public Map<Long, VolumeUsage> volumeUsage() {
        Map<Long, VolumeUsage> out = new HashMap<>();
        table.snapshot().forEach((id, record) -> out.put(id, record.usage()));
        return out;
    }

    @Override
    public long usedBytes() {
        return table.usedBytes();
    }

    @Override
    public long pageCount() {
        return table.pageCount();
    }

    @Override
    public long capacityBytes() {
        return config.capacityBytes();
    }

    @Override
    public Set<Long> volumeIds() {
        return table.snapshot().keySet();
    }

    @Override
    public CompletableFuture<Long> deleteVolume(long volumeId) {
        if (volumeId < 0) {
            return CompletableFuture.failedFuture(new QuireException(Status.BAD_REQUEST, "negative volume " + volumeId));
        }
        if (deletionsInProgress.incrementAndGet() > config.volumeDeletionsMax()) {
            deletionsInProgress.decrementAndGet();
            return CompletableFuture.failedFuture(new QuireException(Status.OVERLOADED,
                    config.volumeDeletionsMax() + " volume deletions already in progress"));
        }
        CompletableFuture<Long> done = new CompletableFuture<>();
        done.whenComplete((n, e) -> deletionsInProgress.decrementAndGet());
        log.info("deleting volume {} from the page store", volumeId);
        return writer.submit(new WriteOp.VolumeDeletion(volumeId, done), done);
    }

    @Override
    public ScrubResult scrub(ScrubCursor from, int maxPages) {
        Objects.requireNonNull(from, "from");
        if (maxPages < 1 || maxPages > SCRUB_PAGES_MAX) {
            throw new IllegalArgumentException("maxPages " + maxPages + " not in 1.." + SCRUB_PAGES_MAX);
        }
        return reader.scrub(from, maxPages);
    }

    @Override
    public void setCorruptionListener(Consumer<PageKey> listener) {
        this.corruptionListener = Objects.requireNonNull(listener, "listener");
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (writer.close()) {
            saveDigests();
        }
        gate.close();
        metrics.close();
        closeQuietly(lockChannel);
        log.info("page store closed in {}", dir);
    }

    /** Before the writer starts: the digests of the last clean close, if nothing was written since. */
    private void loadDigests() {
        long last = gate.lastTxnId();
        int loaded = gate.read(txn -> SavedDigests.load(txn, savedDigests, last, digests));
        if (loaded >= 0) {
            log.info("page store {}: {} group digests from the last clean close, none to scan", dir, loaded);
        } else {
            log.info("page store {}: no group digests saved since the last write; groups are scanned when first compared", dir);
        }
    }

    /** After the writer stopped: saves the kept digests, so the next open scans nothing. */
    private void saveDigests() {
        try {
            int saved = gate.write(txn -> {
                int n = SavedDigests.save(txn, savedDigests, digests);
                txn.commit();
                return n;
            });
            log.info("page store {}: {} group digests saved", dir, saved);
        } catch (RuntimeException e) {
            log.warn("page store {}: saving group digests failed ({}); the next open scans them", dir, e.toString());
        }
    }

    /** A group's digest computed by reading every entry, whatever is kept (for tests and diagnostics). */
    GroupDigest scanDigest(long volumeId, int group) {
        checkGroup(volumeId, group);
        return reader.groupDigest(volumeId, group);
    }

    /** The current LMDB map size (for tests and diagnostics). */
    long mapBytes() {
        return gate.mapBytes();
    }

    private void reportCorrupt(PageKey key) {
        digests.invalidate(key.volumeId(), key.group()); // damage changes what a scan would list
        metrics.corrupt.increment();
        log.warn("page {} failed verification in the page store", key);
        try {
            corruptionListener.accept(key);
        } catch (RuntimeException e) {
            log.error("corruption listener failed for page {}", key, e);
        }
    }

    private static void checkGroup(long volumeId, int group) {
        if (volumeId < 0 || group < 0 || group >= Limits.PAGE_GROUPS_PER_VOLUME) {
            throw new QuireException(Status.BAD_REQUEST, "no page group " + volumeId + "/" + group);
        }
    }

    private static FileChannel lock(Path dir) {
        FileChannel channel = null;
        try {
            Files.createDirectories(dir);
            channel = FileChannel.open(dir.resolve(LOCK_FILE_NAME), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw new IllegalStateException("page store " + dir + " is open in another process");
            }
            return channel;
        } catch (OverlappingFileLockException e) {
            closeQuietly(channel);
            throw new IllegalStateException("page store " + dir + " is already open in this process", e);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot lock page store " + dir, e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                log.warn("closing {} failed", channel, e);
            }
        }
    }
}
