package io.quire.server.store;

/**
 * Thread-safe (immutable). What one volume occupies in a store.
 *
 * @param bytes bytes of live page data (headers, tombstones and LMDB overhead not counted)
 * @param pages live pages (tombstones not counted)
 */
public record VolumeUsage(long bytes, long pages) {
}
