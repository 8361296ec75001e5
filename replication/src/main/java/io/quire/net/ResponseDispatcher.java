package io.quire.net;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.quire.proto.Frame;
import io.quire.proto.FrameDecoder;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Not thread-safe; confined to its channel's event loop. The last handler of a client pipeline:
 * hands each response frame to the call waiting for it, and fails every waiting call when the
 * channel closes. Any protocol error from the server closes the channel, since the stream can no
 * longer be trusted.
 */
final class ResponseDispatcher extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ResponseDispatcher.class);

    private final String target;
    private final PendingCalls calls;
    /** Wakes callers waiting for the channel to become writable (or to close). */
    private final Runnable writabilitySignal;
    /** Why we are closing, when we know better than "the peer closed". */
    private String closeCause;

    ResponseDispatcher(String target, PendingCalls calls, Runnable writabilitySignal) {
        this.target = target;
        this.calls = calls;
        this.writabilitySignal = writabilitySignal;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof Frame frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (frame.version() != Frame.PROTOCOL_VERSION) {
            closeOnProtocolError(ctx, "a response of protocol version " + frame.version());
            frame.release();
            return;
        }
        if (frame.requestId() == 0 && frame.status() != Status.OK) {
            // Id 0 is how a server answers a framing error, just before it closes.
            closeOnProtocolError(ctx, frame.status() + " for the connection: " + frame.bodyText());
            frame.release();
            return;
        }
        calls.complete(frame);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        String reason = "connection to " + target + " closed" + (closeCause == null ? "" : " (" + closeCause + ")");
        LOG.debug("{} with {} calls in flight", reason, calls.inFlight());
        calls.closeAll(reason);
        writabilitySignal.run();
        super.channelInactive(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        writabilitySignal.run();
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        QuireException framing = FrameDecoder.framingErrorOf(cause);
        if (framing != null) {
            closeOnProtocolError(ctx, "bad framing: " + framing.getMessage());
        } else if (cause instanceof IOException) {
            LOG.debug("I/O error on the connection to {}: {}", target, cause.toString());
            closeWith(ctx, cause.toString());
        } else {
            LOG.warn("closing the connection to {} after an unexpected error", target, cause);
            closeWith(ctx, "client error: " + cause);
        }
    }

    private void closeOnProtocolError(ChannelHandlerContext ctx, String what) {
        LOG.warn("closing the connection to {}: protocol error: {}", target, what);
        closeWith(ctx, "protocol error: " + what);
    }

    private void closeWith(ChannelHandlerContext ctx, String cause) {
        if (closeCause == null) {
            closeCause = cause;
        }
        ctx.close();
    }
}
