package io.quire.mount.journal;

import io.quire.client.ReplicatedPages;
import io.quire.page.Page;
import io.quire.page.PageKey;
import io.quire.page.PageVersion;
import io.quire.page.ReservedInodes;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Thread-safe. The replicated pages as the flusher and the trash collector see them: a file page
 * write or delete is sent only once every journal record committed before the call is durable.
 *
 * <p>This is the write-ahead rule that keeps a rebuilt mount consistent with the pages on the
 * servers: a page reaches the servers only after the records that allow it (the file's creation,
 * its size, the remote high mark raised just before the upload) are durable, so a rebuilt file
 * never lacks a mark for pages that exist (nor finds a stale page of an inode number reused after
 * a lost creation), and a page is deleted only after the truncate or unlink that killed it is
 * durable, so a rebuilt file never misses pages it still has. The wait costs one journal round
 * trip per flush round; it does not block the caller (the send happens when the journal
 * completes). Reads and the journal's own pages pass straight through.
 */
public final class JournalOrderedPages implements ReplicatedPages {
    private final ReplicatedPages replicas;
    private final Journal journal;

    public JournalOrderedPages(ReplicatedPages replicas, Journal journal) {
        this.replicas = replicas;
        this.journal = journal;
    }

    @Override
    public CompletableFuture<Void> write(PageKey key, PageVersion version, ByteBuffer data) {
        if (ReservedInodes.isReserved(key.inode())) {
            return replicas.write(key, version, data);
        }
        return journal.awaitDurable(journal.currentSeq()).thenCompose(v -> replicas.write(key, version, data));
    }

    @Override
    public CompletableFuture<Optional<Page>> read(PageKey key) {
        return replicas.read(key);
    }

    @Override
    public CompletableFuture<Void> delete(PageKey key, PageVersion version) {
        if (ReservedInodes.isReserved(key.inode())) {
            return replicas.delete(key, version);
        }
        return journal.awaitDurable(journal.currentSeq()).thenCompose(v -> replicas.delete(key, version));
    }

    /** Does nothing: the replicas belong to whoever opened the file system. */
    @Override
    public void close() {
    }
}
