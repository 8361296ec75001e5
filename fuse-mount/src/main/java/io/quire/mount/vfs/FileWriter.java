package io.quire.mount.vfs;

import io.quire.mount.Errno;
import io.quire.mount.Modes;
import io.quire.mount.MountConfig;
import io.quire.mount.MountLimits;
import io.quire.mount.PosixException;
import io.quire.mount.WriteAdmission;
import io.quire.mount.pages.DirtyBudget;
import io.quire.mount.pages.Fetched;
import io.quire.mount.pages.PageCache;
import io.quire.mount.pages.PageFetcher;
import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.Inode;
import io.quire.mount.store.MetaTable;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.lmdbjava.Txn;

/**
 * Thread-safe. write(2), truncate(2)/ftruncate(2) and fallocate(2) mode 0.
 *
 * <p>A write is committed to the LMDB cache before it returns (promise 1) together with the
 * inode's new size and times, in transactions of at most
 * {@link MountLimits#WRITE_TXN_PAGES_MAX} pages. A page written only in part whose older bytes
 * only the replicas hold is fetched first, outside the transaction, and the transaction runs
 * again (with O_APPEND the offset is the size inside the transaction). Writers wait for dirty
 * room before they start. A write or truncate by non-root clears set-user-ID (and
 * set-group-ID if group-executable).
 *
 * <p>Space: only pages that come to hold data count (a page is the unit of allocation), so a
 * write is admitted by the pages it allocates, and truncate and fallocate, which make holes,
 * need none; a size past {@link MountLimits#FILE_MAX_BYTES} is EFBIG.
 */
final class FileWriter {
    private final CacheEnv env;
    private final PageCache cache;
    private final PageFetcher fetcher;
    private final MountConfig config;
    private final LongSupplier clock;

    private record Chunk(long at, List<Long> missing) {
    }

    FileWriter(CacheEnv env, PageCache cache, PageFetcher fetcher, MountConfig config, LongSupplier clock) {
        this.env = env;
        this.cache = cache;
        this.fetcher = fetcher;
        this.config = config;
        this.clock = clock;
    }

    int write(Caller c, OpenFiles.Handle h, long offset, byte[] src, int srcOff, int len) {
        if (!h.writable()) {
            throw new PosixException(Errno.EBADF, "file " + h.fh + " is not open for writing");
        }
        if (offset < 0 || len < 0) {
            throw new PosixException(Errno.EINVAL, "write at " + offset + " of " + len);
        }
        int ps = cache.pageSize();
        // At most WRITE_TXN_PAGES_MAX pages per chunk, whatever the alignment.
        int chunkMax = (MountLimits.WRITE_TXN_PAGES_MAX - 1) * ps;
        int done = 0;
        long pos = offset;
        while (done < len) {
            int n = Math.min(len - done, chunkMax);
            long at = writeChunk(c, h, pos, src, srcOff + done, n);
            done += n;
            pos = at + n;
        }
        return len;
    }

    private long writeChunk(Caller c, OpenFiles.Handle h, long pos, byte[] src, int srcOff, int len) {
        int ps = cache.pageSize();
        awaitDirtyRoom(h, pos, len);
        Map<Long, Fetched> fetched = new HashMap<>();
        for (int round = 0; ; round++) {
            Chunk r = env.write(w -> {
                Inode n = regular(Lookup.existing(env, w.txn, h.ino));
                long at = h.append() ? n.size : pos;
                long end = at + len;
                if (end > MountLimits.FILE_MAX_BYTES || end < at) {
                    throw new PosixException(Errno.EFBIG, "write to " + end + " past the largest file");
                }
                if (len == 0) {
                    return new Chunk(at, null);
                }
                long firstIdx = at / ps;
                long lastIdx = (end - 1) / ps;
                admit(w.txn, cache.unallocatedBytes(w.txn, h.ino, firstIdx, lastIdx));
                List<Long> missing = null;
                for (long idx = at / ps; idx <= (end - 1) / ps; idx++) {
                    long pageStart = idx * ps;
                    int from = (int) Math.max(0, at - pageStart);
                    int to = (int) Math.min(ps, end - pageStart);
                    int valid = (int) Math.max(0, Math.min(ps, n.size - pageStart));
                    boolean needOld = valid > 0 && (from > 0 || to < valid);
                    if (needOld && cache.usable(h.ino, idx, fetched.get(idx)) == null
                            && cache.needsFetch(w.data(), w.txn, h.ino, idx)) {
                        if (missing == null) {
                            missing = new ArrayList<>();
                        }
                        missing.add(idx);
                    }
                }
                if (missing != null) {
                    return new Chunk(at, missing);
                }
                long seq = env.meta.next(w.txn, MetaTable.NEXT_SEQ, 1);
                long now = clock.getAsLong();
                for (long idx = at / ps; idx <= (end - 1) / ps; idx++) {
                    long pageStart = idx * ps;
                    int from = (int) Math.max(0, at - pageStart);
                    int to = (int) Math.min(ps, end - pageStart);
                    int valid = (int) Math.max(0, Math.min(ps, n.size - pageStart));
                    cache.write(w, h.ino, idx, from, src, srcOff + (int) (pageStart + from - at), to - from,
                            valid, cache.usable(h.ino, idx, fetched.get(idx)), seq, now / 1_000_000);
                }
                cache.allocate(w, n, firstIdx, lastIdx);
                if (end > n.size) {
                    n.size = end;
                }
                n.touchMtimeCtime(now);
                Permissions.killSuid(c, n);
                env.inodes.put(w.txn, n);
                return new Chunk(at, null);
            });
            if (r.missing == null) {
                return r.at;
            }
            if (round >= MountLimits.FETCH_ROUNDS_MAX) {
                throw new PosixException(Errno.EIO, "write to inode " + h.ino + " kept missing pages after "
                        + round + " fetch rounds");
            }
            fetched.putAll(fetcher.fetch(h.ino, r.missing));
        }
    }

    /**
     * Waits until the pages this chunk makes dirty fit the dirty bound. Pages already dirty do
     * not count, so a file rewritten in place never waits on itself.
     */
    private void awaitDirtyRoom(OpenFiles.Handle h, long pos, int len) {
        int ps = cache.pageSize();
        DirtyBudget budget = cache.budget();
        if (h.append()) {
            budget.awaitRoom(len / ps + 2, config.dirtyWaitMs());
            return;
        }
        long first = pos / ps;
        long last = (pos + Math.max(len, 1) - 1) / ps;
        int touched = (int) (last - first + 1);
        if (budget.hasRoom(touched)) {
            return;
        }
        int fresh = env.readData(txn -> {
            int n = 0;
            for (long idx = first; idx <= last; idx++) {
                if (env.dirty.seq(txn, h.ino, idx) == 0) {
                    n++;
                }
            }
            return n;
        });
        budget.awaitRoom(fresh, config.dirtyWaitMs());
    }

    /**
     * Sets the size; {@code checkPermission} for truncate(2) by path (ftruncate checked the
     * handle).
     */
    void truncate(Caller c, long ino, long size, boolean checkPermission) {
        if (size < 0) {
            throw new PosixException(Errno.EINVAL, "negative size " + size);
        }
        if (size > MountLimits.FILE_MAX_BYTES) {
            throw new PosixException(Errno.EFBIG, "size " + size + " past the largest file");
        }
        int ps = cache.pageSize();
        Fetched tail = null;
        for (int round = 0; ; round++) {
            Fetched tailCopy = tail;
            Long need = env.write(w -> {
                Inode n = regular(Lookup.existing(env, w.txn, ino));
                if (checkPermission) {
                    Permissions.require(c, n, Modes.W_OK);
                }
                long old = n.size;
                admit(w.txn, 0); // a size is not space: growing makes a hole, shrinking frees pages
                if (size < old) {
                    long tailIdx = size / ps;
                    byte[] fetchedTail = cache.usable(ino, tailIdx, tailCopy);
                    if (size % ps != 0 && fetchedTail == null && cache.needsFetch(w.data(), w.txn, ino, tailIdx)) {
                        return tailIdx;
                    }
                    cache.cut(w, n, size, old, fetchedTail, env.meta.next(w.txn, MetaTable.NEXT_SEQ, 1),
                            clock.getAsLong() / 1_000_000);
                }
                n.size = size;
                n.touchMtimeCtime(clock.getAsLong());
                Permissions.killSuid(c, n);
                env.inodes.put(w.txn, n);
                return null;
            });
            if (need == null) {
                return;
            }
            if (round >= MountLimits.FETCH_ROUNDS_MAX) {
                throw new PosixException(Errno.EIO, "truncate of inode " + ino + " kept missing its tail page");
            }
            tail = fetcher.fetch(ino, List.of(need)).get(need);
        }
    }

    /**
     * Mode 0 only: makes the file at least offset + length long. The volume is thin: no pages are
     * reserved, so a later write can still find the volume full, as on a thin-provisioned disk.
     */
    void fallocate(OpenFiles.Handle h, int mode, long offset, long length) {
        if (mode != 0) {
            throw new PosixException(Errno.EOPNOTSUPP, "fallocate mode " + mode);
        }
        if (!h.writable()) {
            throw new PosixException(Errno.EBADF, "file " + h.fh + " is not open for writing");
        }
        if (offset < 0 || length <= 0) {
            throw new PosixException(Errno.EINVAL, "fallocate at " + offset + " of " + length);
        }
        long end = offset + length;
        if (end > MountLimits.FILE_MAX_BYTES || end < offset) {
            throw new PosixException(Errno.EFBIG, "fallocate to " + end);
        }
        env.write(w -> {
            Inode n = regular(Lookup.existing(env, w.txn, h.ino));
            if (end > n.size) {
                admit(w.txn, 0); // thin: the range reads as zeros and takes space once written
                n.size = end;
                n.touchMtimeCtime(clock.getAsLong());
                env.inodes.put(w.txn, n);
            }
            return null;
        });
    }

    /**
     * Asks the mount's {@link WriteAdmission} (lease held, volume not full) inside
     * the transaction and before anything changes, so that a refusal (EIO, ENOSPC) harms nothing
     * already written and concurrent writers cannot both pass the limit.
     */
    private void admit(Txn<ByteBuffer> txn, long growthBytes) {
        config.writeAdmission().admit(env.meta.get(txn, MetaTable.USED_BYTES, 0), Math.max(0, growthBytes));
    }

    private static Inode regular(Inode n) {
        if (n.isDir()) {
            throw new PosixException(Errno.EISDIR, "inode " + n.ino + " is a directory");
        }
        if (!n.isRegular()) {
            throw new PosixException(Errno.EINVAL, "inode " + n.ino + " is not a regular file");
        }
        return n;
    }
}
