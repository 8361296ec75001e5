package io.quire.mount.vfs;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quire.client.ReplicatedPages;
import io.quire.mount.Errno;
import io.quire.mount.Modes;
import io.quire.mount.MountConfig;
import io.quire.mount.MountLimits;
import io.quire.mount.PosixException;
import io.quire.mount.journal.Journal;
import io.quire.mount.journal.JournalConfig;
import io.quire.mount.journal.JournalOrderedPages;
import io.quire.mount.pages.CacheReconcile;
import io.quire.mount.pages.ExtentUpgrade;
import io.quire.mount.pages.DirtyBudget;
import io.quire.mount.pages.Evictor;
import io.quire.mount.pages.Flusher;
import io.quire.mount.pages.FsyncTracker;
import io.quire.mount.pages.PageCache;
import io.quire.mount.pages.PageFetcher;
import io.quire.mount.pages.TrashCollector;
import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.DirTable;
import io.quire.mount.store.DirtyTable;
import io.quire.mount.store.Inode;
import io.quire.mount.store.MetaTable;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe. The POSIX file system of one mounted volume, knowing nothing of FUSE: inode-based
 * operations with the caller's credentials, failing with {@link PosixException}.
 *
 * <p>Metadata and the page cache live in one LMDB environment ({@link CacheEnv}); each metadata
 * operation is one write transaction. File data goes through the page cache, write-back: the
 * {@link Flusher} uploads dirty pages through {@link ReplicatedPages}, the {@link Evictor} keeps
 * the cache under its size, the {@link TrashCollector} deletes the pages of truncated and
 * removed files. Operation groups live in their own classes (lookup, create, remove, rename,
 * attributes, xattrs, read, write); this class wires them and holds the open/sync/release
 * lifecycle of handles.
 *
 * <p>Start-up: {@link #open} rebuilds the metadata of an empty cache from the servers' journal
 * ({@link Journal}), checks that the cache belongs to this volume and page size, creates the root
 * (inode {@value #ROOT_INO}) on a new volume, purges orphans left by a previous run, and starts
 * the background threads; dirty pages and journal records left by a previous run are uploaded by
 * them. Page uploads and deletes wait for the journal records before them
 * ({@link JournalOrderedPages}); the sync calls wait for the file's data, then for the journal.
 */
public final class Vfs implements AutoCloseable {
    /** The root directory's inode number (FUSE's root id). */
    public static final long ROOT_INO = 1;
    private static final long CACHE_FORMAT = 1;
    /** The unit statfs counts blocks in. */
    private static final long STATFS_FRAGMENT_BYTES = 4096;
    /** What statfs reports as free inodes (inodes are LMDB records: there is no table to fill). */
    private static final long STATFS_FILES_FREE = 1L << 32;

    private static final Logger log = LoggerFactory.getLogger(Vfs.class);

    private final MountConfig config;
    private final CacheEnv env;
    private final Journal journal;
    private final LongSupplier clock;
    private final PageCache cache;
    private final FsyncTracker tracker;
    private final Flusher flusher;
    private final Evictor evictor;
    private final TrashCollector trash;
    private final PageFetcher fetcher;
    private final OpenFiles openFiles;
    private final Reaper reaper;
    private final Lookup lookup;
    private final DirReader dirs;
    private final CreateOps creates;
    private final RemoveOps removes;
    private final RenameOp renames;
    private final AttrOps attrs;
    private final XattrOps xattrs;
    private final FileReader reader;
    private final FileWriter writer;

    /** A file created and opened. Thread-safe (immutable). */
    public record Opened(long fh, Attr attr) {
    }

    private Vfs(MountConfig config, CacheEnv env, Journal journal, ReplicatedPages replicas, MeterRegistry registry) {
        this.config = config;
        this.env = env;
        this.journal = journal;
        ReplicatedPages ordered = new JournalOrderedPages(replicas, journal);
        this.clock = config.clockNs();
        int ps = config.pageSizeBytes();
        long dirtyMax = config.dirtyBytesMax() / ps;
        DirtyBudget budget = new DirtyBudget(dirtyMax, dirtyMax * MountConfig.DIRTY_BACKGROUND_PERCENT / 100,
                env.readData(env.dirty::count));
        this.cache = new PageCache(env, ps, budget, env.readData(env.pages::totalBytes), config.writebackDelayMs());
        this.tracker = new FsyncTracker(env);
        this.fetcher = new PageFetcher(env, cache, replicas, config, registry);
        this.flusher = new Flusher(env, ordered, config, cache, tracker, registry);
        this.evictor = new Evictor(env, cache, config, registry);
        this.trash = new TrashCollector(env, cache, ordered, config, registry);
        cache.listeners(flusher::wake, evictor::wake, trash::wake);
        this.openFiles = new OpenFiles(env);
        this.reaper = new Reaper(env, cache, openFiles);
        this.lookup = new Lookup(env);
        this.dirs = new DirReader(env);
        this.creates = new CreateOps(env, clock);
        this.removes = new RemoveOps(env, clock, reaper);
        this.renames = new RenameOp(env, clock, removes);
        this.attrs = new AttrOps(env, clock);
        this.xattrs = new XattrOps(env, clock);
        this.reader = new FileReader(env, cache, fetcher, config, clock);
        this.writer = new FileWriter(env, cache, fetcher, config, clock);
        Gauge.builder("quire.cache.bytes", cache, PageCache::cachedBytes).baseUnit("bytes").register(registry);
        Gauge.builder("quire.cache.dirty.bytes", budget, b -> (double) b.dirtyPages() * ps)
                .baseUnit("bytes").register(registry);
        Gauge.builder("quire.open.handles", openFiles, OpenFiles::size).register(registry);
        Gauge.builder("quire.trash.ranges", this, Vfs::trashRanges).register(registry);
    }

    /** {@link #open(MountConfig, ReplicatedPages, MeterRegistry, JournalConfig)} with journal defaults. */
    public static Vfs open(MountConfig config, ReplicatedPages replicas, MeterRegistry registry) {
        return open(config, replicas, registry, JournalConfig.defaults());
    }

    /**
     * Opens the cache in {@code config.cacheDir()} — rebuilding its metadata from the servers if
     * it is empty, which needs an epoch newer than any that wrote the volume — and starts the
     * background threads.
     */
    public static Vfs open(MountConfig config, ReplicatedPages replicas, MeterRegistry registry,
                           JournalConfig journalConfig) {
        long mapBytes = config.cacheBytesMax() * 2 + MountLimits.LMDB_MAP_METADATA_BYTES;
        CacheEnv env = CacheEnv.open(config.cacheDir(), mapBytes);
        Journal journal = null;
        try {
            journal = Journal.open(env, config, replicas, journalConfig, registry);
            boolean newRoot = initialize(env, config);
            ExtentUpgrade.run(env, config);
            CacheReconcile.open(env, config);
            Vfs vfs = new Vfs(config, env, journal, replicas, registry);
            vfs.reaper.purgeAllOrphans();
            journal.start();
            if (newRoot) {
                // A new volume is mounted once its root is on W replicas: a host lost right after
                // the mount leaves the volume exactly as it was mounted, timestamps included.
                journal.awaitDurable(journal.currentSeq(), config.fsyncTimeoutMs(),
                        "creating the root directory of volume " + config.volumeName());
            }
            vfs.flusher.start();
            vfs.evictor.start();
            vfs.trash.start();
            log.info("volume {} (id {}) epoch {} opened: page {} bytes, cache {} MiB, {} dirty pages",
                    config.volumeName(), config.volumeId(), config.epoch(), config.pageSizeBytes(),
                    config.cacheBytesMax() >> 20, vfs.cache.budget().dirtyPages());
            return vfs;
        } catch (RuntimeException e) {
            if (journal != null) {
                journal.close();
            }
            env.close();
            throw e;
        }
    }

    /**
     * Checks the cache's identity (or stamps a new one) and creates the root directory; returns
     * whether it created it.
     */
    private static boolean initialize(CacheEnv env, MountConfig config) {
        return env.write(w -> {
            long volume = env.meta.get(w.txn, MetaTable.VOLUME_ID, -1);
            if (volume == -1) {
                env.meta.put(w.txn, MetaTable.FORMAT, CACHE_FORMAT);
                env.meta.put(w.txn, MetaTable.VOLUME_ID, config.volumeId());
                env.meta.put(w.txn, MetaTable.PAGE_SIZE, config.pageSizeBytes());
            } else {
                long format = env.meta.get(w.txn, MetaTable.FORMAT, -1);
                long pageSize = env.meta.get(w.txn, MetaTable.PAGE_SIZE, -1);
                if (format != CACHE_FORMAT || volume != config.volumeId() || pageSize != config.pageSizeBytes()) {
                    throw new IllegalStateException("cache " + env.dir() + " holds volume " + volume + " (format "
                            + format + ", page " + pageSize + " bytes), not volume " + config.volumeId()
                            + " with page " + config.pageSizeBytes() + " bytes");
                }
            }
            if (env.inodes.get(w.txn, ROOT_INO) == null) {
                long now = config.clockNs().getAsLong();
                Inode root = new Inode(ROOT_INO);
                root.mode = Modes.S_IFDIR | 0755;
                root.nlink = 2;
                root.parent = ROOT_INO;
                root.nextCookie = DirTable.FIRST_COOKIE;
                root.atimeNs = now;
                root.mtimeNs = now;
                root.ctimeNs = now;
                env.inodes.put(w.txn, root);
                env.meta.put(w.txn, MetaTable.LIVE_INODES, 1);
                return true;
            }
            return false;
        });
    }

    public MountConfig config() {
        return config;
    }

    /**
     * Fault injection for crash tests: runs between the two commits of a cache write that changed
     * pages and journaled metadata ({@link CacheEnv#betweenCommits}); null removes it.
     */
    public void betweenCacheCommits(Runnable hook) {
        env.betweenCommits(hook);
    }

    /** The metadata journal (durability watermark, on-demand checkpoints). */
    public Journal journal() {
        return journal;
    }

    // ---- names and attributes

    public long lookup(Caller c, long parent, byte[] name) {
        return lookup.lookup(c, parent, name);
    }

    public long resolve(Caller c, byte[] path) {
        return lookup.resolve(c, path);
    }

    /** The attributes of the inode at {@code path} (resolved as {@link #resolve} does). */
    public Attr getattr(Caller c, byte[] path) {
        return lookup.getattr(c, path);
    }

    public Attr getattr(long ino) {
        return lookup.getattr(ino);
    }

    public Attr fgetattr(long fh) {
        return lookup.getattr(openFiles.get(fh).ino);
    }

    public void access(Caller c, long ino, int mask) {
        lookup.access(c, ino, mask);
    }

    public byte[] readlink(long ino) {
        return lookup.readlink(ino);
    }

    public Attr mkdir(Caller c, long parent, byte[] name, int mode) {
        return creates.mkdir(c, parent, name, mode);
    }

    public Attr mknod(Caller c, long parent, byte[] name, int mode, long rdev) {
        return creates.mknod(c, parent, name, mode, rdev);
    }

    public Attr symlink(Caller c, byte[] target, long parent, byte[] name) {
        return creates.symlink(c, parent, name, target);
    }

    public Attr link(Caller c, long ino, long newParent, byte[] name) {
        return creates.link(c, ino, newParent, name);
    }

    public void unlink(Caller c, long parent, byte[] name) {
        removes.unlink(c, parent, name);
    }

    public void rmdir(Caller c, long parent, byte[] name) {
        removes.rmdir(c, parent, name);
    }

    /** rename(2); {@code flags} are renameat2's RENAME_NOREPLACE / RENAME_EXCHANGE, or 0. */
    public void rename(Caller c, long oldParent, byte[] oldName, long newParent, byte[] newName, int flags) {
        renames.rename(c, oldParent, oldName, newParent, newName, flags);
    }

    public Attr chmod(Caller c, long ino, int mode) {
        return attrs.chmod(c, ino, mode);
    }

    /** chown(2); -1 leaves uid or gid unchanged. */
    public Attr chown(Caller c, long ino, int uid, int gid) {
        return attrs.chown(c, ino, uid, gid);
    }

    public Attr utimens(Caller c, long ino, TimeSpec atime, TimeSpec mtime) {
        return attrs.utimens(c, ino, atime, mtime);
    }

    /** truncate(2) by name: needs write permission. */
    public void truncate(Caller c, long ino, long size) {
        writer.truncate(c, ino, size, true);
    }

    /** ftruncate(2): the handle must be open for writing (EINVAL otherwise, as Linux). */
    public void ftruncate(Caller c, long fh, long size) {
        OpenFiles.Handle h = openFiles.get(fh);
        if (!h.writable()) {
            throw new PosixException(Errno.EINVAL, "ftruncate of file " + fh + " not open for writing");
        }
        writer.truncate(c, h.ino, size, false);
    }

    // ---- directories

    public long opendir(Caller c, long ino) {
        return dirs.opendir(c, ino);
    }

    /**
     * Entries from {@code offset} on, until {@code sink} returns false; {@code dh} is from
     * opendir.
     */
    public void readdir(long dh, long offset, Predicate<DirEntry> sink) {
        dirs.readdir(dh, offset, sink);
    }

    /**
     * fsyncdir(2): directory metadata is in the local LMDB cache and the journal; returns once the
     * journal is durable up to now (promise 2), EIO at the fsync deadline. On the root directory
     * it is {@link #syncfs()}: Linux sends syncfs(2) to virtiofs only, never to a /dev/fuse
     * daemon, so {@code sync MOUNTPOINT} (an fsync of the root) is how to sync a whole volume.
     */
    public void fsyncdir(long ino) {
        if (ino == ROOT_INO) {
            syncfs();
            return;
        }
        env.sync();
        journal.awaitDurable(journal.currentSeq(), config.fsyncTimeoutMs(), "fsyncdir of inode " + ino);
    }

    // ---- files

    /** create(2) / open(O_CREAT): creates the file or, without O_EXCL, opens the existing one. */
    public Opened create(Caller c, long parent, byte[] name, int mode, int flags) {
        CreateOps.Created cr = creates.createFile(c, parent, name, mode, (flags & Modes.O_EXCL) != 0);
        if (!cr.created()) {
            long fh = open(c, cr.ino(), flags);
            return new Opened(fh, getattr(cr.ino()));
        }
        // A new file is opened whatever its mode says, as POSIX requires of O_CREAT.
        OpenFiles.Handle h = openFiles.open(cr.ino(), flags);
        return new Opened(h.fh, getattr(cr.ino()));
    }

    /**
     * open(2) of an existing inode: access-mode checks (execve's open needs execute permission,
     * not read), O_TRUNC, O_APPEND (kept in the handle).
     */
    public long open(Caller c, long ino, int flags) {
        Inode n = env.read(txn -> Lookup.existing(env, txn, ino));
        int acc = flags & Modes.O_ACCMODE;
        if (n.isDir() && (acc != Modes.O_RDONLY || (flags & Modes.O_TRUNC) != 0)) {
            throw new PosixException(Errno.EISDIR, "directory " + ino + " opened for writing");
        }
        if (Modes.isSymlink(n.mode)) {
            throw new PosixException(Errno.ELOOP, "open of symlink " + ino);
        }
        if ((flags & Modes.O_DIRECTORY) != 0 && !n.isDir()) {
            throw new PosixException(Errno.ENOTDIR, "O_DIRECTORY on inode " + ino);
        }
        int mask = switch (acc) {
            case Modes.O_RDONLY -> (flags & Modes.FMODE_EXEC) != 0 ? Modes.X_OK : Modes.R_OK;
            case Modes.O_WRONLY -> Modes.W_OK;
            case Modes.O_RDWR -> Modes.R_OK | Modes.W_OK;
            default -> throw new PosixException(Errno.EINVAL, "access mode " + acc);
        };
        if ((flags & Modes.O_TRUNC) != 0) {
            mask |= Modes.W_OK;
        }
        Permissions.require(c, n, mask);
        OpenFiles.Handle h = openFiles.open(ino, flags);
        if ((flags & Modes.O_TRUNC) != 0 && n.isRegular()) {
            try {
                writer.truncate(c, ino, 0, false);
            } catch (RuntimeException e) {
                release(h.fh);
                throw e;
            }
        }
        return h.fh;
    }

    public int read(long fh, long offset, byte[] dst, int dstOff, int len) {
        return reader.read(openFiles.get(fh), offset, dst, dstOff, len);
    }

    /** write(2): returns once the bytes are committed to the local cache (promise 1). */
    public int write(Caller c, long fh, long offset, byte[] src, int srcOff, int len) {
        return writer.write(c, openFiles.get(fh), offset, src, srcOff, len);
    }

    public void fallocate(long fh, int mode, long offset, long length) {
        writer.fallocate(openFiles.get(fh), mode, offset, length);
    }

    /**
     * fsync(2)/fdatasync(2): syncs the local cache to disk, waits until every page of the file
     * dirty at this moment has W replica acks, then until the metadata journal is durable up to
     * the newest record at that point (promise 2) — taken after the data, so it covers the remote
     * high marks the flusher raised to upload them. Each wait ends in EIO after the fsync
     * deadline without progress (a large backlog the replicas keep absorbing is waited for).
     */
    public void fsync(long fh, boolean datasync) {
        long ino = openFiles.get(fh).ino;
        env.sync();
        syncFileData(ino);
        journal.awaitDurable(journal.currentSeq(), config.fsyncTimeoutMs(), "fsync of inode " + ino);
    }

    /**
     * syncfs(2): every page dirty at this moment and the journal up to now, each wait bounded as
     * in {@link #fsync}; also what an unmount that wants everything on the servers calls before
     * close.
     */
    public void syncfs() {
        Set<Long> inodes = env.readData(txn -> {
            Set<Long> out = new TreeSet<>();
            for (DirtyTable.Entry e : env.dirty.from(txn, 0, 0, Integer.MAX_VALUE)) {
                out.add(e.ino());
            }
            return out;
        });
        env.sync();
        inodes.forEach(flusher::prioritize); // all files' pages go at once, not one file per wait
        for (long ino : inodes) {
            syncFileData(ino);
        }
        journal.awaitDurable(journal.currentSeq(), config.fsyncTimeoutMs(), "syncfs");
    }

    /** Waits for the pages of {@code ino} dirty now to reach W replicas (EIO after the deadline without progress). */
    private void syncFileData(long ino) {
        Map<Long, Long> snapshot = env.readData(txn -> {
            Map<Long, Long> m = new HashMap<>();
            for (DirtyTable.Entry e : env.dirty.range(txn, ino, 0, Long.MAX_VALUE, Integer.MAX_VALUE)) {
                m.put(e.index(), e.seq());
            }
            return m;
        });
        if (!snapshot.isEmpty()) {
            flusher.prioritize(ino);
            tracker.await(ino, snapshot, config.fsyncTimeoutMs());
        }
    }

    /** The last close of a handle; an unlinked file goes away with its last handle. */
    public void release(long fh) {
        long ino = openFiles.get(fh).ino;
        if (openFiles.close(fh)) {
            reaper.reapIfUnused(ino);
        }
    }

    // ---- extended attributes

    public int getxattr(Caller c, long ino, String name, byte[] dst) {
        return xattrs.get(c, ino, name, dst);
    }

    /** setxattr(2); {@code flags} XATTR_CREATE or XATTR_REPLACE or 0. */
    public void setxattr(Caller c, long ino, String name, byte[] value, int flags) {
        xattrs.set(c, ino, name, value, flags);
    }

    public int listxattr(Caller c, long ino, byte[] dst) {
        return xattrs.list(c, ino, dst);
    }

    public void removexattr(Caller c, long ino, String name) {
        xattrs.remove(c, ino, name);
    }

    // ---- the volume

    /**
     * Sizes from the volume (it grows on demand: asked every time); used = the pages holding data
     * ({@link MetaTable#USED_BYTES}), so holes are free.
     */
    public StatFs statfs() {
        long total = Math.max(0, config.volumeSizeBytes().getAsLong());
        long[] counts = env.read(txn -> new long[] {
            env.meta.get(txn, MetaTable.USED_BYTES, 0), env.meta.get(txn, MetaTable.LIVE_INODES, 0)});
        long free = Math.max(0, total - counts[0]) / STATFS_FRAGMENT_BYTES;
        return new StatFs(config.pageSizeBytes(), STATFS_FRAGMENT_BYTES, total / STATFS_FRAGMENT_BYTES, free, free,
                counts[1] + STATFS_FILES_FREE, STATFS_FILES_FREE, MountLimits.NAME_MAX_BYTES);
    }

    /** Makes every dirty page due for upload now, whatever the write-back delay (a stop drains). */
    public void uploadAll() {
        flusher.uploadAll();
    }

    /** Pages written but not yet acknowledged by W replicas. */
    public long dirtyPages() {
        return cache.budget().dirtyPages();
    }

    /** Dead page ranges whose copies on the replicas are not yet all deleted. */
    public long trashRanges() {
        return env.read(env.trash::count);
    }

    /** Bytes of pages in the local cache. */
    public long cachedBytes() {
        return cache.cachedBytes();
    }

    /**
     * Flushes the metadata journal (bounded by {@link JournalConfig#closeFlushMs()}) and stops
     * it, stops the background threads and closes the cache; dirty pages and records not yet
     * uploaded stay for the next start. The journal goes first: once closed it fails the uploads
     * and deletes still waiting for it, so no thread is left waiting on a cluster that is gone.
     */
    @Override
    public void close() {
        journal.close();
        flusher.close();
        evictor.close();
        trash.close();
        fetcher.close();
        try {
            CacheReconcile.closed(env);
        } finally {
            env.close();
        }
        log.info("volume {} epoch {} closed with {} dirty pages", config.volumeName(), config.epoch(),
                cache.budget().dirtyPages());
    }
}
