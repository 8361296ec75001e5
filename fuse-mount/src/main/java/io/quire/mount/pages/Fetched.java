package io.quire.mount.pages;

/**
 * Thread-safe (immutable by convention: nobody writes into {@code data}). A page copy as the
 * replicas answered and the page's {@link FetchStamps stamp} taken before they were asked; use it
 * only through {@link PageCache#usable}, which drops it once stale.
 *
 * @param data the page's bytes, empty for a hole or a deleted page
 */
public record Fetched(byte[] data, long stamp) {
}
