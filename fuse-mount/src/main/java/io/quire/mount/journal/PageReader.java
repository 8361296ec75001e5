package io.quire.mount.journal;

import io.quire.client.ReplicatedPages;
import io.quire.page.Page;
import io.quire.page.PageKey;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Confined to the rebuilding thread. Reads the pages of one reserved inode in order, keeping up to
 * {@link JournalLimits#REBUILD_READS_IN_FLIGHT_MAX} reads ahead, each within the read deadline.
 * A read that fails is an error, never a missing page: only an answer of "no such page" ends a
 * journal.
 */
final class PageReader {
    private final ReplicatedPages replicas;
    private final long volumeId;
    private final long inode;
    private final long end;
    private final long timeoutMs;
    private final Deque<CompletableFuture<Optional<Page>>> ahead = new ArrayDeque<>();
    private long next;
    private long requested;

    /** Pages [from, end) of {@code inode}; {@code end} may be Long.MAX_VALUE (read until missing). */
    PageReader(ReplicatedPages replicas, long volumeId, long inode, long from, long end, long timeoutMs) {
        this.replicas = replicas;
        this.volumeId = volumeId;
        this.inode = inode;
        this.next = from;
        this.requested = from;
        this.end = end;
        this.timeoutMs = timeoutMs;
    }

    long nextIndex() {
        return next;
    }

    /** The next page, empty when the servers have none (or past the end). */
    Optional<Page> next() {
        if (next >= end) {
            return Optional.empty();
        }
        while (ahead.size() < JournalLimits.REBUILD_READS_IN_FLIGHT_MAX && requested < end) {
            ahead.add(read(requested++));
        }
        Optional<Page> p = Remote.get(ahead.poll(), timeoutMs, "read of page " + volumeId + "/" + inode + "/" + next);
        next++;
        return p;
    }

    private CompletableFuture<Optional<Page>> read(long index) {
        try {
            return replicas.read(new PageKey(volumeId, inode, index));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
