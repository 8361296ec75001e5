package io.quire.mount;

import io.quire.proto.QuireException;

/**
 * Thread-safe (immutable). A POSIX operation's failure: an {@link Errno} and a message for logs.
 *
 * <p>Most of these are ordinary answers (ENOENT from a lookup, EEXIST from O_EXCL), so they carry
 * no stack trace unless they wrap a cause: filling one in for every failed lookup would cost more
 * than the lookup.
 */
public final class PosixException extends RuntimeException {
    private final Errno errno;

    public PosixException(Errno errno, String message) {
        super(message, null, false, false);
        this.errno = errno;
    }

    public PosixException(Errno errno, String message, Throwable cause) {
        super(message, cause, false, true);
        this.errno = errno;
    }

    /** The errno for a cluster failure, through the one mapping in {@link Errno#of}. */
    public static PosixException of(QuireException e, String what) {
        return new PosixException(Errno.of(e.status()), what + ": " + e, e);
    }

    public Errno errno() {
        return errno;
    }

    @Override
    public String toString() {
        return errno + ": " + getMessage();
    }
}
