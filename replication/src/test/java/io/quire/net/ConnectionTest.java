package io.quire.net;

import static io.quire.net.Calls.failure;
import static io.quire.net.Calls.join;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.quire.proto.Frame;
import io.quire.proto.Limits;
import io.quire.proto.Opcode;
import io.quire.proto.Status;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Not thread-safe; run by JUnit on one thread (plus the callers it starts). One client connection
 * against a scripted loopback server: multiplexing, deadlines, closes, the in-flight bound.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConnectionTest {
    private static final long CALL_TIMEOUT_MS = 5_000;
    private static final Duration AWAIT = Duration.ofSeconds(10);

    private NioEventLoopGroup group;
    private ScriptedServer server;
    private Connection connection;

    @BeforeEach
    void setUp() throws Exception {
        group = new NioEventLoopGroup(2, new DefaultThreadFactory("test-client", true));
        server = ScriptedServer.start();
        connection = join(Connection.connect(group, "127.0.0.1", server.port(), 2_000));
    }

    @AfterEach
    void tearDown() {
        if (connection != null) {
            connection.close();
        }
        server.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static long tagOf(Frame f) {
        return f.body().getLong(f.body().readerIndex() + 1);
    }

    @Test
    void pingAnswersWithAnEmptyBody() throws Exception {
        Frame f = join(connection.call(Opcode.PING, Unpooled.EMPTY_BUFFER, CALL_TIMEOUT_MS));
        assertEquals(Opcode.PING, f.opcode());
        assertEquals(Status.OK, f.status());
        assertEquals(0, f.body().readableBytes());
        assertTrue(f.release());
        assertTrue(connection.isActive());
        assertEquals(server.port(), ((InetSocketAddress) connection.remoteAddress()).getPort());
        assertEquals("127.0.0.1:" + server.port(), connection.target());
    }

    @Test
    void manyConcurrentCallsAreMultiplexedAndEachGetsItsOwnAnswer() throws Exception {
        int threads = 4;
        int perThread = 250;
        List<List<CompletableFuture<Frame>>> results = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        for (int t = 0; t < threads; t++) {
            List<CompletableFuture<Frame>> mine = new ArrayList<>();
            results.add(mine);
            int thread = t;
            Thread w = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    long tag = thread * 1_000_000L + i;
                    // Some answers are delayed, so that they come back out of order.
                    ByteBuf body = i % 7 == 0 ? ScriptedServer.delay(i % 5, tag) : ScriptedServer.command(ScriptedServer.ECHO, tag);
                    mine.add(connection.call(Opcode.PING, body, CALL_TIMEOUT_MS));
                }
            }, "caller-" + t);
            workers.add(w);
            w.start();
        }
        go.countDown();
        for (Thread w : workers) {
            w.join(Calls.WAIT_MS);
            assertFalse(w.isAlive());
        }
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < perThread; i++) {
                Frame f = join(results.get(t).get(i));
                assertEquals(t * 1_000_000L + i, tagOf(f));
                f.release();
            }
        }
        assertEquals(0, connection.inFlight());
    }

    @Test
    void deadlineGivesTimeoutAndTheLateAnswerIsDropped() throws Exception {
        CompletableFuture<Frame> slow = connection.call(Opcode.PING, ScriptedServer.delay(400, 1), 50);
        assertEquals(Status.TIMEOUT, failure(slow));
        assertEquals(0, connection.inFlight());
        // The late answer arrives on a live connection and must not disturb later calls.
        CompletableFuture<Frame> after = connection.call(Opcode.PING, ScriptedServer.delay(600, 2), CALL_TIMEOUT_MS);
        Frame f = join(after);
        assertEquals(2, tagOf(f));
        f.release();
        assertTrue(connection.isActive());
    }

    @Test
    void errorStatusFailsTheCallWithTheServersMessage() throws Exception {
        CompletableFuture<Frame> f = connection.call(Opcode.GET_PAGE, ScriptedServer.command(ScriptedServer.ERROR, 1),
                CALL_TIMEOUT_MS);
        assertEquals(Status.NOT_FOUND, failure(f));
        assertEquals(ScriptedServer.ERROR_MESSAGE, Calls.message(f));
        assertTrue(connection.isActive());
    }

    @Test
    void serverCloseFailsEveryPendingCallWithClosed() throws Exception {
        List<CompletableFuture<Frame>> pending = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            pending.add(connection.call(Opcode.PING, ScriptedServer.command(ScriptedServer.DROP, i), CALL_TIMEOUT_MS));
        }
        await().atMost(AWAIT).until(() -> server.received() == 5);
        server.closeClients();
        for (CompletableFuture<Frame> f : pending) {
            assertEquals(Status.CLOSED, failure(f));
        }
        await().atMost(AWAIT).until(() -> !connection.isActive());
        assertEquals(0, connection.inFlight());
        ByteBuf body = Unpooled.buffer(1).writeByte(0);
        assertEquals(Status.CLOSED, failure(connection.call(Opcode.PING, body, CALL_TIMEOUT_MS)));
        assertEquals(0, body.refCnt());
        assertNotNull(connection.remoteAddress());
    }

    @Test
    void serverClosingOnARequestGivesClosed() throws Exception {
        CompletableFuture<Frame> f = connection.call(Opcode.PING, ScriptedServer.command(ScriptedServer.CLOSE, 1),
                CALL_TIMEOUT_MS);
        assertEquals(Status.CLOSED, failure(f));
    }

    @Test
    void fullInFlightWindowGivesOverloadedWithoutBlockingEventLoops() throws Exception {
        List<CompletableFuture<Frame>> pending = new ArrayList<>();
        for (int i = 0; i < Limits.CONNECTION_IN_FLIGHT_MAX; i++) {
            pending.add(connection.call(Opcode.PING, ScriptedServer.command(ScriptedServer.DROP, i), CALL_TIMEOUT_MS));
        }
        assertEquals(Limits.CONNECTION_IN_FLIGHT_MAX, connection.inFlight());
        // From an ordinary thread: waits (at most the call's deadline here), then OVERLOADED.
        ByteBuf body = ScriptedServer.command(ScriptedServer.ECHO, -1);
        assertEquals(Status.OVERLOADED, failure(connection.call(Opcode.PING, body, 100)));
        assertEquals(0, body.refCnt());
        // From an event-loop thread: OVERLOADED at once, the loop is never parked.
        CompletableFuture<Frame> fromLoop = group.next()
                .submit(() -> connection.call(Opcode.PING, ScriptedServer.command(ScriptedServer.ECHO, -2),
                        CALL_TIMEOUT_MS))
                .get(Calls.WAIT_MS, TimeUnit.MILLISECONDS);
        assertTrue(fromLoop.isDone(), "an event-loop caller is answered without waiting");
        assertEquals(Status.OVERLOADED, failure(fromLoop));
        connection.close();
        for (CompletableFuture<Frame> f : pending) {
            assertEquals(Status.CLOSED, failure(f));
        }
        assertEquals(0, connection.inFlight());
    }

    @Test
    void nonPositiveDeadlineFailsAtOnceAndReleasesTheBody() throws Exception {
        ByteBuf body = Unpooled.buffer(1).writeByte(0);
        assertEquals(Status.TIMEOUT, failure(connection.call(Opcode.PING, body, 0)));
        assertEquals(0, body.refCnt());
    }

    @Test
    void connectingToNothingIsUnavailable() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            deadPort = s.getLocalPort();
        }
        assertEquals(Status.UNAVAILABLE, failure(Connection.connect(group, "127.0.0.1", deadPort, 2_000)));
        assertEquals(Status.INVALID_ARGUMENT, failure(Connection.connect(group, "127.0.0.1", 70_000, 2_000)));
    }
}
