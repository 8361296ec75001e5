package io.quire.mount.pages;

import io.quire.mount.MountLimits;
import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.DataTxn;
import io.quire.mount.store.DirtyTable;
import io.quire.mount.store.Inode;
import io.quire.mount.store.MetaTable;
import io.quire.mount.store.PageTable;
import io.quire.mount.store.WriteTxn;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.lmdbjava.Txn;

/**
 * Thread-safe: stateless over the caller's transaction, counters atomic and changed only after
 * commit. The page operations file I/O runs inside its metadata transactions, and the cache's
 * accounting (bytes cached, pages dirty).
 *
 * <p>Where a page's bytes come from, in order: a dead range in the trash (a hole, whatever is
 * stored), the cache, a hole if the page holds no data ({@link io.quire.mount.store.ExtentTable}:
 * never written, or cut since), else a copy just fetched by the caller or the replicas. It also
 * keeps the file's allocation: pages written are allocated, pages cut are freed, and the volume's
 * usage ({@link MetaTable#USED_BYTES}) moves with them, a page at a time.
 */
public final class PageCache {
    private final CacheEnv env;
    private final int pageSize;
    private final DirtyBudget budget;
    private final ReferencedPages referenced = new ReferencedPages();
    private final FetchStamps stamps = new FetchStamps();
    private final AtomicLong cachedBytes;
    private final long writebackDelayMs;
    private volatile Runnable onDirty = () -> { };
    private volatile Runnable onGrow = () -> { };
    private volatile Runnable onTrash = () -> { };

    /** Where a read found a page. */
    public enum Source { SERVED, MISSING }

    /**
     * @param writebackDelayMs see {@link io.quire.mount.MountConfig#writebackDelayMs()}: with 0,
     *                         every dirty page is due at once
     */
    public PageCache(CacheEnv env, int pageSize, DirtyBudget budget, long initialCachedBytes, long writebackDelayMs) {
        this.env = env;
        this.pageSize = pageSize;
        this.writebackDelayMs = writebackDelayMs;
        this.budget = budget;
        this.cachedBytes = new AtomicLong(initialCachedBytes);
    }

    /** Wires the background threads' wake-ups (set once at start-up). */
    public void listeners(Runnable onDirty, Runnable onGrow, Runnable onTrash) {
        this.onDirty = onDirty;
        this.onGrow = onGrow;
        this.onTrash = onTrash;
    }

    public int pageSize() {
        return pageSize;
    }

    /** Bytes the cache holds: page bytes plus a fixed overhead per page ({@link PageTable#footprint}). */
    public long cachedBytes() {
        return cachedBytes.get();
    }

    public DirtyBudget budget() {
        return budget;
    }

    ReferencedPages referenced() {
        return referenced;
    }

    FetchStamps stamps() {
        return stamps;
    }

    /**
     * The bytes of a copy fetched from the replicas if it is still current, else null (fetch it
     * again): see {@link FetchStamps}.
     */
    public byte[] usable(long ino, long index, Fetched fetched) {
        return fetched != null && stamps.unchanged(ino, index, fetched.stamp()) ? fetched.data() : null;
    }

    void addCached(long delta) {
        if (cachedBytes.addAndGet(delta) > 0 && delta > 0) {
            onGrow.run();
        }
    }

    void trashAdded() {
        onTrash.run();
    }

    /** True when the page's current bytes can only be had from the replicas. */
    public boolean needsFetch(DataTxn data, Txn<ByteBuffer> txn, long ino, long index) {
        if (env.trash.covers(txn, ino, index)) {
            return false;
        }
        return !env.pages.contains(data, ino, index) && env.extents.contains(txn, ino, index);
    }

    /** Bytes pages [first, last] of the file would add to the volume's usage if written. */
    public long unallocatedBytes(Txn<ByteBuffer> txn, long ino, long first, long last) {
        return (last - first + 1 - env.extents.allocated(txn, ino, first, last)) * pageSize;
    }

    /**
     * Pages [first, last] of the file now hold data: allocates those that did not, counting them
     * in the inode (the caller puts it) and in the volume's usage; returns how many.
     */
    public long allocate(WriteTxn w, Inode n, long first, long last) {
        long fresh = env.extents.allocate(w.txn, n.ino, first, last);
        account(w, n, fresh);
        return fresh;
    }

    private void account(WriteTxn w, Inode n, long pages) {
        if (pages != 0) {
            n.allocated += pages * pageSize;
            env.meta.add(w.txn, MetaTable.USED_BYTES, pages * pageSize);
        }
    }

    /**
     * Copies {@code length} bytes of page {@code index} from {@code inPage} into {@code dst}, or
     * returns MISSING (copying nothing) when they must be fetched first.
     */
    public Source copyOut(DataTxn data, Txn<ByteBuffer> txn, long ino, long index, int inPage, byte[] dst, int dstOff,
                          int length, byte[] fetched) {
        if (env.trash.covers(txn, ino, index)) {
            Arrays.fill(dst, dstOff, dstOff + length, (byte) 0);
            return Source.SERVED;
        }
        int cached = env.pages.read(data, ino, index, inPage, dst, dstOff, length);
        if (cached >= 0) {
            Arrays.fill(dst, dstOff + cached, dstOff + length, (byte) 0);
            referenced.touch(ino, index);
            return Source.SERVED;
        }
        boolean allocated = env.extents.contains(txn, ino, index);
        if (fetched == null && allocated) {
            return Source.MISSING;
        }
        int n = fetched == null || !allocated ? 0 : Math.max(0, Math.min(length, fetched.length - inPage));
        if (n > 0) {
            System.arraycopy(fetched, inPage, dst, dstOff, n);
        }
        Arrays.fill(dst, dstOff + n, dstOff + length, (byte) 0);
        return Source.SERVED;
    }

    /**
     * Writes {@code src[srcOff..srcOff+length)} at {@code inPage} of page {@code index} and marks
     * it dirty at {@code seq}. {@code validBytes} is how much of the page lies before the current
     * end of file: older bytes past it are zeros by invariant, and are not carried over.
     * {@code fetched} is the replicas' copy when the caller had to fetch it. A page the write
     * fills whole is due for upload at once (a stream will not come back to it); a partly
     * written one waits the write-back delay from {@code nowMs}, for rewrites to join it. The
     * page commits before the metadata (see {@link WriteTxn}): a crash in between leaves it past
     * the end of file or still in the trash, where the start-up reconcile or the trash drops it.
     */
    public void write(WriteTxn w, long ino, long index, int inPage, byte[] src, int srcOff, int length,
                      int validBytes, byte[] fetched, long seq, long nowMs) {
        Txn<ByteBuffer> txn = w.txn;
        DataTxn data = w.data();
        w.commitDataFirst();
        boolean dead = env.trash.covers(txn, ino, index);
        if (dead) {
            env.trash.split(txn, ino, index);
        }
        int storedLen = env.pages.length(data, ino, index);
        int end = inPage + length;
        boolean whole = inPage == 0 && end >= validBytes;
        int newLen;
        if (whole) {
            newLen = end;
            env.pages.put(data, ino, index, src, srcOff, end);
        } else if (storedLen >= 0 && !dead) {
            // Only the chunks the write touches are rewritten; bytes past the end of file go.
            newLen = Math.max(Math.min(storedLen, validBytes), end);
            env.pages.write(data, ino, index, inPage, src, srcOff, length, validBytes);
        } else {
            int baseLen = dead || fetched == null ? 0 : Math.min(fetched.length, validBytes);
            byte[] page = new byte[Math.max(baseLen, end)];
            if (baseLen > 0) {
                System.arraycopy(fetched, 0, page, 0, baseLen);
            }
            System.arraycopy(src, srcOff, page, inPage, length);
            newLen = page.length;
            env.pages.put(data, ino, index, page, 0, newLen);
        }
        markDirty(w, ino, index, seq, inPage == 0 && length == pageSize ? 0 : nowMs,
                PageTable.footprint(newLen) - (storedLen < 0 ? 0 : PageTable.footprint(storedLen)));
    }

    /**
     * Marks the page dirty (due at once when {@code sinceMs} is 0 or there is no write-back
     * delay) and, after the commit, counts it and wakes the flusher if it has work now.
     */
    private void markDirty(WriteTxn w, long ino, long index, long seq, long sinceMs, long cachedDelta) {
        long since = writebackDelayMs == 0 ? 0 : sinceMs;
        boolean newlyDirty = env.dirty.mark(w.data(), ino, index, seq, since);
        w.afterCommit(() -> {
            addCached(cachedDelta);
            if (newlyDirty) {
                budget.add(1);
            }
            if (since == 0 || budget.aboveBackground()) {
                onDirty.run();
            }
        });
    }

    /**
     * Cuts a file from {@code oldSize} down to {@code newSize}: pages past the new end die at
     * {@code seq} (dropped here up to a chunk, the rest and the replicas' copies by the trash
     * collector) and the page holding the new end is trimmed so its tail reads as zeros if the
     * file grows again. {@code fetchedTail} is the replicas' copy of that page, when the caller
     * had to fetch it.
     *
     * <p>The metadata (new size, trash range) commits first, so that a crash before the pages go
     * leaves them dead, never stale data under a live size; the start-up reconcile trims a tail
     * left long. A tail only the replicas hold cannot be trimmed at start-up, so that cut goes
     * the other way: the trimmed copy commits first, as a write does, and every page past it is
     * left to the trash rather than dropped here.
     */
    public void cut(WriteTxn w, Inode file, long newSize, long oldSize, byte[] fetchedTail, long seq, long nowMs) {
        Txn<ByteBuffer> txn = w.txn;
        DataTxn data = w.data();
        long ino = file.ino;
        long keep = pagesOf(newSize);
        long oldPages = pagesOf(oldSize);
        int tail = (int) (newSize % pageSize);
        // Neither changes below: the drop and the trash range start past the last page.
        boolean tailLive = tail != 0 && !env.trash.covers(txn, ino, keep - 1);
        int storedLen = tailLive ? env.pages.length(data, ino, keep - 1) : -1;
        boolean tailFromReplicas = tailLive && storedLen < 0 && fetchedTail != null && fetchedTail.length > tail;
        if (tailFromReplicas) {
            w.commitDataFirst();
        }
        // Copies of the cut pages fetched before now hold bytes the file no longer has.
        stamps.advance(ino, tail != 0 ? keep - 1 : keep, Math.max(keep, oldPages));
        account(w, file, -env.extents.release(txn, ino, keep));
        if (oldPages > keep) {
            boolean allLocalDropped = !tailFromReplicas && dropLocal(w, ino, keep, oldPages);
            if (!allLocalDropped || env.remote.high(txn, ino) > keep) {
                env.trash.add(txn, ino, keep, oldPages, seq);
                w.afterCommit(onTrash);
            }
        }
        if (!tailLive) {
            return;
        }
        long index = keep - 1;
        if (storedLen > tail) {
            env.pages.truncate(data, ino, index, tail);
        } else if (tailFromReplicas) {
            env.pages.put(data, ino, index, fetchedTail, 0, tail);
        } else {
            return; // nothing stored past the new end
        }
        markDirty(w, ino, index, seq, nowMs,
                PageTable.footprint(tail) - (storedLen < 0 ? 0 : PageTable.footprint(storedLen)));
    }

    /**
     * Drops every page of a file that no longer exists and frees its allocation; the replicas'
     * copies follow later.
     */
    public void dropFile(WriteTxn w, Inode file, long seq) {
        long ino = file.ino;
        if (file.allocated == 0 && env.trash.of(w.txn, ino).isEmpty()) {
            // Nothing cached and nothing on the replicas: a page is cached or uploaded only while
            // allocated, and the copies of a page cut earlier are the trash's until deleted.
            env.remote.delete(w.txn, ino);
            return;
        }
        account(w, file, -env.extents.release(w.txn, ino, 0));
        boolean allLocalDropped = dropLocal(w, ino, 0, Long.MAX_VALUE);
        if (!allLocalDropped || env.remote.high(w.txn, ino) > 0) {
            env.trash.add(w.txn, ino, 0, Long.MAX_VALUE, seq);
            w.afterCommit(onTrash);
        } else {
            env.remote.delete(w.txn, ino);
        }
    }

    /**
     * Drops cached pages and dirty marks of [from, to), at most a chunk of each; returns true
     * when nothing of the range is left in the cache.
     */
    boolean dropLocal(WriteTxn w, long ino, long from, long to) {
        if (w.commitsDataFirst()) {
            throw new IllegalStateException("pages are dropped only after the metadata that kills them commits");
        }
        Dropped d = dropRange(env, w.data(), ino, from, to);
        if (d.pages() > 0 || d.marks() > 0) {
            w.afterCommit(() -> {
                addCached(-d.bytes());
                budget.add(-d.marks());
            });
        }
        return d.done();
    }

    /**
     * What {@link #dropRange} dropped: pages and their footprint, dirty marks, and whether
     * nothing of the range is left. Thread-safe (immutable).
     */
    record Dropped(int pages, long bytes, int marks, boolean done) {
    }

    /**
     * Drops cached pages and dirty marks of [from, to) in {@code txn}, at most a chunk of each;
     * the caller accounts for them (the running cache, or nothing yet at start-up).
     */
    static Dropped dropRange(CacheEnv env, DataTxn txn, long ino, long from, long to) {
        int chunk = MountLimits.TRASH_LOCAL_CHUNK_PAGES;
        List<PageTable.Key> cached = env.pages.range(txn, ino, from, to, chunk + 1);
        long bytes = 0;
        int n = Math.min(chunk, cached.size());
        for (int i = 0; i < n; i++) {
            PageTable.Key k = cached.get(i);
            env.pages.delete(txn, ino, k.index());
            bytes += PageTable.footprint(k.length());
        }
        List<DirtyTable.Entry> dirty = env.dirty.range(txn, ino, from, to, chunk + 1);
        int d = Math.min(chunk, dirty.size());
        for (int i = 0; i < d; i++) {
            env.dirty.delete(txn, ino, dirty.get(i).index());
        }
        return new Dropped(n, bytes, d, cached.size() <= chunk && dirty.size() <= chunk);
    }

    /**
     * Stores a page fetched from the replicas unless the cache has a newer one, it died, or the
     * copy went stale meanwhile ({@link FetchStamps}). Removed files need no stamp: inode numbers
     * are never reused, and the inode's absence refuses the copy.
     */
    boolean insertFetched(WriteTxn w, long ino, long index, Fetched fetched) {
        Txn<ByteBuffer> txn = w.txn;
        var n = env.inodes.get(txn, ino);
        byte[] data = usable(ino, index, fetched);
        if (data == null || n == null || index >= pagesOf(n.size) || env.trash.covers(txn, ino, index)
                || !env.extents.contains(txn, ino, index) || env.pages.contains(w.data(), ino, index)) {
            return false;
        }
        int valid = (int) Math.min(data.length, n.size - index * pageSize);
        env.pages.put(w.data(), ino, index, data, 0, valid);
        w.afterCommit(() -> addCached(PageTable.footprint(valid)));
        return true;
    }

    public long pagesOf(long bytes) {
        return bytes == 0 ? 0 : (bytes - 1) / pageSize + 1;
    }
}
