package io.quire.server.store;

import io.quire.page.PageKey;
import io.quire.page.PageVersion;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Thread-safe. A server's durable, checksummed store of page versions, the semantics behind
 * PUT_PAGE, GET_PAGE, DELETE_PAGE, LIST_VERSIONS and GROUP_DIGEST (see
 * {@code docs/wire-protocol.md}).
 *
 * <p>Failures are reported as {@link io.quire.proto.QuireException}s carrying a
 * {@link io.quire.proto.Status}: thrown by the synchronous methods, or completing the futures of
 * the asynchronous ones. Futures may complete on the store's own writer thread: their dependents
 * must not block, and above all must not wait for another write of the same store (use the
 * {@code *Async} variants for anything slow). Writes are applied in the order they were queued.
 *
 * <p>Version rules, shared by {@link #put} and {@link #delete}: a non-repair write whose epoch is
 * below the volume's fence epoch fails {@code FENCED}, otherwise the fence rises to its epoch; a
 * repair write is never fenced and never raises the fence. A write whose version is not newer than
 * the stored one is acknowledged without change (it is superseded), unless the stored copy is
 * damaged, in which case any write replaces it.
 */
public interface PageStore extends AutoCloseable {

    /**
     * Stores one page version durably. Completes after the commit that holds it is fsynced.
     * Fails {@code CHECKSUM_MISMATCH} when {@code data} does not match {@code crc32c}, {@code FENCED},
     * {@code NO_SPACE} when the store's live bytes would pass its capacity, {@code OVERLOADED} when
     * the write queue stayed full past its wait (this call may block for that wait).
     *
     * @param data the remaining bytes are the page; the caller keeps them unchanged until the
     *             future completes (they are not copied before the commit)
     */
    CompletableFuture<Void> put(PageKey key, PageVersion version, int crc32c, ByteBuffer data, boolean repair);

    /** Stores a tombstone for {@code version} and frees the page's bytes; same rules as put. */
    CompletableFuture<Void> delete(PageKey key, PageVersion version, boolean repair);

    /**
     * Reads a page entry. Blocking: call it on a worker pool, never on an event loop.
     *
     * @return the page, its tombstone when it was deleted (readers compare versions across
     *         replicas, and a delete must beat an older copy elsewhere), or null when absent
     * @throws io.quire.proto.QuireException {@code CORRUPT} when the stored copy fails its CRC32C
     *                                       (the corruption listener is told first)
     */
    StoredPage get(PageKey key);

    /**
     * Lists up to {@code maxEntries} entries (tombstones included) of one page group in (inode,
     * page index) order, starting after {@code after} (null: from the start). Blocking.
     */
    ListVersions listVersions(long volumeId, int group, ListVersions.Cursor after, int maxEntries);

    /** {@link #listVersions(long, int, ListVersions.Cursor, int)} with the wire request's fields. */
    default ListVersions listVersions(long volumeId, int group, boolean hasCursor, long afterInode,
                                      long afterPageIndex, int maxEntries) {
        ListVersions.Cursor after = hasCursor ? new ListVersions.Cursor(afterInode, afterPageIndex) : null;
        return listVersions(volumeId, group, after, maxEntries);
    }

    /** Count and order-independent digest of one page group (tombstones included). Blocking. */
    GroupDigest groupDigest(long volumeId, int group);

    /** The volume's committed fence epoch: non-repair writes from older epochs are refused. */
    long fenceEpoch(long volumeId);

    /** Raises the volume's fence epoch to at least {@code epoch} (never lowers it), durably. */
    CompletableFuture<Void> raiseFence(long volumeId, long epoch);

    /** Committed usage of every volume that has entries or a fence in this store (a snapshot). */
    Map<Long, VolumeUsage> volumeUsage();

    /** Bytes of live page data over all volumes: what capacity is measured against. */
    long usedBytes();

    /** Live pages over all volumes. */
    long pageCount();

    long capacityBytes();

    /** Volumes with a record in this store (entries or a fence). */
    Set<Long> volumeIds();

    /**
     * Removes every entry and the record of a volume, in bounded steps (many transactions, each
     * interleaved with other writes). Completes with the number of live pages removed.
     */
    CompletableFuture<Long> deleteVolume(long volumeId);

    /**
     * Verifies up to {@code maxPages} stored entries after {@code from}, in key order, reporting
     * each damaged one to the corruption listener. Blocking; the caller paces it.
     */
    ScrubResult scrub(ScrubCursor from, int maxPages);

    /** Sets who is told of a damaged page (by get, listVersions or scrub); replaces the previous. */
    void setCorruptionListener(Consumer<PageKey> listener);

    /** Finishes the writes already queued, refuses new ones, and closes the files. */
    @Override
    void close();
}
