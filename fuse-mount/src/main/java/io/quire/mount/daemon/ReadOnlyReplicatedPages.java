package io.quire.mount.daemon;

import io.quire.client.ReplicatedPages;
import io.quire.page.Page;
import io.quire.page.PageKey;
import io.quire.page.PageVersion;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Thread-safe (the wrapped pages are). The pages of a read-only mount: reads go to the cluster,
 * writes and deletes are refused here and never reach a server.
 *
 * <p>A read-only mount holds no lease, so it must not write at all: a write would raise the
 * servers' fence epoch (or interleave with the real holder's journal). The kernel mount is
 * {@code ro} and the POSIX layer's admission answers EROFS; this is the last guard, for anything
 * the POSIX layer would upload by itself. The refusal is FENCED, which no retry cures.
 */
final class ReadOnlyReplicatedPages implements ReplicatedPages {
    private final ReplicatedPages delegate;

    ReadOnlyReplicatedPages(ReplicatedPages delegate) {
        this.delegate = delegate;
    }

    @Override
    public CompletableFuture<Void> write(PageKey key, PageVersion version, ByteBuffer data) {
        return CompletableFuture.failedFuture(refused("write", key));
    }

    @Override
    public CompletableFuture<Optional<Page>> read(PageKey key) {
        return delegate.read(key);
    }

    @Override
    public CompletableFuture<Void> delete(PageKey key, PageVersion version) {
        return CompletableFuture.failedFuture(refused("delete", key));
    }

    private static QuireException refused(String what, PageKey key) {
        return new QuireException(Status.FENCED, what + " of " + key + " refused: this mount is read-only");
    }

    @Override
    public void close() {
        delegate.close();
    }
}
