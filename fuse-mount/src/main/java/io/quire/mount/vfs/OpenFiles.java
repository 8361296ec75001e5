package io.quire.mount.vfs;

import io.quire.mount.Errno;
import io.quire.mount.Modes;
import io.quire.mount.MountLimits;
import io.quire.mount.PosixException;
import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.Inode;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Thread-safe. Open file handles and how many are open per inode.
 *
 * <p>The per-inode count decides when an unlinked inode may be purged. Opening checks, under
 * the same monitor as the count, that the inode still has a name (nlink &gt; 0): an orphan can
 * therefore never be reopened, and "count is zero and nlink is zero" is final. The monitor is
 * never taken inside an LMDB write transaction (it is taken before read transactions), so it
 * cannot deadlock with the writer lock or a map resize.
 */
final class OpenFiles {
    private final CacheEnv env;
    private final ConcurrentHashMap<Long, Handle> handles = new ConcurrentHashMap<>();
    private final Map<Long, Integer> openCount = new HashMap<>();
    private final AtomicLong nextFh = new AtomicLong(1);

    /** One open file. Thread-safe (immutable but for readahead hints, which tolerate races). */
    static final class Handle {
        final long fh;
        final long ino;
        final int flags;
        /** Where the last read ended (a read starting here is sequential). */
        volatile long lastReadEnd = -1;
        /** Pages below this were already handed to readahead. */
        volatile long readaheadUntil;

        Handle(long fh, long ino, int flags) {
            this.fh = fh;
            this.ino = ino;
            this.flags = flags;
        }

        boolean readable() {
            int acc = flags & Modes.O_ACCMODE;
            return acc == Modes.O_RDONLY || acc == Modes.O_RDWR;
        }

        boolean writable() {
            int acc = flags & Modes.O_ACCMODE;
            return acc == Modes.O_WRONLY || acc == Modes.O_RDWR;
        }

        boolean append() {
            return (flags & Modes.O_APPEND) != 0;
        }
    }

    OpenFiles(CacheEnv env) {
        this.env = env;
    }

    /** Opens a handle on an inode that still has a name; ENOENT if it lost it meanwhile. */
    Handle open(long ino, int flags) {
        long fh = nextFh.getAndIncrement();
        synchronized (openCount) {
            if (handles.size() >= MountLimits.OPEN_HANDLES_MAX) {
                throw new PosixException(Errno.ENFILE, "too many open files (" + handles.size() + ")");
            }
            Inode n = env.read(txn -> env.inodes.get(txn, ino));
            if (n == null || n.nlink == 0) {
                throw new PosixException(Errno.ENOENT, "inode " + ino + " was removed");
            }
            openCount.merge(ino, 1, Integer::sum);
            Handle h = new Handle(fh, ino, flags);
            handles.put(fh, h);
            return h;
        }
    }

    Handle get(long fh) {
        Handle h = handles.get(fh);
        if (h == null) {
            throw new PosixException(Errno.EBADF, "no open file " + fh);
        }
        return h;
    }

    /** Closes a handle; returns true when it was the inode's last. */
    boolean close(long fh) {
        synchronized (openCount) {
            Handle h = handles.remove(fh);
            if (h == null) {
                throw new PosixException(Errno.EBADF, "no open file " + fh);
            }
            int left = openCount.merge(h.ino, -1, Integer::sum);
            if (left <= 0) {
                openCount.remove(h.ino);
                return true;
            }
            return false;
        }
    }

    boolean isOpen(long ino) {
        synchronized (openCount) {
            return openCount.containsKey(ino);
        }
    }

    int size() {
        return handles.size();
    }
}
