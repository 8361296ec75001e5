package io.quire.proto;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.nio.ByteOrder;

/**
 * Not thread-safe; confined to its channel's event loop (one instance per channel). Cuts the byte
 * stream into {@link Frame}s: a 4-byte big-endian length prefix (stripped), then a 12-byte header
 * and the body.
 *
 * <p>The length is checked as soon as its 4 bytes arrive, before any body byte is buffered, so a
 * peer that announces 4 GiB costs nothing: {@code length < }{@link Frame#HEADER_BYTES} throws
 * {@link QuireException} with {@link Status#BAD_REQUEST}, {@code length > }
 * {@link Limits#FRAME_MAX_BYTES} with {@link Status#FRAME_TOO_LARGE}. Netty wraps it in a
 * {@link io.netty.handler.codec.DecoderException} on its way to {@code exceptionCaught}; use
 * {@link #framingErrorOf(Throwable)} there to answer with an error frame (request id 0) and close.
 * After such an error the stream can no longer be trusted, so every later byte is discarded.
 *
 * <p>Frames whose version is not {@link Frame#PROTOCOL_VERSION}, and frames with unknown opcode
 * bytes, are passed on as they are: answering them is the handler's business. The frame's body is
 * a retained slice of the received bytes, owned by the frame.
 */
public final class FrameDecoder extends LengthFieldBasedFrameDecoder {
    private static final int LENGTH_FIELD_BYTES = 4;

    /** Set once a framing error was raised: from then on the stream is garbage to us. */
    private boolean failed;

    public FrameDecoder() {
        // The max passed to Netty is only a backstop: getUnadjustedFrameLength rejects first.
        super(ByteOrder.BIG_ENDIAN, LENGTH_FIELD_BYTES + Limits.FRAME_MAX_BYTES, 0, LENGTH_FIELD_BYTES,
                0, LENGTH_FIELD_BYTES, true);
    }

    /**
     * The framing error carried by an exception that reached {@code exceptionCaught}, or null when
     * the exception is something else (an I/O error, a bug in a later handler).
     */
    public static QuireException framingErrorOf(Throwable t) {
        Throwable c = t;
        for (int depth = 0; c != null && depth < 8; depth++, c = c.getCause()) {
            if (c instanceof FramingException f) {
                return f;
            }
        }
        return null;
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return null;
        }
        ByteBuf frame = (ByteBuf) super.decode(ctx, in);
        if (frame == null) {
            return null;
        }
        int version = frame.readUnsignedByte();
        int opcodeByte = frame.readUnsignedByte();
        Status status = Status.fromCode(frame.readUnsignedShort());
        long requestId = frame.readLong();
        // The rest of the slice is the body; the frame takes over our reference to it.
        return new Frame(version, opcodeByte, status, requestId, frame);
    }

    @Override
    protected long getUnadjustedFrameLength(ByteBuf buf, int offset, int length, ByteOrder order) {
        long frameLength = buf.getUnsignedInt(offset);
        if (frameLength < Frame.HEADER_BYTES) {
            failed = true;
            throw new FramingException(Status.BAD_REQUEST,
                    "frame length " + frameLength + " is below the " + Frame.HEADER_BYTES + "-byte header");
        }
        if (frameLength > Limits.FRAME_MAX_BYTES) {
            failed = true;
            throw new FramingException(Status.FRAME_TOO_LARGE,
                    "frame length " + frameLength + " is over the limit of " + Limits.FRAME_MAX_BYTES + " bytes");
        }
        return frameLength;
    }

    /**
     * Thread-safe (immutable). A framing error: the byte stream is broken; answer with request id 0
     * and close.
     */
    static final class FramingException extends QuireException {
        FramingException(Status status, String message) {
            super(status, message);
        }
    }
}
