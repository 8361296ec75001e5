package io.quire.server.store;

import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.nio.ByteBuffer;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.lmdbjava.Env;
import org.lmdbjava.EnvInfo;
import org.lmdbjava.Txn;

/**
 * Thread-safe. Admits LMDB transactions, and excludes them while the map is resized or the
 * environment closed.
 *
 * <p>LMDB allows {@code mdb_env_set_mapsize} only while no transaction is open in the process,
 * and lmdbjava does not enforce it: every transaction (read or write) is opened under the shared
 * side of a read-write lock, and a resize or close takes the exclusive side. Read transactions are
 * also bounded by a semaphore, since each takes one of LMDB's fixed reader slots.
 *
 * <p>The writer holds the shared side across its commit's fsync. That blocks nobody but a resize
 * or close, which must wait for the transaction anyway.
 */
final class TxnGate {
    private final Env<ByteBuffer> env;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Semaphore readSlots;
    private final long readWaitMs;
    /** Written under the exclusive lock, read under the shared one. */
    private boolean closed;

    TxnGate(Env<ByteBuffer> env, int readTxnsMax, long readWaitMs) {
        this.env = env;
        this.readSlots = new Semaphore(readTxnsMax);
        this.readWaitMs = readWaitMs;
    }

    /** Runs {@code body} in a read transaction that is closed when it returns. */
    <T> T read(Function<Txn<ByteBuffer>, T> body) {
        acquireReadSlot();
        try {
            lock.readLock().lock();
            try {
                checkOpen();
                try (Txn<ByteBuffer> txn = env.txnRead()) {
                    return body.apply(txn);
                }
            } finally {
                lock.readLock().unlock();
            }
        } finally {
            readSlots.release();
        }
    }

    /**
     * Runs {@code body} in a write transaction; {@code body} commits, or the transaction is aborted
     * when it returns or throws. Only the writer thread calls this (LMDB has one writer).
     */
    <T> T write(Function<Txn<ByteBuffer>, T> body) {
        lock.readLock().lock();
        try {
            checkOpen();
            try (Txn<ByteBuffer> txn = env.txnWrite()) {
                return body.apply(txn);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Sets the map size once no transaction is open; new transactions wait meanwhile. */
    void resize(long mapBytes) {
        lock.writeLock().lock();
        try {
            checkOpen();
            env.setMapSize(mapBytes);
        } finally {
            lock.writeLock().unlock();
        }
    }

    long mapBytes() {
        return info().mapSize;
    }

    /** The id of the last committed write transaction. */
    long lastTxnId() {
        return info().lastTransactionId;
    }

    private EnvInfo info() {
        lock.readLock().lock();
        try {
            checkOpen();
            return env.info();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Waits for open transactions to end, then closes the environment; later calls fail. */
    void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                env.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void acquireReadSlot() {
        boolean acquired;
        try {
            acquired = readSlots.tryAcquire(readWaitMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QuireException(Status.INTERNAL_ERROR, "interrupted waiting for a read slot", e);
        }
        if (!acquired) {
            throw new QuireException(Status.OVERLOADED, "all page store read slots busy for " + readWaitMs + " ms");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new QuireException(Status.UNAVAILABLE, "page store closed");
        }
    }
}
