package io.quire.server.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.quire.proto.Opcode;
import java.util.concurrent.CompletableFuture;

/**
 * Serves one decoded request. Implementations are thread-safe and never block the calling event
 * loop: disk and catalog work go to their own bounded executors.
 */
public interface RequestProcessor {

    /**
     * @param body the request body; valid only until the returned future completes
     * @return the OK response body, or a future failed with a {@link io.quire.proto.QuireException}
     */
    CompletableFuture<ByteBuf> process(Opcode op, ByteBuf body, ByteBufAllocator alloc);
}
