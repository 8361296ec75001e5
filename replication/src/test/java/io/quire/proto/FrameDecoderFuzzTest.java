package io.quire.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Not thread-safe; run by JUnit on one thread. Random byte streams, cut at random points, never
 * make the decoder throw anything but a framing error, never make it allocate for a length it has
 * not received, and never leak a buffer. Replay with {@code -Dquire.fuzz.seed=N}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FrameDecoderFuzzTest {
    private static final int STREAMS = 2_000;
    private static final int STREAM_BYTES_MAX = 8 * 1024;
    /** Far above what an 8 KiB stream needs, far below what a trusted length would cost. */
    private static final int ALLOCATION_MAX_BYTES = 64 * 1024;

    @Test
    void randomStreamsOnlyEverFailAsFramingErrors() {
        long seed = Long.getLong("quire.fuzz.seed", new Random().nextLong());
        System.out.println("FrameDecoderFuzzTest seed=" + seed);
        SplittableRandom seeds = new SplittableRandom(seed);
        int framesSeen = 0;
        int errorsSeen = 0;
        int largestAllocation = 0;
        for (int s = 0; s < STREAMS; s++) {
            long streamSeed = seeds.nextLong();
            Outcome o = runStream(new SplittableRandom(streamSeed), "seed=" + seed + " stream " + s);
            framesSeen += o.frames;
            errorsSeen += o.failed ? 1 : 0;
            largestAllocation = Math.max(largestAllocation, o.largestAllocation);
        }
        System.out.println("frames decoded " + framesSeen + ", streams ending in a framing error " + errorsSeen
                + ", largest allocation " + largestAllocation);
        assertTrue(largestAllocation > 0, "the decoder's cumulation goes through the tracking allocator");
        assertTrue(framesSeen > STREAMS / 2, "the generator also produces decodable frames");
        assertTrue(errorsSeen > STREAMS / 10, "the generator also produces framing errors");
    }

    private record Outcome(int frames, boolean failed, int largestAllocation) {
    }

    private static Outcome runStream(SplittableRandom rnd, String where) {
        byte[] stream = generate(rnd);
        TrackingAllocator alloc = new TrackingAllocator();
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setAllocator(alloc);
        ch.pipeline().addLast(new FrameDecoder());
        List<ByteBuf> inputs = new ArrayList<>();
        int frames = 0;
        boolean failed = false;
        int at = 0;
        while (at < stream.length && !failed) {
            int chunk = Math.min(stream.length - at, 1 + rnd.nextInt(rnd.nextBoolean() ? 16 : 2048));
            ByteBuf in = Unpooled.wrappedBuffer(stream, at, chunk);
            inputs.add(in);
            at += chunk;
            try {
                ch.writeInbound(in);
            } catch (RuntimeException e) {
                QuireException framing = FrameDecoder.framingErrorOf(e);
                assertNotNull(framing, where + ": not a framing error: " + e);
                Status st = framing.status();
                assertTrue(st == Status.BAD_REQUEST || st == Status.FRAME_TOO_LARGE, where + ": " + st);
                failed = true;
            }
            for (Frame f = ch.readInbound(); f != null; f = ch.readInbound()) {
                assertTrue(f.body().readableBytes() <= Limits.FRAME_MAX_BYTES - Frame.HEADER_BYTES, where);
                f.release();
                frames++;
            }
            assertTrue(alloc.largestCapacity() <= ALLOCATION_MAX_BYTES,
                    where + ": allocated " + alloc.largestCapacity() + " bytes");
        }
        ch.finishAndReleaseAll();
        for (ByteBuf in : inputs) {
            if (in.refCnt() != 0) {
                fail(where + ": input buffer leaked, refCnt " + in.refCnt());
            }
        }
        return new Outcome(frames, failed, alloc.largestCapacity());
    }

    /** A mix of garbage, plausible frames, corrupted frames and lying lengths. */
    private static byte[] generate(SplittableRandom rnd) {
        ByteBuf out = Unpooled.buffer();
        int parts = 1 + rnd.nextInt(8);
        for (int p = 0; p < parts && out.readableBytes() < STREAM_BYTES_MAX; p++) {
            switch (rnd.nextInt(10)) {
                case 0 -> {
                    byte[] garbage = new byte[rnd.nextInt(64)];
                    rnd.nextBytes(garbage);
                    out.writeBytes(garbage);
                }
                case 1 -> out.writeInt(rnd.nextInt()); // A random length, usually far too large.
                case 2 -> out.writeInt(rnd.nextInt(Frame.HEADER_BYTES)); // Too small.
                case 3 -> out.writeInt(Limits.FRAME_MAX_BYTES - rnd.nextInt(3)).writeZero(rnd.nextInt(100));
                default -> {
                    byte[] body = new byte[rnd.nextInt(300)];
                    rnd.nextBytes(body);
                    out.writeBytes(FrameBytes.raw(Frame.HEADER_BYTES + body.length, rnd.nextInt(3),
                            rnd.nextInt(256), rnd.nextInt(30), rnd.nextLong(), body));
                }
            }
        }
        int length = Math.min(out.readableBytes(), STREAM_BYTES_MAX);
        if (length > 0 && rnd.nextInt(4) == 0) {
            length = rnd.nextInt(length); // Cut anywhere, even inside a length prefix.
        }
        if (length > 0 && rnd.nextInt(4) == 0) {
            out.setByte(rnd.nextInt(length), rnd.nextInt(256)); // Flip one byte.
        }
        byte[] bytes = new byte[length];
        out.getBytes(0, bytes);
        out.release();
        assertEquals(length, bytes.length);
        return bytes;
    }
}
