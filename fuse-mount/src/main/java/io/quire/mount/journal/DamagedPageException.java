package io.quire.mount.journal;

/**
 * Thread-safe (immutable). A metadata page (journal, checkpoint or superblock) read back from the
 * servers that is not what this format says: bad magic or version, a checksum mismatch, a length
 * out of bounds, or a page of another volume or position.
 */
final class DamagedPageException extends RuntimeException {
    DamagedPageException(String message) {
        super(message);
    }

    DamagedPageException(String message, Throwable cause) {
        super(message, cause);
    }
}
