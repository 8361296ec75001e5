package io.quire.mount.pages;

import io.quire.mount.Errno;
import io.quire.mount.PosixException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Thread-safe. Counts the pages written locally but not yet acknowledged by W replicas, and makes
 * writers wait while there are too many.
 *
 * <p>The bound is soft by at most one write per concurrent writer: a writer checks for room,
 * then writes; reserving exactly would need the page count before the transaction knows it. A
 * writer that finds no room waits until the flusher frees some, up to a deadline, then gets EIO
 * (blocking file operations never answer EAGAIN). A single write larger than the bound is let
 * through when nothing is dirty, so it can never wait forever.
 */
public final class DirtyBudget {
    private final long maxPages;
    private final long backgroundPages;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition freed = lock.newCondition();
    private long dirtyPages;

    /**
     * @param backgroundPages past this many dirty pages the flusher uploads every dirty page,
     *                        whatever its age (see {@link #aboveBackground()})
     */
    public DirtyBudget(long maxPages, long backgroundPages, long initialDirtyPages) {
        this.maxPages = maxPages;
        this.backgroundPages = backgroundPages;
        this.dirtyPages = initialDirtyPages;
    }

    /** True when {@code pages} more dirty pages fit now. */
    public boolean hasRoom(int pages) {
        lock.lock();
        try {
            return pages == 0 || dirtyPages == 0 || dirtyPages + pages <= maxPages;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until {@code pages} more dirty pages fit, or throws EIO after {@code timeoutMs}. */
    public void awaitRoom(int pages, long timeoutMs) {
        if (pages == 0) {
            return;
        }
        lock.lock();
        try {
            long left = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            while (dirtyPages > 0 && dirtyPages + pages > maxPages) {
                if (left <= 0) {
                    throw new PosixException(Errno.EIO, "no room for dirty pages after " + timeoutMs
                            + " ms (" + dirtyPages + " of " + maxPages + " pages not yet uploaded)");
                }
                left = freed.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PosixException(Errno.EIO, "interrupted waiting for dirty room", e);
        } finally {
            lock.unlock();
        }
    }

    /** Applies a change in the number of dirty pages (after the commit that made it). */
    public void add(long delta) {
        if (delta == 0) {
            return;
        }
        lock.lock();
        try {
            dirtyPages += delta;
            if (delta < 0) {
                freed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    public long dirtyPages() {
        lock.lock();
        try {
            return dirtyPages;
        } finally {
            lock.unlock();
        }
    }

    /**
     * True when more pages are dirty than the background mark: the write-back delay no longer
     * applies, so writers are not made to wait while young pages sit idle.
     */
    public boolean aboveBackground() {
        lock.lock();
        try {
            return dirtyPages > backgroundPages;
        } finally {
            lock.unlock();
        }
    }

    public long maxPages() {
        return maxPages;
    }
}
