package io.quire.server.store;

import io.quire.page.PageVersion;

/**
 * Thread-safe (immutable by convention: the array is a fresh copy that nobody else holds; callers
 * must not modify it). One page entry as read from a {@link PageStore}: its version, CRC32C and a
 * private copy of its bytes, or a tombstone (a deleted page: a version and no bytes).
 *
 * @param data      the page bytes, already verified against {@code crc32c} by the store (empty for
 *                  a tombstone)
 * @param tombstone the page was deleted at {@code version}
 */
public record StoredPage(PageVersion version, int crc32c, byte[] data, boolean tombstone) {
    private static final byte[] NO_BYTES = new byte[0];

    /** A live page. */
    public StoredPage(PageVersion version, int crc32c, byte[] data) {
        this(version, crc32c, data, false);
    }

    /** The tombstone of a page deleted at {@code version}. */
    public static StoredPage ofTombstone(PageVersion version) {
        return new StoredPage(version, 0, NO_BYTES, true);
    }
}
