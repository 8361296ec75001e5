package io.quire.proto;

/**
 * The single exception type for Quire failures: a {@link Status} plus a human message. Thread-safe
 * (immutable).
 */
public class QuireException extends RuntimeException {
    private final Status status;

    public QuireException(Status status, String message) {
        super(message, null, false, true);
        this.status = status;
    }

    public QuireException(Status status, String message, Throwable cause) {
        super(message, cause, false, true);
        this.status = status;
    }

    public Status status() {
        return status;
    }

    /** The status of any throwable: a QuireException's own, INTERNAL_ERROR otherwise. */
    public static Status statusOf(Throwable t) {
        Throwable c = t;
        while (c != null) {
            if (c instanceof QuireException q) {
                return q.status;
            }
            c = c.getCause();
        }
        return Status.INTERNAL_ERROR;
    }

    @Override
    public String toString() {
        return status + ": " + getMessage();
    }
}
