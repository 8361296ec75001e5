package io.quire.server.store;

import io.quire.page.PageKey;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.Env;
import org.lmdbjava.GetOp;
import org.lmdbjava.LmdbNativeException;
import org.lmdbjava.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Confined to the writer thread it starts, except {@link #submit} and {@link #close}, which any
 * thread may call. The single LMDB writer with group commit: the only thread that opens LMDB write
 * transactions.
 *
 * <p>The writer takes up to {@code commitBatchOpsMax} ops or {@code commitBatchBytesMax} page
 * bytes from a bounded queue, applies them in one transaction, commits once (one fsync), and only
 * then completes their futures. Batches form by themselves: ops arriving during an fsync wait for
 * the next transaction. One op's refusal (FENCED, NO_SPACE) does not affect the others. A full map
 * aborts the transaction, grows the map and replays the batch from the committed state.
 */
final class PageWriter {
    private static final Logger log = LoggerFactory.getLogger(PageWriter.class);

    /** How long an idle writer waits before looking at the closing flag again. */
    private static final long IDLE_POLL_MS = 100;
    /** Growths tried for one batch; a batch is at most commitBatchBytesMax, so a few suffice. */
    private static final int MAP_GROWTHS_PER_BATCH_MAX = 8;
    private static final long CLOSE_JOIN_MS = 60_000;
    private static final int ENOSPC = 28;

    private final LmdbStoreConfig config;
    private final TxnGate gate;
    private final Dbi<ByteBuffer> pages;
    private final Dbi<ByteBuffer> volumes;
    private final VolumeTable table;
    private final StoreMetrics metrics;
    private final ArrayBlockingQueue<WriteOp> queue;
    private final Thread thread;
    private volatile boolean closing;

    // Confined to the writer thread.
    /** Deletions with entries left, one step per transaction so page writes keep flowing. */
    private final ArrayDeque<WriteOp.VolumeDeletion> deletions = new ArrayDeque<>();
    /** An op taken from the queue that did not fit the previous batch. */
    private WriteOp carried;
    private final GroupDigestCache digests;
    private final ByteBuffer pageKey = ByteBuffer.allocateDirect(PageLayout.KEY_BYTES);
    private final ByteBuffer volumeKey = ByteBuffer.allocateDirect(VolumeRecord.KEY_BYTES);
    private final ByteBuffer volumeValue = ByteBuffer.allocateDirect(VolumeRecord.VALUE_BYTES);

    PageWriter(LmdbStoreConfig config, TxnGate gate, Dbi<ByteBuffer> pages, Dbi<ByteBuffer> volumes,
               VolumeTable table, StoreMetrics metrics, GroupDigestCache digests) {
        this.config = config;
        this.gate = gate;
        this.pages = pages;
        this.volumes = volumes;
        this.table = table;
        this.metrics = metrics;
        this.digests = digests;
        this.queue = new ArrayBlockingQueue<>(config.queueOpsMax());
        this.thread = new Thread(this::run, "quire-store-writer");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    int queuedOps() {
        return queue.size();
    }

    /**
     * Queues {@code op}, waiting up to {@code enqueueWaitMs} for room. Returns {@code done}, the
     * op's future, already failed with OVERLOADED or UNAVAILABLE when it was not queued.
     */
    <T> CompletableFuture<T> submit(WriteOp op, CompletableFuture<T> done) {
        if (closing) {
            op.fail(new QuireException(Status.UNAVAILABLE, "page store closed"));
            return done;
        }
        boolean queued;
        try {
            // A dependent of a completed op runs on the writer thread: it must never wait for itself.
            long waitMs = Thread.currentThread() == thread ? 0 : config.enqueueWaitMs();
            queued = queue.offer(op, waitMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            op.fail(new QuireException(Status.INTERNAL_ERROR, "interrupted while queueing a write", e));
            return done;
        }
        if (!queued) {
            metrics.overloaded.increment();
            op.fail(new QuireException(Status.OVERLOADED,
                    "page store write queue full (" + config.queueOpsMax() + " ops) for " + config.enqueueWaitMs() + " ms"));
        } else if (closing && queue.remove(op)) {
            // Queued after the writer's final drain: nobody else will complete it.
            op.fail(new QuireException(Status.UNAVAILABLE, "page store closed"));
        }
        return done;
    }

    /**
     * Applies the ops already queued, fails pending volume deletions, and stops the thread;
     * returns false if the thread was still busy after the wait (nothing else may write then).
     */
    boolean close() {
        closing = true;
        try {
            thread.join(CLOSE_JOIN_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.error("page store writer still busy after {} ms; closing anyway", CLOSE_JOIN_MS);
            return false;
        }
        return true;
    }

    private void run() {
        try {
            while (!(closing && queue.isEmpty() && carried == null)) {
                List<WriteOp> batch = collect();
                if (!batch.isEmpty()) {
                    commit(batch);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            QuireException closed = new QuireException(Status.UNAVAILABLE, "page store closed");
            if (carried != null) {
                carried.fail(closed);
            }
            deletions.forEach(d -> d.fail(closed));
            for (WriteOp op; (op = queue.poll()) != null; ) {
                op.fail(closed);
            }
        }
    }

    private List<WriteOp> collect() throws InterruptedException {
        List<WriteOp> batch = new ArrayList<>();
        WriteOp.VolumeDeletion step = deletions.pollFirst();
        if (step != null) {
            batch.add(step);
        }
        long bytes = 0;
        while (batch.size() < config.commitBatchOpsMax()) {
            WriteOp next = carried;
            carried = null;
            if (next == null) {
                next = batch.isEmpty() ? queue.poll(IDLE_POLL_MS, TimeUnit.MILLISECONDS) : queue.poll();
            }
            if (next == null) {
                break;
            }
            if (!batch.isEmpty() && bytes + next.bytes() > config.commitBatchBytesMax()) {
                carried = next;
                break;
            }
            batch.add(next);
            bytes += next.bytes();
        }
        return batch;
    }

    private void commit(List<WriteOp> batch) {
        for (int growths = 0; ; growths++) {
            WriteBatch state = new WriteBatch(table, digests);
            try {
                long start = System.nanoTime();
                gate.write(txn -> {
                    for (WriteOp op : batch) {
                        apply(txn, op, state);
                    }
                    state.flush(txn, volumes, volumeKey, volumeValue);
                    txn.commit();
                    return null;
                });
                metrics.commit.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                state.publish();
                return;
            } catch (Env.MapFullException e) {
                state.abandon();
                if (growths >= MAP_GROWTHS_PER_BATCH_MAX) {
                    failAll(batch, new QuireException(Status.INTERNAL_ERROR, "LMDB map still full after " + growths + " growths", e));
                    return;
                }
                growMap();
            } catch (LmdbNativeException e) {
                state.abandon();
                Status status = e.getResultCode() == ENOSPC ? Status.NO_SPACE : Status.INTERNAL_ERROR;
                log.error("page store write transaction failed ({} ops)", batch.size(), e);
                failAll(batch, new QuireException(status, "page store write failed: " + e.getMessage(), e));
                return;
            } catch (RuntimeException | Error e) {
                // The writer must survive anything one batch does; the batch's callers learn of it.
                state.abandon();
                log.error("page store write transaction failed ({} ops)", batch.size(), e);
                failAll(batch, new QuireException(QuireException.statusOf(e), "page store write failed: " + e, e));
                return;
            }
        }
    }

    private void growMap() {
        long current = gate.mapBytes();
        long next = current + LmdbStoreConfig.mapGrowthBytes(current);
        gate.resize(next);
        metrics.mapGrowths.increment();
        log.info("page store map grown from {} to {} bytes", current, next);
    }

    private void failAll(List<WriteOp> batch, QuireException cause) {
        for (WriteOp op : batch) {
            op.fail(cause);
        }
    }

    private void apply(Txn<ByteBuffer> txn, WriteOp op, WriteBatch state) {
        if (op instanceof WriteOp.PageWrite w) {
            try {
                applyPage(txn, w, state);
                state.afterCommit(() -> w.done().complete(null));
            } catch (QuireException e) {
                state.afterCommit(() -> w.fail(e));
            }
        } else if (op instanceof WriteOp.FenceRaise f) {
            state.setVolume(f.volumeId(), state.volume(f.volumeId()).withFence(f.epoch()));
            state.afterCommit(() -> f.done().complete(null));
        } else if (op instanceof WriteOp.VolumeDeletion d) {
            applyDeletionStep(txn, d, state);
        }
    }

    private void applyPage(Txn<ByteBuffer> txn, WriteOp.PageWrite w, WriteBatch state) {
        PageKey key = w.key();
        long volumeId = key.volumeId();
        long epoch = w.version().epoch();
        if (!w.repair()) {
            VolumeRecord volume = state.volume(volumeId);
            if (epoch < volume.fenceEpoch()) {
                throw new QuireException(Status.FENCED, "write " + key + " at " + w.version()
                        + " is older than fence epoch " + volume.fenceEpoch());
            }
            if (epoch > volume.fenceEpoch()) {
                state.setVolume(volumeId, volume.withFence(epoch));
            }
        }
        ByteBuffer k = PageLayout.key(pageKey, key);
        long oldBytes = 0;
        long oldPages = 0;
        ByteBuffer old = pages.get(txn, k);
        long oldHash = 0;
        boolean oldDamaged = false;
        if (old != null) {
            PageHeader header = PageHeader.read(old);
            oldDamaged = header == null;
            if (header != null && !w.version().isNewerThan(header.version()) && header.dataIntact(old)) {
                return; // superseded; a damaged copy never blocks a write, so repair can replace it
            }
            // Count the old entry as it was counted when written, even if its header is damaged.
            if (!PageHeader.rawTombstone(old)) {
                oldBytes = PageHeader.rawDataBytes(old);
                oldPages = 1;
            }
            if (header != null) {
                oldHash = GroupDigest.entryHash(key.inode(), key.pageIndex(), header.version(), header.tombstone());
            }
        }
        long newBytes = w.bytes();
        long growth = newBytes - oldBytes;
        if (growth > 0 && state.usedBytes() + growth > config.capacityBytes()) {
            throw new QuireException(Status.NO_SPACE, "page store full: " + state.usedBytes() + " of "
                    + config.capacityBytes() + " bytes used, page " + key + " needs " + growth + " more");
        }
        ByteBuffer value = pages.reserve(txn, k, PageLayout.HEADER_BYTES + w.bytes());
        int flags = w.tombstone() ? PageLayout.FLAG_TOMBSTONE : 0;
        PageLayout.writeHeader(value, flags, epoch, w.version().seq(), w.crc32c(), w.bytes());
        if (!w.tombstone()) {
            value.put(w.data().duplicate());
        }
        state.account(volumeId, growth, (w.tombstone() ? 0 : 1) - oldPages);
        if (oldDamaged) {
            // A kept digest counted the entry as written, a scan as damaged: which one is unknown.
            state.digestUnknown(volumeId, key.group());
        } else {
            long newHash = GroupDigest.entryHash(key.inode(), key.pageIndex(), w.version(), w.tombstone());
            state.digestDelta(volumeId, key.group(), old == null ? 1 : 0, newHash - oldHash);
        }
    }

    private void applyDeletionStep(Txn<ByteBuffer> txn, WriteOp.VolumeDeletion d, WriteBatch state) {
        long removedPages = 0;
        int removedEntries = 0;
        boolean finished = false;
        try (Cursor<ByteBuffer> c = pages.openCursor(txn)) {
            while (removedEntries < config.volumeDeleteStepPages()) {
                // Seek afresh after each delete rather than rely on LMDB's cursor-after-delete rules.
                ByteBuffer start = PageLayout.volumeStart(pageKey, d.volumeId);
                if (!c.get(start, GetOp.MDB_SET_RANGE) || PageLayout.volumeId(c.key()) != d.volumeId) {
                    finished = true;
                    break;
                }
                ByteBuffer value = c.val();
                if (!PageHeader.rawTombstone(value)) {
                    state.account(d.volumeId, -PageHeader.rawDataBytes(value), -1);
                    removedPages++;
                }
                c.delete();
                removedEntries++;
            }
        }
        if (finished) {
            state.removeVolume(d.volumeId);
        }
        long removed = removedPages;
        boolean done = finished;
        state.afterCommit(() -> {
            digests.volumeChanged(d.volumeId);
            d.removedPages += removed;
            if (done) {
                d.done.complete(d.removedPages);
            } else {
                deletions.addLast(d);
            }
        });
    }
}
