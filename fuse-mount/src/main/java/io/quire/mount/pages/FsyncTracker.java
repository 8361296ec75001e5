package io.quire.mount.pages;

import io.quire.mount.Errno;
import io.quire.mount.PosixException;
import io.quire.mount.store.CacheEnv;
import io.quire.proto.Status;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Thread-safe. Lets fsync wait until every page of a file that was dirty when it started has
 * reached W replicas in that version or a newer one.
 *
 * <p>A page counts as done when the flusher reports an upload at a sequence at least the one
 * fsync saw, or when the page is no longer dirty at all (uploaded and cleared, or cut off by a
 * truncate). The second test is polled, so no notification can be missed.
 */
public final class FsyncTracker {
    /** How often a waiter re-reads the dirty table when no upload reported in. */
    private static final long RECHECK_INTERVAL_MS = 50;

    private final CacheEnv env;
    private final Set<Waiter> waiters = ConcurrentHashMap.newKeySet();

    public FsyncTracker(CacheEnv env) {
        this.env = env;
    }

    /** Called by the flusher when page (ino, index) at {@code seq} has W acks. */
    void uploaded(long ino, long index, long seq) {
        for (Waiter w : waiters) {
            if (w.ino == ino) {
                w.uploaded(index, seq);
            }
        }
    }

    /**
     * Called by the flusher when an upload failed; a status that retrying cannot cure ends the
     * wait.
     */
    void failed(long ino, long index, Status status) {
        if (status.isRetryable()) {
            return;
        }
        for (Waiter w : waiters) {
            if (w.ino == ino) {
                w.fail(index, status);
            }
        }
    }

    /**
     * Waits until the pages in {@code snapshot} (index to dirty sequence) are durable. The
     * deadline is {@code timeoutMs} without progress: each acknowledged page starts it again, so
     * a large backlog that the replicas keep absorbing is waited for, and replicas that stop
     * answering end the wait in EIO {@code timeoutMs} after their last acknowledgement.
     *
     * @throws PosixException EIO at the deadline, or the mapped errno of a permanent failure
     */
    public void await(long ino, Map<Long, Long> snapshot, long timeoutMs) {
        Waiter w = new Waiter(ino, snapshot);
        waiters.add(w);
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            int pendingBefore = Integer.MAX_VALUE;
            while (true) {
                w.recheck(env);
                if (w.done()) {
                    return;
                }
                int pending = w.pendingCount();
                if (pending < pendingBefore) {
                    pendingBefore = pending;
                    deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new PosixException(Errno.EIO, "fsync of inode " + ino + ": " + pending
                            + " pages not acknowledged by the replicas, none for " + timeoutMs + " ms");
                }
                w.sleep(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, RECHECK_INTERVAL_MS));
            }
        } finally {
            waiters.remove(w);
        }
    }

    /** One fsync in progress. Thread-safe (its own monitor). */
    private static final class Waiter {
        final long ino;
        private final Map<Long, Long> pending;
        private Status failure;

        Waiter(long ino, Map<Long, Long> snapshot) {
            this.ino = ino;
            this.pending = new HashMap<>(snapshot);
        }

        synchronized void uploaded(long index, long seq) {
            Long need = pending.get(index);
            if (need != null && seq >= need) {
                pending.remove(index);
                notifyAll();
            }
        }

        synchronized void fail(long index, Status status) {
            if (pending.containsKey(index)) {
                failure = status;
                notifyAll();
            }
        }

        void recheck(CacheEnv env) {
            Long[] indexes;
            synchronized (this) {
                indexes = pending.keySet().toArray(new Long[0]);
            }
            if (indexes.length == 0) {
                return;
            }
            boolean[] clean = env.readData(txn -> {
                boolean[] out = new boolean[indexes.length];
                for (int i = 0; i < indexes.length; i++) {
                    out[i] = env.dirty.seq(txn, ino, indexes[i]) == 0;
                }
                return out;
            });
            synchronized (this) {
                for (int i = 0; i < indexes.length; i++) {
                    if (clean[i]) {
                        pending.remove(indexes[i]);
                    }
                }
            }
        }

        synchronized boolean done() {
            if (failure != null && !pending.isEmpty()) {
                throw new PosixException(Errno.of(failure), "fsync of inode " + ino + ": upload failed with " + failure);
            }
            return pending.isEmpty();
        }

        synchronized int pendingCount() {
            return pending.size();
        }

        synchronized void sleep(long ms) {
            try {
                wait(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PosixException(Errno.EIO, "fsync interrupted", e);
            }
        }
    }
}
