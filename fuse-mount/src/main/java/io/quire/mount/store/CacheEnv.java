package io.quire.mount.store;

import io.quire.mount.Errno;
import io.quire.mount.MountLimits;
import io.quire.mount.PosixException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.Predicate;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe. The one LMDB environment of a mount — metadata and page cache — and the only way to
 * run a transaction on it.
 *
 * <p>Write transactions are serialized by a lock (LMDB allows one writer; taking turns on a lock
 * is cheaper than handing work to a writer thread for transactions this short). Commits do not
 * fsync ({@code MDB_NOSYNC}): a committed write lives in the OS page cache and so survives a
 * crash of this process, which is what promise 1 asks of {@code write()}; {@link #sync()} makes it
 * host-crash durable and is what {@code fsync()} calls. {@code MDB_WRITEMAP}: LMDB writes pages
 * straight into the shared mapping rather than copying each dirty page with {@code pwrite} at
 * commit; the disk blocks it may write next are reserved ahead ({@link DiskReservation}), so a
 * full disk is ENOSPC before a transaction starts, never a SIGBUS. {@code MDB_NOTLS} because FUSE
 * worker threads come and go: read slots belong to transactions, not threads.
 *
 * <p>A full map is grown, never fatal: every transaction holds the read side of a resize lock, so
 * {@code mdb_env_set_mapsize} runs only when no transaction is open in the process (LMDB's rule,
 * which lmdbjava leaves to us). The failed write is retried from the start, which is why its
 * in-memory effects are deferred through {@link WriteTxn#afterCommit}.
 *
 * <p>The metadata DBIs are {@link JournaledDbi journaled}: the changes a write transaction makes
 * to them are collected in its {@link WriteTxn} and, once the transaction's work is done, handed
 * to the attached {@link JournalSink} inside the same transaction, so a metadata operation and its
 * journal record commit together or not at all. Without a sink (tests of the store alone) no
 * history is kept.
 */
public final class CacheEnv implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CacheEnv.class);
    /** Named databases in the environment (see each table's class for its layout). */
    /** The twelve tables, plus the one-value-per-page table of older caches while it is moved. */
    private static final int DBI_COUNT = 13;
    /** Before pages were chunked: (ino, index) to the whole page. Moved into {@code pages} at open. */
    static final String WHOLE_PAGE_DBI = "page";
    private static final int MIGRATION_BATCH_PAGES = 256;
    /** LMDB's data file in the cache directory. */
    static final String DATA_FILE = "data.mdb";

    public final InodeTable inodes;
    public final DirTable dirs;
    public final SymlinkTable symlinks;
    public final XattrTable xattrs;
    public final MetaTable meta;
    public final OrphanTable orphans;
    public final PageTable pages;
    public final DirtyTable dirty;
    public final RemoteTable remote;
    public final TrashTable trash;
    public final JournalTable journal;

    private final Env<ByteBuffer> env;
    private final DiskReservation reservation;
    private final long lmdbPageBytes;
    /** The last reservation after a commit failed: the next write must get it first. */
    private volatile boolean reservationShort;
    private final Path dir;
    private final ReentrantReadWriteLock resizeLock = new ReentrantReadWriteLock();
    private final ReentrantLock writerLock = new ReentrantLock();
    private volatile long mapSizeBytes;
    private final List<JournaledDbi> journaled;
    private volatile boolean closed;
    private volatile JournalSink sink;
    /** The running write transaction; touched only by the thread holding the writer lock. */
    private WriteTxn writing;

    private CacheEnv(Path dir, Env<ByteBuffer> env, DiskReservation reservation) {
        this.dir = dir;
        this.env = env;
        this.reservation = reservation;
        this.lmdbPageBytes = env.stat().pageSize;
        this.mapSizeBytes = env.info().mapSize;
        JournaledDbi inode = journaled(JournaledDbi.INODE, "inode", k -> true);
        JournaledDbi dirent = journaled(JournaledDbi.DIRENT, "dirent", k -> true);
        JournaledDbi dirpos = journaled(JournaledDbi.DIRPOS, "dirpos", k -> true);
        JournaledDbi symlink = journaled(JournaledDbi.SYMLINK, "symlink", k -> true);
        JournaledDbi xattr = journaled(JournaledDbi.XATTR, "xattr", k -> true);
        JournaledDbi metaDbi = journaled(JournaledDbi.META, "meta", MetaTable::isJournaled);
        JournaledDbi orphan = journaled(JournaledDbi.ORPHAN, "orphan", k -> true);
        JournaledDbi remoteDbi = journaled(JournaledDbi.REMOTE, "remote", k -> true);
        JournaledDbi trashDbi = journaled(JournaledDbi.TRASH, "trash", k -> true);
        journaled = List.of(inode, dirent, dirpos, symlink, xattr, metaDbi, orphan, remoteDbi, trashDbi);
        inodes = new InodeTable(inode);
        dirs = new DirTable(dirent, dirpos);
        symlinks = new SymlinkTable(symlink);
        xattrs = new XattrTable(xattr);
        meta = new MetaTable(metaDbi);
        orphans = new OrphanTable(orphan);
        pages = new PageTable(dbi("pages"));
        dirty = new DirtyTable(dbi("dirty"));
        remote = new RemoteTable(remoteDbi);
        trash = new TrashTable(trashDbi);
        journal = new JournalTable(dbi("journal"));
    }

    /**
     * A cache written by an older Quire keeps each page as one value in {@value #WHOLE_PAGE_DBI};
     * its pages (dirty ones included: the dirty table's keys do not change) are moved into the
     * chunked table in transactions of {@value #MIGRATION_BATCH_PAGES}, then the old table is
     * dropped. A crash in between resumes where it stopped: a page is put and deleted in one
     * transaction.
     */
    private void moveWholePages() {
        boolean present = env.getDbiNames().stream()
                .anyMatch(n -> new String(n, StandardCharsets.US_ASCII).equals(WHOLE_PAGE_DBI));
        if (!present) {
            return;
        }
        Dbi<ByteBuffer> old = env.openDbi(WHOLE_PAGE_DBI);
        long moved = 0;
        for (;;) {
            int n = write(w -> {
                List<long[]> keys = new ArrayList<>();
                List<byte[]> values = new ArrayList<>();
                try (Cursor<ByteBuffer> c = old.openCursor(w.txn)) {
                    for (boolean ok = c.first(); ok && keys.size() < MIGRATION_BATCH_PAGES; ok = c.next()) {
                        keys.add(new long[] {c.key().getLong(0), c.key().getLong(8)});
                        values.add(Keys.copy(c.val()));
                    }
                }
                for (int i = 0; i < keys.size(); i++) {
                    long[] k = keys.get(i);
                    pages.put(w.txn, k[0], k[1], values.get(i), 0, values.get(i).length);
                    old.delete(w.txn, Keys.of(k[0], k[1]));
                }
                return keys.size();
            });
            if (n == 0) {
                break;
            }
            moved += n;
        }
        write(w -> {
            old.drop(w.txn, true);
            return null;
        });
        log.info("cache {}: moved {} pages to the chunked page table", dir, moved);
    }

    private JournaledDbi journaled(int id, String name, Predicate<ByteBuffer> filter) {
        return new JournaledDbi(id, name, dbi(name), filter, this::writing);
    }

    /** The write transaction {@code txn} belongs to; journaled tables record into it. */
    private WriteTxn writing(Txn<ByteBuffer> txn) {
        WriteTxn w = writing;
        if (w == null || w.txn != txn) {
            throw new IllegalStateException("a journaled table was changed outside CacheEnv.write");
        }
        return w;
    }

    /** The journaled DBIs in id order: what a checkpoint holds and a rebuild restores. */
    public List<JournaledDbi> journaledDbis() {
        return journaled;
    }

    /** From now on every write transaction that changes journaled DBIs appends a record here. */
    public void attachJournal(JournalSink s) {
        sink = s;
    }

    /** Opens (creating if needed) the environment in {@code dir} with at least this map size. */
    public static CacheEnv open(Path dir, long mapSizeBytes) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create cache directory " + dir, e);
        }
        DiskReservation reservation = DiskReservation.open(dir.resolve(DATA_FILE));
        Env<ByteBuffer> env = null;
        try {
            env = Env.create()
                    .setMapSize(mapSizeBytes)
                    .setMaxDbs(DBI_COUNT)
                    .setMaxReaders(MountLimits.LMDB_READERS_MAX)
                    .open(dir.toFile(), EnvFlags.MDB_NOSYNC, EnvFlags.MDB_NOTLS, EnvFlags.MDB_NORDAHEAD,
                            EnvFlags.MDB_WRITEMAP);
            CacheEnv c = new CacheEnv(dir, env, reservation);
            c.reserveAfterCommit(); // a full disk still opens: reads work, writes get ENOSPC
            c.moveWholePages();
            log.info("opened cache {} (map {} MiB, {} MiB of disk reserved)", dir, c.mapSizeBytes >> 20,
                    reservation.reservedBytes() >> 20);
            return c;
        } catch (RuntimeException e) {
            if (env != null) {
                env.close();
            }
            reservation.close();
            throw e;
        }
    }

    private Dbi<ByteBuffer> dbi(String name) {
        return env.openDbi(name, DbiFlags.MDB_CREATE);
    }

    public Path dir() {
        return dir;
    }

    public long mapSizeBytes() {
        return mapSizeBytes;
    }

    /** Runs {@code fn} in a read transaction; the buffers it sees die with the transaction. */
    public <T> T read(Function<Txn<ByteBuffer>, T> fn) {
        Lock shared = resizeLock.readLock();
        shared.lock();
        try {
            ensureOpen();
            try (Txn<ByteBuffer> txn = env.txnRead()) {
                return fn.apply(txn);
            }
        } finally {
            shared.unlock();
        }
    }

    /**
     * Runs {@code fn} in a write transaction and commits it; an exception aborts it. {@code fn}
     * may run more than once (after the map grew) and must defer in-memory effects to
     * {@link WriteTxn#afterCommit}, which run after the commit, outside every lock.
     */
    public <T> T write(Function<WriteTxn, T> fn) {
        long roomDeadline = 0;
        for (int attempt = 0; ; attempt++) {
            long sizeSeen = mapSizeBytes;
            WriteTxn w;
            T result;
            JournalSink.Backlogged backlogged = null;
            JournalSink s = sink;
            writerLock.lock();
            Lock shared = resizeLock.readLock();
            shared.lock();
            try {
                ensureOpen();
                if (reservationShort) {
                    reserveAhead(); // ENOSPC here, before the transaction, while the disk stays full
                    reservationShort = false;
                }
                sizeSeen = mapSizeBytes;
                try (Txn<ByteBuffer> txn = env.txnWrite()) {
                    w = new WriteTxn(txn);
                    writing = w;
                    result = fn.apply(w);
                    Runnable committed = s != null && w.hasChanges() ? s.append(w, w.changes()) : null;
                    txn.commit();
                    if (committed != null) {
                        committed.run();
                    }
                    reserveAfterCommit();
                } finally {
                    writing = null;
                }
            } catch (Env.MapFullException e) {
                w = null;
                result = null;
            } catch (JournalSink.Backlogged e) {
                w = null;
                result = null;
                backlogged = e;
            } finally {
                shared.unlock();
                writerLock.unlock();
            }
            if (w != null) {
                w.runAfterCommit();
                return result;
            }
            if (backlogged != null) {
                if (roomDeadline == 0) {
                    roomDeadline = System.nanoTime() + s.roomWaitNanos();
                }
                if (!s.awaitRoom(roomDeadline)) {
                    throw new PosixException(Errno.EIO, backlogged.getMessage() + "; waited "
                            + (s.roomWaitNanos() / 1_000_000) + " ms for the servers");
                }
                attempt--; // not a map growth
                continue;
            }
            if (attempt >= MountLimits.LMDB_MAP_GROW_ATTEMPTS_MAX) {
                throw new PosixException(Errno.ENOSPC, "cache map full after " + attempt + " growths");
            }
            grow(sizeSeen);
        }
    }

    /** Reserves the blocks the next transactions may write: the used file plus the headroom. */
    private void reserveAhead() {
        long usedBytes = (env.info().lastPageNumber + 1) * lmdbPageBytes;
        reservation.ensure(usedBytes + DiskReservation.HEADROOM_BYTES);
    }

    /** Under the writer lock, after a commit: a shortfall fails the next write, not this one. */
    private void reserveAfterCommit() {
        try {
            reserveAhead();
        } catch (PosixException e) {
            if (!reservationShort) {
                log.warn("cache {}: {}; writes fail with ENOSPC until there is room", dir, e.getMessage());
            }
            reservationShort = true;
        }
    }

    private void grow(long sizeSeen) {
        Lock exclusive = resizeLock.writeLock();
        exclusive.lock();
        try {
            ensureOpen();
            if (mapSizeBytes != sizeSeen) {
                return; // another writer grew it meanwhile
            }
            long next = Math.min(MountLimits.LMDB_MAP_MAX_BYTES, sizeSeen * 2);
            if (next <= sizeSeen) {
                throw new PosixException(Errno.ENOSPC, "cache map at its limit of " + sizeSeen + " bytes");
            }
            env.setMapSize(next);
            mapSizeBytes = next;
            log.info("cache {} map grown to {} MiB", dir, next >> 20);
        } finally {
            exclusive.unlock();
        }
    }

    /** Flushes every committed transaction to disk (fsync of the data file). */
    public void sync() {
        Lock shared = resizeLock.readLock();
        shared.lock();
        try {
            ensureOpen();
            env.sync(true);
        } finally {
            shared.unlock();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new PosixException(Errno.EIO, "cache " + dir + " is closed");
        }
    }

    /** Syncs and closes; waits for open transactions to end. */
    @Override
    public void close() {
        Lock exclusive = resizeLock.writeLock();
        exclusive.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            env.sync(true);
            env.close();
            reservation.close();
            log.info("closed cache {}", dir);
        } finally {
            exclusive.unlock();
        }
    }
}
