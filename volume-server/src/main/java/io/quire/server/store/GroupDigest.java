package io.quire.server.store;

import io.quire.page.PageKey;
import io.quire.page.PageVersion;

/**
 * Thread-safe (immutable). A summary of one page group on one server, compared between replicas
 * before listing.
 *
 * @param count  entries of the group, tombstones included
 * @param digest an order-independent 64-bit hash of every entry's (inode, page index, version,
 *               tombstone flag): equal content gives an equal digest on every server
 */
public record GroupDigest(long count, long digest) {

    /**
     * The hash of one entry; the digest is the wrapping sum of these, so it does not depend on the
     * order entries are visited in. Every store implementation uses this function, so replicas on
     * different implementations still compare equal.
     */
    public static long entryHash(long inode, long pageIndex, PageVersion version, boolean tombstone) {
        long h = PageKey.mix64(inode ^ 0x5DEECE66DL);
        h = PageKey.mix64(h + pageIndex);
        h = PageKey.mix64(h + version.epoch());
        h = PageKey.mix64(h + version.seq());
        return PageKey.mix64(h + (tombstone ? 1 : 2));
    }
}
