package io.quire.mount.store;

import io.quire.mount.Errno;
import io.quire.mount.PosixException;
import java.nio.file.Path;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.SaveError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe. Disk blocks reserved ({@code posix_fallocate}) for the front of the cache's data
 * file, ahead of what LMDB uses.
 *
 * <p>The cache maps its file with {@code MDB_WRITEMAP}: LMDB writes pages straight into the
 * shared mapping instead of copying every dirty page with {@code pwrite} at each commit, which
 * roughly halves the cost of a small metadata transaction. The catch is that LMDB extends the file
 * sparsely to the map size, and a store into a hole on a full disk is not an error code but a
 * SIGBUS that kills the daemon. So the blocks LMDB may write next are reserved beforehand: the
 * used part of the file plus {@link #HEADROOM_BYTES}, more than one transaction of this cache
 * ever adds (at most a few MiB of pages). When the disk cannot provide them, writes fail with
 * ENOSPC before they start, and nothing written is harmed.
 */
public final class DiskReservation implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DiskReservation.class);
    /** Reserved beyond the used end of the file. */
    public static final long HEADROOM_BYTES = 64L << 20;
    /** Reservations grow by at least this much, so that fallocate calls stay rare. */
    static final long STEP_BYTES = 64L << 20;

    private static final int O_RDWR = 2;
    private static final int O_CREAT = 0100;
    private static final int O_CLOEXEC = 02000000;

    /** The libc calls needed; jnr-ffi binds them (it is already here for LMDB and FUSE). */
    public interface LibC {
        @SaveError
        int open(String path, int flags, int mode);

        int close(int fd);

        /** Returns 0 or an errno value (it does not set errno). */
        int posix_fallocate(int fd, long offset, long len);
    }

    private static final class Holder {
        static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
    }

    private final Path file;
    private final int fd;
    private long reservedBytes;
    private boolean closed;
    private boolean unsupportedLogged;

    private DiskReservation(Path file, int fd) {
        this.file = file;
        this.fd = fd;
    }

    /** Opens (creating it empty if missing) the file whose blocks are reserved. */
    public static DiskReservation open(Path file) {
        int fd = Holder.LIBC.open(file.toString(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            int errno = Runtime.getSystemRuntime().getLastError();
            throw new PosixException(Errno.EIO, "cannot open cache file " + file + " (errno " + errno + ")");
        }
        return new DiskReservation(file, fd);
    }

    /**
     * Makes sure the first {@code bytes} of the file have disk blocks.
     *
     * @throws PosixException ENOSPC when the disk cannot provide them (nothing is changed)
     */
    public synchronized void ensure(long bytes) {
        if (closed || bytes <= reservedBytes) {
            return;
        }
        long target = Math.max(bytes, reservedBytes + STEP_BYTES);
        int rc = Holder.LIBC.posix_fallocate(fd, 0, target);
        if (rc == Errno.ENOSPC.code && target > bytes) {
            rc = Holder.LIBC.posix_fallocate(fd, 0, bytes); // the step was too greedy: try what is needed
            target = bytes;
        }
        if (rc == Errno.ENOSPC.code) {
            throw new PosixException(Errno.ENOSPC, "cannot reserve " + (target >> 20) + " MiB of disk for the cache file "
                    + file + ": the disk is full");
        }
        if (rc != 0 && !unsupportedLogged) {
            // A file system that cannot reserve at all (glibc already emulates fallocate where the
            // call is missing): go on unreserved, as LMDB without a reservation would.
            unsupportedLogged = true;
            log.warn("cannot reserve disk blocks for the cache file {} (errno {}); a full disk may then stop the mount "
                    + "daemon instead of failing writes with ENOSPC", file, rc);
        }
        reservedBytes = target;
    }

    public synchronized long reservedBytes() {
        return reservedBytes;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Holder.LIBC.close(fd);
        }
    }
}
