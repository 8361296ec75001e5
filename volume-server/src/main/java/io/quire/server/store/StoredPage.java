package io.quire.server.store;

import io.quire.page.PageVersion;

/**
 * Thread-safe (immutable by convention: the array is a fresh copy that nobody else holds; callers
 * must not modify it). One live page as read from a {@link PageStore}: its version, CRC32C and a
 * private copy of its bytes.
 *
 * @param data the page bytes, already verified against {@code crc32c} by the store
 */
public record StoredPage(PageVersion version, int crc32c, byte[] data) {
}
