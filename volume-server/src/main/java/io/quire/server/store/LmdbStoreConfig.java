package io.quire.server.store;

import io.quire.proto.Limits;

/**
 * Thread-safe (immutable). Bounds and sizes of an {@link LmdbPageStore}, checked against each
 * other at construction.
 *
 * @param capacityBytes       live page bytes the store accepts before answering NO_SPACE
 * @param initialMapBytes     LMDB map size at open (it grows on demand, see {@link #mapGrowthBytes})
 * @param queueOpsMax         writes waiting for the writer thread
 * @param enqueueWaitMs       how long a write waits for room in a full queue before OVERLOADED
 * @param commitBatchOpsMax   writes applied in one LMDB transaction (one fsync)
 * @param commitBatchBytesMax page bytes applied in one LMDB transaction
 * @param readTxnsMax         read transactions open at once (LMDB reader slots)
 * @param readWaitMs          how long a read waits for a free reader slot before OVERLOADED
 * @param volumeDeleteStepPages entries one volume-deletion step removes per transaction
 * @param volumeDeletionsMax  volume deletions in progress at once
 */
public record LmdbStoreConfig(long capacityBytes, long initialMapBytes, int queueOpsMax, long enqueueWaitMs,
                              int commitBatchOpsMax, int commitBatchBytesMax, int readTxnsMax, long readWaitMs,
                              int volumeDeleteStepPages, int volumeDeletionsMax) {

    public static final int QUEUE_OPS_MAX_DEFAULT = 1024;
    /** Short: a full queue means the disk is behind, and the client does better elsewhere. */
    public static final long ENQUEUE_WAIT_MS_DEFAULT = 200;
    /** FACTS.md: 64 puts per transaction reach ~2.3x the throughput of one put per fsync. */
    public static final int COMMIT_BATCH_OPS_MAX_DEFAULT = 64;
    public static final int COMMIT_BATCH_BYTES_MAX_DEFAULT = 8 * 1024 * 1024;
    /** At least the server's worker threads (up to 256) plus repair and scrub. */
    public static final int READ_TXNS_MAX_DEFAULT = 320;
    public static final long READ_WAIT_MS_DEFAULT = 1000;
    public static final int VOLUME_DELETE_STEP_PAGES_DEFAULT = 1024;
    public static final int VOLUME_DELETIONS_MAX_DEFAULT = 16;

    /** Smallest map we open: LMDB needs a few pages for its meta data and the two databases. */
    public static final long MAP_BYTES_MIN = 1024 * 1024;
    /** Headroom of the initial map over capacity: LMDB pages, B-tree, free list, tombstones. */
    public static final long MAP_HEADROOM_BYTES = 64L * 1024 * 1024;
    public static final long INITIAL_MAP_BYTES_MIN = 256L * 1024 * 1024;
    /** Each growth adds at least this much, so that growths stay rare. */
    public static final long MAP_GROWTH_MIN_BYTES = 32L * 1024 * 1024;

    public LmdbStoreConfig {
        require(capacityBytes > 0, "capacityBytes > 0");
        require(initialMapBytes >= MAP_BYTES_MIN, "initialMapBytes >= " + MAP_BYTES_MIN);
        require(queueOpsMax >= 1 && queueOpsMax <= 1 << 20, "1 <= queueOpsMax <= 2^20");
        require(enqueueWaitMs >= 0 && enqueueWaitMs <= 60_000, "0 <= enqueueWaitMs <= 60 s");
        require(commitBatchOpsMax >= 1 && commitBatchOpsMax <= 4096, "1 <= commitBatchOpsMax <= 4096");
        require(commitBatchBytesMax >= Limits.PAGE_SIZE_MAX_BYTES,
                "commitBatchBytesMax >= PAGE_SIZE_MAX_BYTES (a batch holds the largest page)");
        require(commitBatchBytesMax <= 256 * 1024 * 1024, "commitBatchBytesMax <= 256 MiB");
        require(readTxnsMax >= 1 && readTxnsMax <= 4096, "1 <= readTxnsMax <= 4096");
        require(readWaitMs >= 0 && readWaitMs <= 60_000, "0 <= readWaitMs <= 60 s");
        require(volumeDeleteStepPages >= 1 && volumeDeleteStepPages <= 65_536, "1 <= volumeDeleteStepPages <= 65536");
        require(volumeDeletionsMax >= 1 && volumeDeletionsMax <= 1024, "1 <= volumeDeletionsMax <= 1024");
    }

    /** Defaults for a store of {@code capacityBytes}: the map starts at capacity + 25 % + 64 MiB. */
    public static LmdbStoreConfig forCapacity(long capacityBytes) {
        long map = Math.max(INITIAL_MAP_BYTES_MIN, capacityBytes + capacityBytes / 4 + MAP_HEADROOM_BYTES);
        return new LmdbStoreConfig(capacityBytes, map, QUEUE_OPS_MAX_DEFAULT, ENQUEUE_WAIT_MS_DEFAULT,
                COMMIT_BATCH_OPS_MAX_DEFAULT, COMMIT_BATCH_BYTES_MAX_DEFAULT, READ_TXNS_MAX_DEFAULT,
                READ_WAIT_MS_DEFAULT, VOLUME_DELETE_STEP_PAGES_DEFAULT, VOLUME_DELETIONS_MAX_DEFAULT);
    }

    public LmdbStoreConfig withInitialMapBytes(long bytes) {
        return new LmdbStoreConfig(capacityBytes, bytes, queueOpsMax, enqueueWaitMs, commitBatchOpsMax,
                commitBatchBytesMax, readTxnsMax, readWaitMs, volumeDeleteStepPages, volumeDeletionsMax);
    }

    public LmdbStoreConfig withQueue(int opsMax, long waitMs) {
        return new LmdbStoreConfig(capacityBytes, initialMapBytes, opsMax, waitMs, commitBatchOpsMax,
                commitBatchBytesMax, readTxnsMax, readWaitMs, volumeDeleteStepPages, volumeDeletionsMax);
    }

    public LmdbStoreConfig withVolumeDeleteStepPages(int pages) {
        return new LmdbStoreConfig(capacityBytes, initialMapBytes, queueOpsMax, enqueueWaitMs, commitBatchOpsMax,
                commitBatchBytesMax, readTxnsMax, readWaitMs, pages, volumeDeletionsMax);
    }

    /** How much a full map grows: half its size, at least {@link #MAP_GROWTH_MIN_BYTES}. */
    static long mapGrowthBytes(long currentMapBytes) {
        return Math.max(currentMapBytes / 2, MAP_GROWTH_MIN_BYTES);
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException("page store config: expected " + what);
        }
    }
}
