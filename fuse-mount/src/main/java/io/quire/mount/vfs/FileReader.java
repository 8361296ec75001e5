package io.quire.mount.vfs;

import io.quire.mount.Errno;
import io.quire.mount.MountConfig;
import io.quire.mount.MountLimits;
import io.quire.mount.PosixException;
import io.quire.mount.pages.Fetched;
import io.quire.mount.pages.PageCache;
import io.quire.mount.pages.PageFetcher;
import io.quire.mount.store.DataTxn;
import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.Inode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Thread-safe. read(2).
 *
 * <p>A read copies what it can in one read transaction; pages only the replicas hold are then
 * fetched outside any transaction (no lock across I/O), and the read runs again with the fetched
 * copies at hand — those still current ({@link PageCache#usable}) — at most
 * {@link MountLimits#FETCH_ROUNDS_MAX} times. A sequential reader (one
 * that starts where its last read ended) has the next pages fetched ahead of it. atime follows
 * relatime: it is written only when older than mtime or ctime, or a day old, so that reads do not
 * each cost a write transaction.
 */
final class FileReader {
    private static final long RELATIME_INTERVAL_NS = TimeUnit.DAYS.toNanos(1);

    private final CacheEnv env;
    private final PageCache cache;
    private final PageFetcher fetcher;
    private final MountConfig config;
    private final LongSupplier clock;

    private record Outcome(int length, List<Long> missing, List<Long> readahead, boolean touchAtime) {
    }

    FileReader(CacheEnv env, PageCache cache, PageFetcher fetcher, MountConfig config, LongSupplier clock) {
        this.env = env;
        this.cache = cache;
        this.fetcher = fetcher;
        this.config = config;
        this.clock = clock;
    }

    int read(OpenFiles.Handle h, long offset, byte[] dst, int dstOff, int len) {
        if (!h.readable()) {
            throw new PosixException(Errno.EBADF, "file " + h.fh + " is not open for reading");
        }
        if (offset < 0 || len < 0) {
            throw new PosixException(Errno.EINVAL, "read at " + offset + " of " + len);
        }
        if (len == 0) {
            return 0;
        }
        Map<Long, Fetched> fetched = new HashMap<>();
        for (int round = 0; ; round++) {
            Outcome o = env.readBoth((data, txn) -> {
                Inode n = Lookup.existing(env, txn, h.ino);
                if (n.isDir()) {
                    throw new PosixException(Errno.EISDIR, "read of directory " + h.ino);
                }
                if (!n.isRegular()) {
                    throw new PosixException(Errno.EINVAL, "read of special file " + h.ino);
                }
                if (offset >= n.size) {
                    return new Outcome(0, null, List.of(), false);
                }
                int want = (int) Math.min(len, n.size - offset);
                int ps = cache.pageSize();
                List<Long> missing = null;
                for (long idx = offset / ps; idx <= (offset + want - 1) / ps; idx++) {
                    long pageStart = idx * ps;
                    int from = (int) Math.max(0, offset - pageStart);
                    int to = (int) Math.min(ps, offset + want - pageStart);
                    int at = dstOff + (int) (pageStart + from - offset);
                    if (cache.copyOut(data, txn, h.ino, idx, from, dst, at, to - from,
                            cache.usable(h.ino, idx, fetched.get(idx)))
                            == PageCache.Source.MISSING) {
                        if (missing == null) {
                            missing = new ArrayList<>();
                        }
                        missing.add(idx);
                    }
                }
                if (missing != null) {
                    return new Outcome(want, missing, List.of(), false);
                }
                List<Long> ahead = readaheadCandidates(data, txn, h, n, offset, want);
                boolean touch = n.atimeNs <= n.mtimeNs || n.atimeNs <= n.ctimeNs
                        || clock.getAsLong() - n.atimeNs >= RELATIME_INTERVAL_NS;
                return new Outcome(want, null, ahead, touch);
            });
            if (o.missing == null) {
                h.lastReadEnd = offset + o.length;
                if (!o.readahead.isEmpty()) {
                    fetcher.prefetch(h.ino, o.readahead);
                }
                if (o.touchAtime) {
                    touchAtime(h.ino);
                }
                return o.length;
            }
            if (round >= MountLimits.FETCH_ROUNDS_MAX) {
                throw new PosixException(Errno.EIO, "read of inode " + h.ino + " kept missing pages after "
                        + round + " fetch rounds");
            }
            fetched.putAll(fetcher.fetch(h.ino, o.missing));
        }
    }

    /**
     * Pages to fetch ahead of a sequential reader: not cached, possibly remote, within the file.
     */
    private List<Long> readaheadCandidates(DataTxn data, org.lmdbjava.Txn<java.nio.ByteBuffer> txn, OpenFiles.Handle h, Inode n,
                                           long offset, int length) {
        int window = config.readaheadPages();
        boolean sequential = offset == h.lastReadEnd || offset == 0;
        if (window == 0 || !sequential) {
            return List.of();
        }
        int ps = cache.pageSize();
        long next = (offset + length - 1) / ps + 1;
        long end = Math.min(next + window, cache.pagesOf(n.size));
        long start = Math.max(next, h.readaheadUntil);
        if (start >= end || h.readaheadUntil - next > window / 2) {
            return List.of();
        }
        List<Long> out = new ArrayList<>();
        for (long idx = start; idx < end; idx++) {
            if (cache.needsFetch(data, txn, h.ino, idx)) {
                out.add(idx);
            }
        }
        h.readaheadUntil = end;
        return out;
    }

    private void touchAtime(long ino) {
        env.write(w -> {
            Inode n = env.inodes.get(w.txn, ino);
            if (n != null) {
                n.atimeNs = clock.getAsLong();
                env.inodes.put(w.txn, n);
            }
            return null;
        });
    }
}
