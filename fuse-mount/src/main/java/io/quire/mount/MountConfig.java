package io.quire.mount;

import io.quire.proto.Limits;
import java.nio.file.Path;
import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * Thread-safe (immutable). The tunables of one mount, checked against {@link MountLimits} when
 * built.
 *
 * @param volumeId         the volume the cache belongs to (a cache of another volume is refused)
 * @param volumeName       shown as {@code fsname=quire:NAME}
 * @param epoch            the lease epoch every page version carries
 * @param pageSizeBytes    the volume's page size (a power of two)
 * @param cacheDir         where the LMDB environment lives
 * @param cacheBytesMax    clean pages are evicted to stay under this
 * @param dirtyBytesMax    writers wait while this many bytes are not yet uploaded
 * @param volumeSizeBytes  what {@code df} shows as the size (asked on every statfs: it grows)
 * @param dirtyWaitMs      how long a writer waits for dirty room before EIO
 * @param fsyncTimeoutMs   how long fsync waits for the replicas before EIO
 * @param readTimeoutMs    how long a cold read waits for the replicas before EIO
 * @param flushInFlightMax page uploads in flight at once
 * @param deleteInFlightMax page deletes in flight at once
 * @param readaheadPages   pages fetched ahead of a sequential reader
 * @param retryBackoffMaxMs longest pause between retries of a failed upload or delete
 * @param writebackDelayMs how long a partly written page stays dirty before its upload, unless an
 *                         fsync asks, the dirty pages pass {@link #DIRTY_BACKGROUND_PERCENT} of
 *                         the bound, or the mount stops; 0 uploads every page at once
 * @param clockNs          wall-clock time in nanoseconds since the epoch (for timestamps and the
 *                         write-back delay)
 * @param writeAdmission   asked before each data change commits (lease held, volume not full)
 */
public record MountConfig(long volumeId, String volumeName, long epoch, int pageSizeBytes, Path cacheDir,
                          long cacheBytesMax, long dirtyBytesMax, LongSupplier volumeSizeBytes,
                          long dirtyWaitMs, long fsyncTimeoutMs, long readTimeoutMs,
                          int flushInFlightMax, int deleteInFlightMax, int readaheadPages,
                          long retryBackoffMaxMs, long writebackDelayMs, LongSupplier clockNs,
                          WriteAdmission writeAdmission) {

    public static final long CACHE_BYTES_DEFAULT = 1L << 30;
    public static final long DIRTY_BYTES_DEFAULT = 1L << 30;
    public static final long VOLUME_SIZE_DEFAULT_BYTES = 1L << 40;
    public static final long DIRTY_WAIT_DEFAULT_MS = 60_000;
    public static final long FSYNC_TIMEOUT_DEFAULT_MS = 120_000;
    public static final long READ_TIMEOUT_DEFAULT_MS = 60_000;
    public static final int FLUSH_IN_FLIGHT_DEFAULT = 64;
    public static final int FLUSH_IN_FLIGHT_MAX = 1024;
    public static final int DELETE_IN_FLIGHT_DEFAULT = 32;
    public static final int DELETE_IN_FLIGHT_MAX = 1024;
    public static final int READAHEAD_PAGES_DEFAULT = 16;
    public static final int READAHEAD_PAGES_MAX = 256;
    public static final long RETRY_BACKOFF_MAX_DEFAULT_MS = 5_000;
    /**
     * A partly written page waits this long after it became dirty before it is uploaded, so
     * rewrites of it in the meantime cost one upload (ext4's default commit interval is 5 s too).
     */
    public static final long WRITEBACK_DELAY_DEFAULT_MS = 5_000;
    public static final long WRITEBACK_DELAY_MAX_MS = 600_000;
    /** Past this share of the dirty bound every dirty page is due, whatever its age. */
    public static final int DIRTY_BACKGROUND_PERCENT = 50;
    /** Dirty pages may fill at most this share of the cache, so clean pages always have room. */
    public static final int DIRTY_SHARE_OF_CACHE_MAX_PERCENT = 50;
    /** The dirty bound holds at least this many pages, so one large write() always fits. */
    public static final int DIRTY_PAGES_MIN = 2 * MountLimits.WRITE_TXN_PAGES_MAX;

    public MountConfig {
        require(volumeId >= 0 && epoch >= 0, "volume id and epoch are non-negative");
        require(volumeName != null && !volumeName.isEmpty() && volumeName.length() <= Limits.NAME_MAX_CHARS,
                "a volume name of 1.." + Limits.NAME_MAX_CHARS + " characters");
        require(Integer.bitCount(pageSizeBytes) == 1 && pageSizeBytes >= Limits.PAGE_SIZE_MIN_BYTES
                && pageSizeBytes <= Limits.PAGE_SIZE_MAX_BYTES, "page size a power of two within Limits");
        require(cacheDir != null, "a cache directory");
        require(dirtyBytesMax >= (long) DIRTY_PAGES_MIN * pageSizeBytes,
                "dirtyBytesMax >= " + DIRTY_PAGES_MIN + " pages");
        require(dirtyBytesMax * 100 <= cacheBytesMax * DIRTY_SHARE_OF_CACHE_MAX_PERCENT,
                "dirtyBytesMax <= " + DIRTY_SHARE_OF_CACHE_MAX_PERCENT + "% of cacheBytesMax");
        require(cacheBytesMax + MountLimits.LMDB_MAP_METADATA_BYTES < MountLimits.LMDB_MAP_MAX_BYTES / 2,
                "cacheBytesMax well below the LMDB map limit");
        require(volumeSizeBytes != null && clockNs != null, "volume size and clock suppliers");
        require(writeAdmission != null, "a write admission (WriteAdmission.ALWAYS admits everything)");
        require(dirtyWaitMs > 0 && fsyncTimeoutMs > 0 && readTimeoutMs > 0, "positive deadlines");
        require(flushInFlightMax >= 1 && flushInFlightMax <= FLUSH_IN_FLIGHT_MAX, "flushInFlightMax in range");
        require(deleteInFlightMax >= 1 && deleteInFlightMax <= DELETE_IN_FLIGHT_MAX, "deleteInFlightMax in range");
        require(readaheadPages >= 0 && readaheadPages <= READAHEAD_PAGES_MAX, "readaheadPages in range");
        require(retryBackoffMaxMs >= 1, "positive retry backoff");
        require(writebackDelayMs >= 0 && writebackDelayMs <= WRITEBACK_DELAY_MAX_MS,
                "writebackDelayMs in 0.." + WRITEBACK_DELAY_MAX_MS);
    }

    /** Defaults for everything but identity and place. */
    public static Builder builder(long volumeId, String volumeName, long epoch, Path cacheDir) {
        return new Builder(volumeId, volumeName, epoch, cacheDir);
    }

    public long pagesOf(long bytes) {
        return bytes == 0 ? 0 : (bytes - 1) / pageSizeBytes + 1;
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException("MountConfig: expected " + what);
        }
    }

    /** Wall-clock nanoseconds from {@link Instant#now()} (microsecond resolution on Linux). */
    public static long systemClockNs() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** Builds a {@link MountConfig}. Confined to the building thread. */
    public static final class Builder {
        private final long volumeId;
        private final String volumeName;
        private final long epoch;
        private final Path cacheDir;
        private int pageSizeBytes = Limits.PAGE_SIZE_DEFAULT_BYTES;
        private long cacheBytesMax = CACHE_BYTES_DEFAULT;
        private long dirtyBytesMax = DIRTY_BYTES_DEFAULT;
        private LongSupplier volumeSizeBytes = () -> VOLUME_SIZE_DEFAULT_BYTES;
        private long dirtyWaitMs = DIRTY_WAIT_DEFAULT_MS;
        private long fsyncTimeoutMs = FSYNC_TIMEOUT_DEFAULT_MS;
        private long readTimeoutMs = READ_TIMEOUT_DEFAULT_MS;
        private int flushInFlightMax = FLUSH_IN_FLIGHT_DEFAULT;
        private int deleteInFlightMax = DELETE_IN_FLIGHT_DEFAULT;
        private int readaheadPages = READAHEAD_PAGES_DEFAULT;
        private long retryBackoffMaxMs = RETRY_BACKOFF_MAX_DEFAULT_MS;
        private long writebackDelayMs = WRITEBACK_DELAY_DEFAULT_MS;
        private LongSupplier clockNs = MountConfig::systemClockNs;
        private WriteAdmission writeAdmission = WriteAdmission.ALWAYS;

        private Builder(long volumeId, String volumeName, long epoch, Path cacheDir) {
            this.volumeId = volumeId;
            this.volumeName = volumeName;
            this.epoch = epoch;
            this.cacheDir = cacheDir;
        }

        public Builder pageSizeBytes(int v) {
            pageSizeBytes = v;
            return this;
        }

        public Builder cacheBytesMax(long v) {
            cacheBytesMax = v;
            return this;
        }

        public Builder dirtyBytesMax(long v) {
            dirtyBytesMax = v;
            return this;
        }

        public Builder volumeSizeBytes(LongSupplier v) {
            volumeSizeBytes = v;
            return this;
        }

        public Builder dirtyWaitMs(long v) {
            dirtyWaitMs = v;
            return this;
        }

        public Builder fsyncTimeoutMs(long v) {
            fsyncTimeoutMs = v;
            return this;
        }

        public Builder readTimeoutMs(long v) {
            readTimeoutMs = v;
            return this;
        }

        public Builder flushInFlightMax(int v) {
            flushInFlightMax = v;
            return this;
        }

        public Builder deleteInFlightMax(int v) {
            deleteInFlightMax = v;
            return this;
        }

        public Builder readaheadPages(int v) {
            readaheadPages = v;
            return this;
        }

        public Builder retryBackoffMaxMs(long v) {
            retryBackoffMaxMs = v;
            return this;
        }

        public Builder writebackDelayMs(long v) {
            writebackDelayMs = v;
            return this;
        }

        public Builder clockNs(LongSupplier v) {
            clockNs = v;
            return this;
        }

        public Builder writeAdmission(WriteAdmission v) {
            writeAdmission = v;
            return this;
        }

        public MountConfig build() {
            return new MountConfig(volumeId, volumeName, epoch, pageSizeBytes, cacheDir, cacheBytesMax,
                    dirtyBytesMax, volumeSizeBytes, dirtyWaitMs, fsyncTimeoutMs, readTimeoutMs,
                    flushInFlightMax, deleteInFlightMax, readaheadPages, retryBackoffMaxMs, writebackDelayMs, clockNs,
                    writeAdmission);
        }
    }
}
