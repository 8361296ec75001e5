package io.quire.mount.daemon;

import io.quire.cluster.Volume;
import io.quire.mount.Errno;
import io.quire.mount.PosixException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe. A mounted volume's room: the size {@code df} shows (from the newest cluster map,
 * so growth shows without a remount), the ENOSPC check against the maximum size, and a thread
 * that asks the catalog to grow the volume once usage passes {@value #GROW_THRESHOLD_PERCENT} %
 * of its size.
 *
 * <p>Usage is what statfs counts: the pages holding data, kept by the POSIX layer. Growth is only
 * ever asked for; the catalog's step policy decides by how much, up to the maximum size. Writes
 * are refused only past the maximum, never past the current size, so a burst of writes does not
 * fail while a grow step is on its way.
 */
public final class VolumeSpace implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(VolumeSpace.class);
    /** The usage share at which growth is asked for; the catalog's policy uses the same. */
    static final int GROW_THRESHOLD_PERCENT = 80;
    public static final long CHECK_INTERVAL_DEFAULT_MS = 1_000;
    private static final long JOIN_TIMEOUT_MS = 5_000;

    /** Asks the catalog to grow a volume and installs the map that shows the result. */
    @FunctionalInterface
    public interface Grower {
        void grow(Volume volume, long usedBytes);
    }

    private final Supplier<Volume> source;
    private final Grower grower;
    private final long checkIntervalMs;
    private final Semaphore wake = new Semaphore(0);
    private final AtomicLong refusals = new AtomicLong();
    private volatile Volume last;
    private volatile boolean closed;
    private Thread thread;

    /**
     * @param source the volume as the newest cluster map shows it (null when the map lacks it: the
     *               last one seen stays in use)
     */
    public VolumeSpace(Volume initial, Supplier<Volume> source, Grower grower, long checkIntervalMs) {
        if (checkIntervalMs <= 0) {
            throw new IllegalArgumentException("check interval " + checkIntervalMs + " ms");
        }
        this.last = initial;
        this.source = source;
        this.grower = grower;
        this.checkIntervalMs = checkIntervalMs;
    }

    /** The volume as last seen. */
    public Volume volume() {
        Volume v = source.get();
        if (v != null) {
            last = v;
            return v;
        }
        return last;
    }

    /** What df shows as the size. */
    public long sizeBytes() {
        return volume().sizeBytes();
    }

    /** Writes refused with ENOSPC so far. */
    public long refusals() {
        return refusals.get();
    }

    /**
     * Throws ENOSPC when {@code growthBytes} more would take usage past the volume's maximum size;
     * wakes the grow thread when usage nears the current size.
     */
    public void checkRoom(long usedBytes, long growthBytes) {
        if (growthBytes <= 0) {
            return;
        }
        Volume v = volume();
        long after = usedBytes + growthBytes;
        if (after < usedBytes || after > v.maxSizeBytes()) {
            long n = refusals.incrementAndGet();
            if (n == 1 || Long.bitCount(n) == 1) { // 1, 2, 4, 8...: loud but bounded
                log.warn("volume {} is full: {} bytes used, {} more would pass its maximum size of {} bytes"
                        + " ({} writes refused with ENOSPC)", v.name(), usedBytes, growthBytes, v.maxSizeBytes(), n);
            }
            throw new PosixException(Errno.ENOSPC, "volume " + v.name() + " is full: " + usedBytes + " + " + growthBytes
                    + " bytes pass its maximum size of " + v.maxSizeBytes());
        }
        if (pastThreshold(after, v.sizeBytes()) && v.sizeBytes() < v.maxSizeBytes() && wake.availablePermits() == 0) {
            wake.release();
        }
    }

    static boolean pastThreshold(long usedBytes, long sizeBytes) {
        return (double) usedBytes * 100 >= (double) sizeBytes * GROW_THRESHOLD_PERCENT;
    }

    /** Starts the grow thread; {@code usedBytes} reads the usage (statfs's count). */
    public synchronized void start(LongSupplier usedBytes) {
        if (thread != null) {
            return;
        }
        thread = new Thread(() -> growLoop(usedBytes), "quire-grow-" + last.name());
        thread.setDaemon(true);
        thread.start();
    }

    private void growLoop(LongSupplier usedBytes) {
        String lastError = null;
        while (!closed) {
            try {
                wake.tryAcquire(checkIntervalMs, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (closed) {
                return;
            }
            try {
                growIfNeeded(usedBytes.getAsLong());
                lastError = null;
            } catch (RuntimeException e) {
                if (!e.toString().equals(lastError)) { // once per distinct failure, not every second
                    log.warn("volume {}: cannot grow: {}", last.name(), e.toString());
                    lastError = e.toString();
                }
            }
        }
    }

    /** One check: asks for growth when usage passed the threshold and the volume may grow. */
    void growIfNeeded(long usedBytes) {
        Volume v = volume();
        if (v.sizeBytes() >= v.maxSizeBytes() || !pastThreshold(usedBytes, v.sizeBytes())) {
            return;
        }
        grower.grow(v, usedBytes);
        Volume after = volume();
        if (after.sizeBytes() != v.sizeBytes()) {
            log.info("volume {} grew from {} to {} bytes ({} used, maximum {})", v.name(), v.sizeBytes(),
                    after.sizeBytes(), usedBytes, after.maxSizeBytes());
        }
    }

    @Override
    public void close() {
        closed = true;
        wake.release();
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            try {
                t.join(JOIN_TIMEOUT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
