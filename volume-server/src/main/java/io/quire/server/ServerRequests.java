package io.quire.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.quire.proto.Json;
import io.quire.proto.Opcode;
import io.quire.proto.PageMessages;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import io.quire.server.catalog.Catalog;
import io.quire.server.net.RequestProcessor;
import io.quire.server.store.PageStore;
import io.quire.server.store.StoredPage;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * The volume server's request processor: data-plane ops against the page store, catalog ops
 * against the catalog when this server runs it. Thread-safe.
 *
 * <p>Writes go straight to the store's group-commit queue; reads, listings and catalog calls run
 * on the bounded worker executor so event loops never touch disk. A full executor answers
 * OVERLOADED instead of queueing without bound.
 */
final class ServerRequests implements RequestProcessor {
    private final PageStore store;
    private final Catalog catalog; // null unless --catalog
    private final Executor workers;
    private final Supplier<Object> serverInfo;
    private final KnownVolumes volumes;

    ServerRequests(PageStore store, Catalog catalog, Executor workers, Supplier<Object> serverInfo, KnownVolumes volumes) {
        this.store = store;
        this.catalog = catalog;
        this.workers = workers;
        this.serverInfo = serverInfo;
        this.volumes = volumes;
    }

    @Override
    public CompletableFuture<ByteBuf> process(Opcode op, ByteBuf body, ByteBufAllocator alloc) {
        if (op.isCatalog()) {
            if (catalog == null) {
                throw new QuireException(Status.NOT_CATALOG, "this server does not run the catalog; use the --catalog address");
            }
            return onWorker(() -> Json.encode(catalog.handle(op, body)));
        }
        return switch (op) {
            case PING -> CompletableFuture.completedFuture(Unpooled.EMPTY_BUFFER);
            case PUT_PAGE -> {
                PageMessages.PutPage put = PageMessages.PutPage.decode(body);
                boolean repair = (put.flags() & PageMessages.FLAG_REPAIR) != 0;
                yield volumes.require(put.key().volumeId())
                        .thenCompose(v -> store.put(put.key(), put.version(), put.crc32c(), put.data().nioBuffer(), repair))
                        .thenApply(v -> Unpooled.EMPTY_BUFFER);
            }
            case DELETE_PAGE -> {
                PageMessages.DeletePage del = PageMessages.DeletePage.decode(body);
                boolean repair = (del.flags() & PageMessages.FLAG_REPAIR) != 0;
                yield volumes.require(del.key().volumeId())
                        .thenCompose(v -> store.delete(del.key(), del.version(), repair))
                        .thenApply(v -> Unpooled.EMPTY_BUFFER);
            }
            case GET_PAGE -> {
                PageMessages.GetPageRequest get = PageMessages.GetPageRequest.decode(body);
                yield volumes.require(get.key().volumeId()).thenCompose(v -> onWorker(() -> {
                    StoredPage page = store.get(get.key());
                    if (page == null) {
                        throw new QuireException(Status.NOT_FOUND, "no page " + get.key());
                    }
                    if (page.tombstone()) {
                        return PageMessages.GetPageResponse.ofTombstone(page.version()).encode(alloc);
                    }
                    return new PageMessages.GetPageResponse(page.version(), page.crc32c(),
                            Unpooled.wrappedBuffer(page.data())).encode(alloc);
                }));
            }
            case LIST_VERSIONS -> {
                PageMessages.ListVersionsRequest req = PageMessages.ListVersionsRequest.decode(body);
                yield onWorker(() -> StoreListings.list(store, req).encode(alloc));
            }
            case GROUP_DIGEST -> {
                PageMessages.GroupDigestRequest req = PageMessages.GroupDigestRequest.decode(body);
                yield onWorker(() -> StoreListings.digest(store, req).encode(alloc));
            }
            case SERVER_INFO -> CompletableFuture.completedFuture(Json.encode(serverInfo.get()));
            default -> throw new QuireException(Status.UNKNOWN_OPCODE, "opcode " + op + " not served here");
        };
    }

    private CompletableFuture<ByteBuf> onWorker(Supplier<ByteBuf> work) {
        try {
            return CompletableFuture.supplyAsync(work, workers);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new QuireException(Status.OVERLOADED, "server busy: worker queue full"));
        }
    }
}
