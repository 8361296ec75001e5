package io.quire.mount.store;

import io.quire.mount.Errno;
import io.quire.mount.MountLimits;
import io.quire.mount.PosixException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import org.lmdbjava.CopyFlags;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe. The two LMDB environments of a mount — metadata in the cache directory, page
 * bytes and dirty marks in its {@value #DATA_DIR} subdirectory — and the only way to run a
 * transaction on them.
 *
 * <p>Why two: LMDB reuses freed pages oldest first, and a cache that evicts or deletes gigabytes
 * of page bytes holds hundreds of thousands of free pages the kernel has long written back. In one
 * environment every small metadata transaction (an unlink, a create) then writes into such pages,
 * each write a page fault, and saves a large free list at each commit; unlinks after a large
 * delete ran at half their speed on a fresh cache. Apart, the metadata environment's free list
 * holds only metadata pages, few and recently written. The price is that the two commits of a
 * write are not atomic together: {@link WriteTxn} fixes their order so that a crash between them
 * leaves only what the start-up reconcile ({@code io.quire.mount.pages.CacheReconcile}) repairs.
 *
 * <p>Write transactions are serialized by one lock over both environments (LMDB allows one writer
 * each; taking turns on a lock is cheaper than handing work to a writer thread for transactions
 * this short). Commits do not fsync ({@code MDB_NOSYNC}): a committed write lives in the OS page
 * cache and so survives a crash of this process, which is what promise 1 asks of {@code write()};
 * {@link #sync()} makes it host-crash durable and is what {@code fsync()} calls. {@code
 * MDB_WRITEMAP}: LMDB writes pages straight into the shared mapping rather than copying each
 * dirty page with {@code pwrite} at commit; the disk blocks it may write next are reserved ahead
 * ({@link DiskReservation}), so a full disk is ENOSPC before a transaction starts, never a SIGBUS.
 * {@code MDB_NOTLS} because FUSE worker threads come and go: read slots belong to transactions,
 * not threads. A reader that needs both takes the data snapshot first ({@link #readBoth}): then
 * metadata it sees is never older than the pages it sees, so it cannot see a file's old size
 * after its pages were dropped.
 *
 * <p>A full map is grown, never fatal: every transaction holds the read side of a resize lock, so
 * {@code mdb_env_set_mapsize} runs only when no transaction is open in the process (LMDB's rule,
 * which lmdbjava leaves to us). The failed write is retried from the start, which is why its
 * in-memory effects are deferred through {@link WriteTxn#afterCommit}.
 *
 * <p>The metadata DBIs are {@link JournaledDbi journaled}: the changes a write transaction makes
 * to them are collected in its {@link WriteTxn} and, once the transaction's work is done, handed
 * to the attached {@link JournalSink} inside the same metadata transaction, so a metadata
 * operation and its journal record commit together or not at all. Without a sink (tests of the
 * store alone) no history is kept.
 */
public final class CacheEnv implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CacheEnv.class);
    /** Named databases of the metadata environment: eleven tables, plus the three older caches kept there while they are moved. */
    private static final int META_DBI_COUNT = 14;
    /** Named databases of the data environment: pages and dirty marks. */
    private static final int DATA_DBI_COUNT = 2;
    /** Before pages were chunked: (ino, index) to the whole page. Moved into {@code pages} at open. */
    static final String WHOLE_PAGE_DBI = "page";
    static final String PAGES_DBI = "pages";
    static final String DIRTY_DBI = "dirty";
    private static final int MIGRATION_BATCH_ENTRIES = 1024;
    /** LMDB's data file, in the cache directory (metadata) and in {@link #DATA_DIR} (pages). */
    static final String DATA_FILE = "data.mdb";
    /** The data environment's directory inside the cache directory. */
    public static final String DATA_DIR = "pages";
    private static final String COMPACT_DIR = "compact.tmp";
    /**
     * Disk reserved past the used end of the metadata file: its transactions are small, and the
     * data file's larger headroom ({@link DiskReservation#HEADROOM_BYTES}) need not be paid twice.
     */
    static final long META_HEADROOM_BYTES = 16L << 20;

    /** Thrown inside {@link #write} when a map has too little room left to start a transaction. */
    private static final class MapRoomShort extends RuntimeException {
        MapRoomShort() {
            super(null, null, false, false);
        }
    }

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
    public final ExtentTable extents;
    public final JournalTable journal;

    private final Env<ByteBuffer> env;
    private final Env<ByteBuffer> dataEnv;
    private final DiskReservation reservation;
    private final DiskReservation dataReservation;
    private final long lmdbPageBytes;
    /** The used front of each file after the last commit; guarded by the writer lock. */
    private long dataUsedBytes;
    private long metaUsedBytes;
    /** The last reservation after a commit failed: the next write must get it first. */
    private volatile boolean reservationShort;
    private final Path dir;
    private final ReentrantReadWriteLock resizeLock = new ReentrantReadWriteLock();
    private final ReentrantLock writerLock = new ReentrantLock();
    private volatile long mapSizeBytes;
    private final List<JournaledDbi> journaled;
    private volatile boolean closed;
    private volatile JournalSink sink;
    /** Fault injection: runs between the two commits of a write (a crash there is what it simulates). */
    private volatile Runnable betweenCommits;
    /** The running write transaction; touched only by the thread holding the writer lock. */
    private WriteTxn writing;

    private CacheEnv(Path dir, Env<ByteBuffer> env, Env<ByteBuffer> dataEnv, DiskReservation reservation,
                     DiskReservation dataReservation) {
        this.dir = dir;
        this.env = env;
        this.dataEnv = dataEnv;
        this.reservation = reservation;
        this.dataReservation = dataReservation;
        this.lmdbPageBytes = env.stat().pageSize;
        this.mapSizeBytes = Math.min(env.info().mapSize, dataEnv.info().mapSize);
        JournaledDbi inode = journaled(JournaledDbi.INODE, "inode", k -> true);
        JournaledDbi dirent = journaled(JournaledDbi.DIRENT, "dirent", k -> true);
        JournaledDbi dirpos = journaled(JournaledDbi.DIRPOS, "dirpos", k -> true);
        JournaledDbi symlink = journaled(JournaledDbi.SYMLINK, "symlink", k -> true);
        JournaledDbi xattr = journaled(JournaledDbi.XATTR, "xattr", k -> true);
        JournaledDbi metaDbi = journaled(JournaledDbi.META, "meta", MetaTable::isJournaled);
        JournaledDbi orphan = journaled(JournaledDbi.ORPHAN, "orphan", k -> true);
        JournaledDbi remoteDbi = journaled(JournaledDbi.REMOTE, "remote", k -> true);
        JournaledDbi trashDbi = journaled(JournaledDbi.TRASH, "trash", k -> true);
        JournaledDbi extentDbi = journaled(JournaledDbi.EXTENT, "extent", k -> true);
        journaled = List.of(inode, dirent, dirpos, symlink, xattr, metaDbi, orphan, remoteDbi, trashDbi, extentDbi);
        inodes = new InodeTable(inode);
        dirs = new DirTable(dirent, dirpos);
        symlinks = new SymlinkTable(symlink);
        xattrs = new XattrTable(xattr);
        meta = new MetaTable(metaDbi);
        orphans = new OrphanTable(orphan);
        pages = new PageTable(dataEnv.openDbi(PAGES_DBI, DbiFlags.MDB_CREATE));
        dirty = new DirtyTable(dataEnv.openDbi(DIRTY_DBI, DbiFlags.MDB_CREATE));
        remote = new RemoteTable(remoteDbi);
        trash = new TrashTable(trashDbi);
        extents = new ExtentTable(extentDbi);
        journal = new JournalTable(dbi("journal"));
    }

    private static boolean hasDbi(Env<ByteBuffer> env, String name) {
        return env.getDbiNames().stream()
                .anyMatch(n -> new String(n, StandardCharsets.US_ASCII).equals(name));
    }

    /**
     * Moves the page tables of a cache written by an older Quire, which kept them in the metadata
     * environment, into the data environment, then compacts the metadata file so that its disk
     * space and its free list shrink to the metadata's. A batch is put in the data environment
     * and committed before it is deleted from the old table: a crash in between only moves it
     * again. Dirty marks keep their keys and values; pages of the oldest format ({@value
     * #WHOLE_PAGE_DBI}, one value per page) are chunked on the way.
     *
     * @return whether anything was moved (the caller then compacts)
     */
    private static boolean moveOldPageTables(Env<ByteBuffer> env, Env<ByteBuffer> dataEnv, PageTable pages,
                                             Path dir) {
        boolean moved = false;
        for (String name : List.of(PAGES_DBI, DIRTY_DBI, WHOLE_PAGE_DBI)) {
            if (!hasDbi(env, name)) {
                continue;
            }
            Dbi<ByteBuffer> old = env.openDbi(name);
            Dbi<ByteBuffer> to = name.equals(WHOLE_PAGE_DBI) ? null : dataEnv.openDbi(name, DbiFlags.MDB_CREATE);
            long n = 0;
            for (;;) {
                List<byte[]> keys = new ArrayList<>();
                List<byte[]> values = new ArrayList<>();
                try (Txn<ByteBuffer> r = env.txnRead(); Cursor<ByteBuffer> c = old.openCursor(r)) {
                    for (boolean ok = c.first(); ok && keys.size() < MIGRATION_BATCH_ENTRIES; ok = c.next()) {
                        keys.add(Keys.copy(c.key()));
                        values.add(Keys.copy(c.val()));
                    }
                }
                if (keys.isEmpty()) {
                    break;
                }
                try (Txn<ByteBuffer> d = dataEnv.txnWrite()) {
                    for (int i = 0; i < keys.size(); i++) {
                        byte[] v = values.get(i);
                        if (to == null) {
                            ByteBuffer k = ByteBuffer.wrap(keys.get(i));
                            pages.put(new DataTxn(d), k.getLong(0), k.getLong(8), v, 0, v.length);
                        } else {
                            to.put(d, Keys.of(keys.get(i)), Keys.of(v));
                        }
                    }
                    d.commit();
                }
                try (Txn<ByteBuffer> m = env.txnWrite()) {
                    for (byte[] k : keys) {
                        old.delete(m, Keys.of(k));
                    }
                    m.commit();
                }
                n += keys.size();
            }
            try (Txn<ByteBuffer> m = env.txnWrite()) {
                old.drop(m, true);
                m.commit();
            }
            log.info("cache {}: moved {} entries of table {} to the data environment", dir, n, name);
            moved = true;
        }
        return moved;
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

    /**
     * Fault injection for crash tests: {@code hook} runs after the first of a write's two
     * commits and before the second, in a write that changed both pages and journaled metadata
     * (an operation, not a page fetch or an upload's bookkeeping); an exception it throws aborts the second commit, which is
     * what a crash of the process at that point leaves on disk.
     */
    public void betweenCommits(Runnable hook) {
        betweenCommits = hook;
    }

    /** Opens (creating if needed) the environments in {@code dir} with at least this map size. */
    public static CacheEnv open(Path dir, long mapSizeBytes) {
        Path dataDir = dir.resolve(DATA_DIR);
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create cache directory " + dataDir, e);
        }
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            Env<ByteBuffer> dataEnv = openEnv(dataDir, mapSizeBytes, DATA_DBI_COUNT);
            opened.add(dataEnv);
            Env<ByteBuffer> env = openEnv(dir, mapSizeBytes, META_DBI_COUNT);
            opened.add(env);
            if (moveOldPageTables(env, dataEnv, new PageTable(dataEnv.openDbi(PAGES_DBI, DbiFlags.MDB_CREATE)), dir)) {
                env.close();
                opened.remove(env);
                compact(dir, mapSizeBytes);
                env = openEnv(dir, mapSizeBytes, META_DBI_COUNT);
                opened.add(env);
            }
            DiskReservation dataReservation = DiskReservation.open(dataDir.resolve(DATA_FILE));
            opened.add(dataReservation);
            DiskReservation reservation = DiskReservation.open(dir.resolve(DATA_FILE));
            opened.add(reservation);
            CacheEnv c = new CacheEnv(dir, env, dataEnv, reservation, dataReservation);
            c.reserveAfterCommit(); // a full disk still opens: reads work, writes get ENOSPC
            log.info("opened cache {} (map {} MiB, {} MiB of disk reserved)", dir, c.mapSizeBytes >> 20,
                    (reservation.reservedBytes() + dataReservation.reservedBytes()) >> 20);
            return c;
        } catch (RuntimeException e) {
            for (int i = opened.size() - 1; i >= 0; i--) {
                try {
                    opened.get(i).close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static Env<ByteBuffer> openEnv(Path dir, long mapSizeBytes, int dbis) {
        return Env.create()
                .setMapSize(mapSizeBytes)
                .setMaxDbs(dbis)
                .setMaxReaders(MountLimits.LMDB_READERS_MAX)
                .open(dir.toFile(), EnvFlags.MDB_NOSYNC, EnvFlags.MDB_NOTLS, EnvFlags.MDB_NORDAHEAD,
                        EnvFlags.MDB_WRITEMAP);
    }

    /**
     * Rewrites the metadata file without its free pages (LMDB's compacting copy), synced, then
     * renames it over the old one: a crash before the rename leaves the old file, which is whole.
     */
    private static void compact(Path dir, long mapSizeBytes) {
        Path tmp = dir.resolve(COMPACT_DIR);
        try {
            deleteTree(tmp);
            Files.createDirectories(tmp);
            try (Env<ByteBuffer> env = openEnv(dir, mapSizeBytes, META_DBI_COUNT)) {
                long before = (env.info().lastPageNumber + 1) * env.stat().pageSize;
                env.copy(tmp.toFile(), CopyFlags.MDB_CP_COMPACT);
                long after = Files.size(tmp.resolve(DATA_FILE));
                try (FileChannel ch = FileChannel.open(tmp.resolve(DATA_FILE), StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                Files.move(tmp.resolve(DATA_FILE), dir.resolve(DATA_FILE), StandardCopyOption.ATOMIC_MOVE);
                log.info("cache {}: metadata file compacted from {} KiB to {} KiB used", dir, before >> 10, after >> 10);
            }
            deleteTree(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot compact the metadata of cache " + dir, e);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var files = Files.walk(p)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
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

    /** Runs {@code fn} in a read transaction of the metadata; the buffers it sees die with the transaction. */
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

    /** Runs {@code fn} in a read transaction of the data environment (pages and dirty marks). */
    public <T> T readData(Function<DataTxn, T> fn) {
        Lock shared = resizeLock.readLock();
        shared.lock();
        try {
            ensureOpen();
            try (Txn<ByteBuffer> txn = dataEnv.txnRead()) {
                return fn.apply(new DataTxn(txn));
            }
        } finally {
            shared.unlock();
        }
    }

    /**
     * Runs {@code fn} in read transactions of both environments, the data snapshot taken first:
     * the metadata seen is then at least as new as the pages seen.
     */
    public <T> T readBoth(BiFunction<DataTxn, Txn<ByteBuffer>, T> fn) {
        Lock shared = resizeLock.readLock();
        shared.lock();
        try {
            ensureOpen();
            try (Txn<ByteBuffer> data = dataEnv.txnRead(); Txn<ByteBuffer> txn = env.txnRead()) {
                return fn.apply(new DataTxn(data), txn);
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
                if (Math.max(dataUsedBytes, metaUsedBytes) + MountLimits.LMDB_MAP_ROOM_BYTES > sizeSeen) {
                    throw new MapRoomShort();
                }
                try (Txn<ByteBuffer> txn = env.txnWrite()) {
                    w = new WriteTxn(txn, dataEnv::txnWrite);
                    writing = w;
                    try {
                        result = fn.apply(w);
                        Runnable committed = s != null && w.hasChanges() ? s.append(w, w.changes()) : null;
                        commit(w);
                        if (committed != null) {
                            committed.run();
                        }
                        reserveAfterCommit();
                    } finally {
                        Txn<ByteBuffer> data = w.dataTxnOrNull();
                        if (data != null) {
                            data.close(); // aborts it unless it committed
                        }
                    }
                } finally {
                    writing = null;
                }
            } catch (Env.MapFullException | MapRoomShort e) {
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

    /**
     * Commits both transactions in the order {@link WriteTxn} asks. Once the first has committed,
     * a failure of the second is not retried (the first would run twice): it is an I/O error, and
     * the start-up reconcile repairs what it left.
     */
    private void commit(WriteTxn w) {
        Txn<ByteBuffer> data = w.dataTxnOrNull();
        if (!w.dataChanged()) {
            w.txn.commit(); // a data transaction that only read is aborted by the caller
            return;
        }
        Txn<ByteBuffer> first = w.commitsDataFirst() ? data : w.txn;
        Txn<ByteBuffer> second = w.commitsDataFirst() ? w.txn : data;
        first.commit();
        try {
            Runnable hook = betweenCommits;
            if (hook != null && w.hasChanges()) {
                hook.run();
            }
            second.commit();
        } catch (RuntimeException e) {
            log.error("cache {}: the second commit of a write failed after the first succeeded; the cache is "
                    + "repaired at the next start", dir, e);
            throw new PosixException(Errno.EIO, "cache " + dir + ": commit failed: " + e.getMessage());
        }
    }

    /**
     * Reserves the blocks the next transactions may write (the used files plus the headroom), and
     * notes the used sizes, which the map-room check before each write reads.
     */
    private void reserveAhead() {
        dataUsedBytes = usedBytes(dataEnv);
        metaUsedBytes = usedBytes(env);
        dataReservation.ensure(dataUsedBytes + DiskReservation.HEADROOM_BYTES);
        reservation.ensure(metaUsedBytes + META_HEADROOM_BYTES);
    }

    /** The front of an environment's file LMDB has used so far. */
    private long usedBytes(Env<ByteBuffer> e) {
        return (e.info().lastPageNumber + 1) * lmdbPageBytes;
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

    /** Doubles both maps (either may have been the full one; a map is address space, not disk). */
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
            dataEnv.setMapSize(next);
            env.setMapSize(next);
            mapSizeBytes = next;
            log.info("cache {} maps grown to {} MiB", dir, next >> 20);
        } finally {
            exclusive.unlock();
        }
    }

    /** Flushes every committed transaction to disk (fsync of both files, pages first). */
    public void sync() {
        Lock shared = resizeLock.readLock();
        shared.lock();
        try {
            ensureOpen();
            dataEnv.sync(true);
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
            dataEnv.sync(true);
            env.sync(true);
            dataEnv.close();
            env.close();
            dataReservation.close();
            reservation.close();
            log.info("closed cache {}", dir);
        } finally {
            exclusive.unlock();
        }
    }
}
