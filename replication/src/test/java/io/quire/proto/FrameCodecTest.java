package io.quire.proto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Not thread-safe; run by JUnit on one thread. The frame codec on an EmbeddedChannel: round trips,
 * every split point, several frames per buffer, bad lengths, pass-through of odd headers.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FrameCodecTest {

    private static Frame sample(int bodyBytes) {
        byte[] body = new byte[bodyBytes];
        for (int i = 0; i < bodyBytes; i++) {
            body[i] = (byte) (i * 31 + 7);
        }
        return new Frame(Frame.PROTOCOL_VERSION, Opcode.PUT_PAGE.code, Status.NOT_FOUND, 0x0102030405060708L,
                Unpooled.wrappedBuffer(body));
    }

    private static void assertSampleFrame(Frame f, int bodyBytes) {
        assertEquals(Frame.PROTOCOL_VERSION, f.version());
        assertEquals(Opcode.PUT_PAGE, f.opcode());
        assertEquals(Status.NOT_FOUND, f.status());
        assertEquals(0x0102030405060708L, f.requestId());
        Frame expected = sample(bodyBytes);
        assertArrayEquals(FrameBytes.bodyBytes(expected), FrameBytes.bodyBytes(f));
        expected.release();
    }

    private static List<Frame> feed(EmbeddedChannel ch, byte[] bytes, int... cuts) {
        List<Frame> out = new ArrayList<>();
        int from = 0;
        int[] points = new int[cuts.length + 1];
        System.arraycopy(cuts, 0, points, 0, cuts.length);
        points[cuts.length] = bytes.length;
        for (int to : points) {
            ch.writeInbound(Unpooled.wrappedBuffer(bytes, from, to - from));
            from = to;
            for (Frame f = ch.readInbound(); f != null; f = ch.readInbound()) {
                out.add(f);
            }
        }
        return out;
    }

    @Test
    void roundTripsHeaderAndBody() {
        for (int size : new int[] {0, 1, 255, 256, 257, 70_000}) {
            byte[] bytes = FrameBytes.encode(sample(size));
            assertEquals(4 + Frame.HEADER_BYTES + size, bytes.length);
            EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
            List<Frame> frames = feed(ch, bytes);
            assertEquals(1, frames.size());
            assertSampleFrame(frames.get(0), size);
            assertTrue(frames.get(0).release());
            assertTrue(!ch.finish());
        }
    }

    @Test
    void everySplitPointYieldsTheSameFrame() {
        byte[] bytes = FrameBytes.encode(sample(40));
        for (int cut = 0; cut <= bytes.length; cut++) {
            EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
            List<Frame> frames = feed(ch, bytes, cut);
            assertEquals(1, frames.size(), "cut at " + cut);
            assertSampleFrame(frames.get(0), 40);
            frames.get(0).release();
            assertTrue(!ch.finish());
        }
    }

    @Test
    void byteByByteYieldsTheSameFrame() {
        byte[] bytes = FrameBytes.encode(sample(300));
        int[] cuts = new int[bytes.length - 1];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = i + 1;
        }
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        List<Frame> frames = feed(ch, bytes, cuts);
        assertEquals(1, frames.size());
        assertSampleFrame(frames.get(0), 300);
        frames.get(0).release();
        assertTrue(!ch.finish());
    }

    @Test
    void severalFramesInOneBuffer() {
        ByteBuf all = Unpooled.buffer();
        for (int i = 0; i < 5; i++) {
            all.writeBytes(FrameBytes.encode(Frame.request(Opcode.PING, i + 1, Unpooled.buffer().writeInt(i))));
        }
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        ch.writeInbound(all);
        for (int i = 0; i < 5; i++) {
            Frame f = ch.readInbound();
            assertEquals(i + 1, f.requestId());
            assertEquals(Opcode.PING, f.opcode());
            assertEquals(i, f.body().getInt(f.body().readerIndex()));
            assertEquals(4, f.body().readableBytes());
            f.release();
        }
        assertNull(ch.readInbound());
        assertTrue(!ch.finish());
    }

    @Test
    void tooLargeLengthFailsAsSoonAsTheLengthArrives() {
        for (long length : new long[] {Limits.FRAME_MAX_BYTES + 1L, 0xFFFF_FFFFL, 0x8000_0000L}) {
            EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
            ByteBuf prefix = Unpooled.buffer(4).writeInt((int) length);
            DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(prefix));
            assertEquals(Status.FRAME_TOO_LARGE, QuireException.statusOf(e));
            assertNotNull(FrameDecoder.framingErrorOf(e));
            // The stream is no longer trusted: later bytes vanish without a second error.
            ch.writeInbound(Unpooled.wrappedBuffer(FrameBytes.encode(sample(3))));
            assertNull(ch.readInbound());
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void largestFrameIsAccepted() {
        byte[] bytes = FrameBytes.encode(sample(Limits.FRAME_MAX_BYTES - Frame.HEADER_BYTES));
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        Frame f = feed(ch, bytes, 1000).get(0);
        assertEquals(Limits.FRAME_MAX_BYTES - Frame.HEADER_BYTES, f.body().readableBytes());
        f.release();
        assertTrue(!ch.finish());
    }

    @Test
    void tooSmallLengthIsBadRequest() {
        for (int length = 0; length < Frame.HEADER_BYTES; length++) {
            EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
            ByteBuf bytes = Unpooled.buffer().writeInt(length).writeZero(40);
            DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(bytes));
            assertEquals(Status.BAD_REQUEST, QuireException.statusOf(e), "length " + length);
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void otherVersionsAndUnknownOpcodesPassThrough() {
        byte[] a = FrameBytes.raw(Frame.HEADER_BYTES + 2, 9, Opcode.PING.code, 0, 77, new byte[] {1, 2});
        byte[] b = FrameBytes.raw(Frame.HEADER_BYTES, 1, 200, 0, 78, new byte[0]);
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        ch.writeInbound(Unpooled.wrappedBuffer(a, b));
        Frame fa = ch.readInbound();
        assertEquals(9, fa.version());
        assertEquals(77, fa.requestId());
        assertEquals(2, fa.body().readableBytes());
        Frame fb = ch.readInbound();
        assertEquals(200, fb.opcodeByte());
        assertNull(fb.opcode());
        assertEquals(78, fb.requestId());
        fa.release();
        fb.release();
        assertTrue(!ch.finish());
    }

    @Test
    void encoderSendsLargeBodiesWithoutCopyAndReleasesTheFrame() {
        ByteBuf body = Unpooled.buffer(4096).writeZero(4096);
        Frame frame = Frame.request(Opcode.PUT_PAGE, 5, body);
        EmbeddedChannel ch = new EmbeddedChannel(new FrameEncoder());
        ch.writeOutbound(frame);
        assertEquals(0, frame.refCnt());
        ByteBuf header = ch.readOutbound();
        ByteBuf sent = ch.readOutbound();
        assertEquals(4 + Frame.HEADER_BYTES, header.readableBytes());
        assertEquals(Frame.HEADER_BYTES + 4096, header.getInt(0));
        assertSame(body.array(), sent.array());
        assertEquals(1, body.refCnt());
        header.release();
        sent.release();
        assertEquals(0, body.refCnt());
        assertTrue(!ch.finish());
    }

    @Test
    void encoderRefusesOversizeBodies() {
        ByteBuf body = Unpooled.buffer(Limits.FRAME_MAX_BYTES).writeZero(Limits.FRAME_MAX_BYTES - Frame.HEADER_BYTES + 1);
        EmbeddedChannel ch = new EmbeddedChannel(new FrameEncoder());
        Exception e = assertThrows(Exception.class, () -> ch.writeOutbound(Frame.request(Opcode.PUT_PAGE, 1, body)));
        assertEquals(Status.FRAME_TOO_LARGE, QuireException.statusOf(e));
        assertEquals(0, body.refCnt());
        assertTrue(!ch.finish());
    }

    @Test
    void errorFramesCarryTheirMessage() {
        byte[] bytes = FrameBytes.encode(Frame.error(Opcode.GET_PAGE.code, 9, Status.CORRUPT, "bad copy é"));
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        ch.writeInbound(Unpooled.wrappedBuffer(bytes));
        Frame f = ch.readInbound();
        assertEquals(Status.CORRUPT, f.status());
        assertEquals("bad copy é", f.bodyText());
        assertEquals("bad copy é".getBytes(StandardCharsets.UTF_8).length, f.body().readableBytes());
        f.release();
        assertTrue(!ch.finish());
    }
}
