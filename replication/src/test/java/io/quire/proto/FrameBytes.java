package io.quire.proto;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

/** Not thread-safe; test helper confined to the test thread. Frames to wire bytes and back. */
final class FrameBytes {
    private FrameBytes() {
    }

    /** The wire bytes of a frame, through the real encoder. Consumes the frame. */
    static byte[] encode(Frame frame) {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameEncoder());
        ch.writeOutbound(frame);
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf part = ch.readOutbound(); part != null; part = ch.readOutbound()) {
            all.writeBytes(part);
            part.release();
        }
        ch.finishAndReleaseAll();
        byte[] bytes = new byte[all.readableBytes()];
        all.readBytes(bytes);
        all.release();
        return bytes;
    }

    /** Raw frame bytes with an arbitrary header (for versions and opcodes no encoder would send). */
    static byte[] raw(int length, int version, int opcode, int status, long requestId, byte[] body) {
        ByteBuf b = Unpooled.buffer();
        b.writeInt(length).writeByte(version).writeByte(opcode).writeShort(status).writeLong(requestId);
        b.writeBytes(body);
        byte[] bytes = new byte[b.readableBytes()];
        b.readBytes(bytes);
        b.release();
        return bytes;
    }

    static byte[] bodyBytes(Frame frame) {
        byte[] bytes = new byte[frame.body().readableBytes()];
        frame.body().getBytes(frame.body().readerIndex(), bytes);
        return bytes;
    }
}
