package io.quire.server.net;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.quire.proto.Frame;
import io.quire.proto.Opcode;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns request frames into calls on a {@link RequestProcessor} and writes one response per
 * request. One instance per connection, confined to that channel's event loop (completions hop
 * back onto it through {@code ctx.writeAndFlush}, which is thread-safe).
 *
 * <p>It never touches disk: processors run disk work on their own executors. Bad input gets a
 * status and one log line; framing errors also close the connection, since the byte stream can no
 * longer be trusted. Back-pressure: past {@link #IN_FLIGHT_PER_CONNECTION_MAX} unanswered requests
 * the channel stops reading until answers drain.
 */
public final class RequestHandler extends SimpleChannelInboundHandler<Frame> {
    private static final Logger log = LoggerFactory.getLogger(RequestHandler.class);
    static final int IN_FLIGHT_PER_CONNECTION_MAX = 256;

    private final RequestProcessor processor;
    private final MeterRegistry registry;
    private final AtomicInteger inFlight = new AtomicInteger();

    public RequestHandler(RequestProcessor processor, MeterRegistry registry) {
        super(false); // we release frames ourselves once the work that reads them is done
        this.processor = processor;
        this.registry = registry;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
        long start = System.nanoTime();
        if (frame.version() != Frame.PROTOCOL_VERSION) {
            log.warn("closing {}: unsupported protocol version {}", ctx.channel().remoteAddress(), frame.version());
            frame.release();
            ctx.writeAndFlush(Frame.error(frame.opcodeByte(), frame.requestId(), Status.UNSUPPORTED_VERSION,
                    "unsupported protocol version " + frame.version() + ", this server speaks " + Frame.PROTOCOL_VERSION))
                    .addListener(f -> ctx.close());
            return;
        }
        Opcode op = frame.opcode();
        if (op == null) {
            log.warn("unknown opcode {} from {}", frame.opcodeByte(), ctx.channel().remoteAddress());
            frame.release();
            ctx.writeAndFlush(Frame.error(frame.opcodeByte(), frame.requestId(), Status.UNKNOWN_OPCODE,
                    "unknown opcode " + frame.opcodeByte()));
            record("unknown", Status.UNKNOWN_OPCODE, start);
            return;
        }
        if (inFlight.incrementAndGet() >= IN_FLIGHT_PER_CONNECTION_MAX) {
            ctx.channel().config().setAutoRead(false);
        }
        CompletableFuture<ByteBuf> result;
        try {
            result = processor.process(op, frame.body(), ctx.alloc());
        } catch (Throwable t) {
            result = CompletableFuture.failedFuture(t);
        }
        result.whenComplete((body, err) -> {
            frame.release();
            Frame response;
            Status status;
            if (err == null) {
                status = Status.OK;
                response = Frame.response(frame, Status.OK, body == null ? Unpooled.EMPTY_BUFFER : body);
            } else {
                status = QuireException.statusOf(err);
                String message = messageOf(err);
                if (status == Status.INTERNAL_ERROR) {
                    log.error("{} from {} failed", op, ctx.channel().remoteAddress(), err);
                } else if (status == Status.BAD_REQUEST || status == Status.CHECKSUM_MISMATCH) {
                    log.warn("{} from {}: {}: {}", op, ctx.channel().remoteAddress(), status, message);
                } else {
                    log.debug("{} from {}: {}: {}", op, ctx.channel().remoteAddress(), status, message);
                }
                response = Frame.error(frame.opcodeByte(), frame.requestId(), status, message);
            }
            record(op.name(), status, start);
            ctx.writeAndFlush(response);
            if (inFlight.decrementAndGet() < IN_FLIGHT_PER_CONNECTION_MAX / 2 && !ctx.channel().config().isAutoRead()) {
                ctx.channel().config().setAutoRead(true);
            }
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Status status = QuireException.statusOf(cause);
        if (status == Status.INTERNAL_ERROR && cause instanceof DecoderException) {
            status = Status.BAD_REQUEST;
        }
        if (cause instanceof java.io.IOException && !(cause instanceof QuireException)) {
            log.debug("connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
            return;
        }
        log.warn("closing {}: {}: {}", ctx.channel().remoteAddress(), status, messageOf(cause));
        record("framing", status, System.nanoTime());
        ctx.writeAndFlush(Frame.error(0, 0, status, messageOf(cause))).addListener(f -> ctx.close());
    }

    private void record(String op, Status status, long startNanos) {
        Timer.builder("quire.server.requests")
                .description("requests served, by opcode and status")
                .tag("op", op)
                .tag("status", status.name())
                .register(registry)
                .record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    private static String messageOf(Throwable t) {
        Throwable c = t;
        while (c != null) {
            if (c instanceof QuireException q) {
                return q.getMessage();
            }
            c = c.getCause();
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
