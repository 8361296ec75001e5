package io.quire.proto;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;

/**
 * One protocol message: header fields plus a body buffer that this frame owns (release it once).
 * Not thread-safe; hand it from one thread to another, never share it.
 *
 * <p>The opcode is kept as its raw wire byte so that a server can answer an unknown opcode with
 * the same byte and request id.
 */
public final class Frame extends AbstractReferenceCounted {
    /** Size of the header after the 4-byte length prefix: version, opcode, status, request id. */
    public static final int HEADER_BYTES = 1 + 1 + 2 + 8;
    public static final int PROTOCOL_VERSION = 1;

    private final int version;
    private final int opcodeByte;
    private final Status status;
    private final long requestId;
    private final ByteBuf body;

    public Frame(int version, int opcodeByte, Status status, long requestId, ByteBuf body) {
        this.version = version;
        this.opcodeByte = opcodeByte;
        this.status = status;
        this.requestId = requestId;
        this.body = body;
    }

    public static Frame request(Opcode op, long requestId, ByteBuf body) {
        return new Frame(PROTOCOL_VERSION, op.code, Status.OK, requestId, body);
    }

    public static Frame response(Frame request, Status status, ByteBuf body) {
        return new Frame(PROTOCOL_VERSION, request.opcodeByte, status, request.requestId, body);
    }

    /** An error response whose body is the UTF-8 message. */
    public static Frame error(int opcodeByte, long requestId, Status status, String message) {
        return new Frame(PROTOCOL_VERSION, opcodeByte, status, requestId,
                Unpooled.copiedBuffer(message == null ? status.description : message,
                        java.nio.charset.StandardCharsets.UTF_8));
    }

    public int version() {
        return version;
    }

    public int opcodeByte() {
        return opcodeByte;
    }

    /** The opcode, or null when the byte is not a known opcode. */
    public Opcode opcode() {
        return Opcode.fromCode(opcodeByte);
    }

    public Status status() {
        return status;
    }

    public long requestId() {
        return requestId;
    }

    public ByteBuf body() {
        return body;
    }

    /** The body as UTF-8 text (error messages and JSON bodies). Does not consume the body. */
    public String bodyText() {
        return body.toString(body.readerIndex(), body.readableBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    protected void deallocate() {
        body.release();
    }

    @Override
    public ReferenceCounted touch(Object hint) {
        body.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        Opcode op = opcode();
        return "Frame{" + (op == null ? "opcode#" + opcodeByte : op) + ", id=" + requestId
                + ", " + status + ", body=" + body.readableBytes() + "B}";
    }
}
