package io.quire.client;

import io.quire.page.Page;
import io.quire.page.PageKey;
import io.quire.page.PageVersion;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The pages of volumes, replicated over the cluster. Thread-safe.
 *
 * <p>Futures fail with {@link io.quire.proto.QuireException}; its status says why
 * ({@code UNAVAILABLE} when fewer than W replicas acknowledged before the deadline, {@code FENCED}
 * when a newer lease epoch exists, {@code NO_SUCH_VOLUME}, ...).
 */
public interface ReplicatedPages extends AutoCloseable {

    /**
     * Writes a page to its R replicas; completes once W of them have it durably (fsynced).
     * {@code data} must not be changed until the future completes.
     */
    CompletableFuture<Void> write(PageKey key, PageVersion version, ByteBuffer data);

    /** Reads a page from one replica, failing over to others; empty for a hole or deleted page. */
    CompletableFuture<Optional<Page>> read(PageKey key);

    /** Deletes a page (a tombstone with this version) on its replicas; completes after W acks. */
    CompletableFuture<Void> delete(PageKey key, PageVersion version);

    @Override
    void close();
}
