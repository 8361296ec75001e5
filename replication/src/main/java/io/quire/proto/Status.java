package io.quire.proto;

/**
 * The one status model of Quire, carried on the wire as a 16-bit code. Thread-safe (immutable).
 *
 * <p>Codes are stable: a code, once released, is never reused or renumbered. Clients classify
 * errors by this enum only, never by message text. The mount maps statuses to errno in exactly one
 * place ({@code io.quire.mount.Errno}), as a switch without a default, so adding a status here
 * forces that mapping to be decided.
 */
public enum Status {
    OK(0, "ok"),
    NOT_FOUND(1, "not found"),
    BAD_REQUEST(2, "malformed request"),
    UNKNOWN_OPCODE(3, "unknown opcode"),
    UNSUPPORTED_VERSION(4, "unsupported protocol version"),
    FRAME_TOO_LARGE(5, "frame too large"),
    CHECKSUM_MISMATCH(6, "checksum mismatch in transfer"),
    FENCED(7, "write from an older lease epoch refused"),
    NO_SUCH_VOLUME(8, "no such volume"),
    VOLUME_EXISTS(9, "volume already exists"),
    NO_SPACE(10, "server out of space"),
    VOLUME_FULL(11, "volume full"),
    OVERLOADED(12, "server overloaded"),
    TIMEOUT(13, "deadline exceeded"),
    UNAVAILABLE(14, "not enough replicas available"),
    INTERNAL_ERROR(15, "internal error"),
    LEASE_HELD(16, "volume lease held by another mount"),
    NOT_CATALOG(17, "this server does not run the catalog"),
    INVALID_ARGUMENT(18, "invalid argument"),
    CORRUPT(19, "stored data failed its checksum"),
    NO_SUCH_SERVER(20, "no such server"),
    CLOSED(21, "connection closed"),
    LEASE_EXPIRED(22, "lease expired or not held");

    private static final Status[] BY_CODE;

    static {
        int max = 0;
        for (Status s : values()) {
            max = Math.max(max, s.code);
        }
        BY_CODE = new Status[max + 1];
        for (Status s : values()) {
            if (BY_CODE[s.code] != null) {
                throw new ExceptionInInitializerError("duplicate status code " + s.code);
            }
            BY_CODE[s.code] = s;
        }
    }

    public final int code;
    public final String description;

    Status(int code, String description) {
        this.code = code;
        this.description = description;
    }

    /** The status for a wire code; an unknown code (a newer peer) reads as INTERNAL_ERROR. */
    public static Status fromCode(int code) {
        if (code >= 0 && code < BY_CODE.length && BY_CODE[code] != null) {
            return BY_CODE[code];
        }
        return INTERNAL_ERROR;
    }

    /** True for failures worth trying on another replica or later (the request itself was fine). */
    public boolean isRetryable() {
        return switch (this) {
            case OVERLOADED, TIMEOUT, UNAVAILABLE, CLOSED, INTERNAL_ERROR, CORRUPT, NO_SPACE -> true;
            default -> false;
        };
    }
}
