package io.quire.mount;

import io.quire.proto.Status;

/**
 * Thread-safe (immutable). The Linux (x86-64 and arm64) errno values the mount answers, and the
 * one mapping from {@link Status} to errno.
 *
 * <p>{@link #of(Status)} is a switch over every status with no default branch: adding a status
 * to the protocol does not compile until someone decides what an application sees for it.
 */
public enum Errno {
    EPERM(1), ENOENT(2), EIO(5), ENXIO(6), E2BIG(7), EBADF(9), ENOMEM(12), EACCES(13), EBUSY(16),
    EEXIST(17), EXDEV(18), ENODEV(19), ENOTDIR(20), EISDIR(21), EINVAL(22), ENFILE(23), EMFILE(24),
    EFBIG(27), ENOSPC(28), ESPIPE(29), EROFS(30), EMLINK(31), ERANGE(34), ENAMETOOLONG(36),
    ENOSYS(38), ENOTEMPTY(39), ELOOP(40), ENODATA(61), EOVERFLOW(75), EOPNOTSUPP(95);

    /** The positive errno number; FUSE callbacks return its negation. */
    public final int code;

    Errno(int code) {
        this.code = code;
    }

    /**
     * What an application sees when the cluster answers {@code status}.
     *
     * <p>Choices worth knowing: every transient cluster failure (UNAVAILABLE, TIMEOUT, OVERLOADED,
     * CLOSED) is EIO, never EAGAIN or ETIMEDOUT, because applications do not retry blocking
     * operations on regular files; by the time a status reaches this mapping the mount has already
     * retried up to its deadline. FENCED and LEASE_EXPIRED are EIO rather than EROFS: they surface
     * at fsync or close, where only EIO tells an application that its data did not persist (a
     * fenced mount later turns itself read-only and answers EROFS for that reason, not this one).
     * Protocol-level faults between our own client and server (BAD_REQUEST, UNKNOWN_OPCODE, ...)
     * are EIO, not EINVAL: the application's arguments were fine.
     */
    public static Errno of(Status status) {
        return switch (status) {
            case OK -> throw new IllegalArgumentException("OK is not an error");
            case NOT_FOUND -> ENOENT;
            case NO_SUCH_VOLUME -> ENODEV;
            case VOLUME_EXISTS -> EEXIST;
            case NO_SPACE, VOLUME_FULL -> ENOSPC;
            case INVALID_ARGUMENT -> EINVAL;
            case LEASE_HELD -> EBUSY;
            case FENCED, LEASE_EXPIRED -> EIO;
            case UNAVAILABLE, TIMEOUT, OVERLOADED, CLOSED -> EIO;
            case CHECKSUM_MISMATCH, CORRUPT -> EIO;
            case BAD_REQUEST, UNKNOWN_OPCODE, UNSUPPORTED_VERSION, FRAME_TOO_LARGE -> EIO;
            case INTERNAL_ERROR, NOT_CATALOG, NO_SUCH_SERVER -> EIO;
        };
    }
}
