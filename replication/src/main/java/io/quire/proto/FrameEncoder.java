package io.quire.proto;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Thread-safe (stateless; one instance may serve every channel). Writes a {@link Frame} as its
 * length prefix and header followed by the body buffer itself, so a 1 MiB page is never copied on
 * its way to the socket. The frame is released after encoding (Netty's encoder does it); the body
 * travels on with the reference the encoder took.
 *
 * <p>A body that would make the frame exceed {@link Limits#FRAME_MAX_BYTES} fails the write with
 * {@link Status#FRAME_TOO_LARGE}: the peer would drop the connection on it anyway.
 */
@Sharable
public final class FrameEncoder extends MessageToMessageEncoder<Frame> {
    /** The one shared instance. */
    public static final FrameEncoder INSTANCE = new FrameEncoder();

    /** Bytes written before the body: the length prefix and the header. */
    private static final int PREFIX_AND_HEADER_BYTES = 4 + Frame.HEADER_BYTES;
    /**
     * Bodies up to this size are copied behind the header: for a few bytes a copy is cheaper than
     * one more buffer in the gathering write.
     */
    private static final int COPY_BODY_MAX_BYTES = 256;

    public FrameEncoder() {
        super(Frame.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Frame frame, List<Object> out) {
        ByteBuf body = frame.body();
        int bodyBytes = body.readableBytes();
        if (bodyBytes > Limits.FRAME_MAX_BYTES - Frame.HEADER_BYTES) {
            throw new QuireException(Status.FRAME_TOO_LARGE, "cannot send " + frame + ": the frame would exceed "
                    + Limits.FRAME_MAX_BYTES + " bytes");
        }
        boolean copyBody = bodyBytes <= COPY_BODY_MAX_BYTES;
        ByteBuf header = ctx.alloc().buffer(PREFIX_AND_HEADER_BYTES + (copyBody ? bodyBytes : 0));
        header.writeInt(Frame.HEADER_BYTES + bodyBytes);
        header.writeByte(frame.version());
        header.writeByte(frame.opcodeByte());
        header.writeShort(frame.status().code);
        header.writeLong(frame.requestId());
        if (copyBody) {
            header.writeBytes(body, body.readerIndex(), bodyBytes);
            out.add(header);
        } else {
            out.add(header);
            // The frame's own reference is dropped by our superclass right after this method.
            out.add(body.retainedDuplicate());
        }
    }
}
