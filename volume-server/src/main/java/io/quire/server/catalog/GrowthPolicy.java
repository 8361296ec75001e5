package io.quire.server.catalog;

/**
 * Thread-safe (stateless): when and by how much a volume grows on demand.
 *
 * <p>A step of a quarter of the size (at least 1 GiB) keeps the number of grow steps logarithmic in
 * the final size, while small volumes still get room for a burst of writes.
 */
final class GrowthPolicy {
    /** Usage, in percent of the size, at which the volume grows. */
    static final int GROW_THRESHOLD_PERCENT = 80;
    /** A step is size / GROW_STEP_SIZE_DIVISOR... */
    static final long GROW_STEP_SIZE_DIVISOR = 4;
    /** ...but at least this much. */
    static final long GROW_STEP_MIN_BYTES = 1L << 30;

    private GrowthPolicy() {
    }

    /**
     * The size after a usage report. Both inputs are bounded (sizes by VOLUME_SIZE_MAX_BYTES, usage by
     * REPORTED_VALUE_MAX), so the percent arithmetic does not overflow.
     */
    static long grownSize(long sizeBytes, long maxSizeBytes, long usedBytes) {
        boolean pastThreshold = usedBytes * 100 >= sizeBytes * GROW_THRESHOLD_PERCENT;
        if (!pastThreshold || sizeBytes >= maxSizeBytes) {
            return sizeBytes;
        }
        long step = Math.max(sizeBytes / GROW_STEP_SIZE_DIVISOR, GROW_STEP_MIN_BYTES);
        return Math.min(maxSizeBytes, sizeBytes + step);
    }
}
