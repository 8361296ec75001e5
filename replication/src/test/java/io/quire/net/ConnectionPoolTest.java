package io.quire.net;

import static io.quire.net.Calls.failure;
import static io.quire.net.Calls.join;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.quire.proto.Frame;
import io.quire.proto.Opcode;
import io.quire.proto.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Not thread-safe; run by JUnit on one thread. The pool: reuse, shared connects, reconnect after a
 * server restart on the same port, close, bad addresses.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConnectionPoolTest {
    private static final long CALL_TIMEOUT_MS = 5_000;
    private static final Duration AWAIT = Duration.ofSeconds(10);

    private ScriptedServer server;
    private ConnectionPool pool;

    @BeforeEach
    void setUp() {
        server = ScriptedServer.start();
        pool = new ConnectionPool(2_000);
    }

    @AfterEach
    void tearDown() {
        pool.close();
        server.close();
    }

    private void pingOk() throws Exception {
        Frame f = join(pool.call(server.hostPort(), Opcode.PING, Unpooled.EMPTY_BUFFER, CALL_TIMEOUT_MS));
        assertEquals(Status.OK, f.status());
        f.release();
    }

    @Test
    void reusesTheOpenConnectionAndSharesAConnectInProgress() throws Exception {
        List<CompletableFuture<Connection>> racing = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            racing.add(pool.get(server.hostPort()));
        }
        Connection first = join(racing.get(0));
        for (CompletableFuture<Connection> f : racing) {
            assertSame(first, join(f));
        }
        pingOk();
        assertSame(first, join(pool.get(server.hostPort())));
        assertEquals(1, pool.size());
    }

    @Test
    void reconnectsAfterTheServerRestartsOnTheSamePort() throws Exception {
        pingOk();
        Connection before = join(pool.get(server.hostPort()));
        server.stop();
        await().atMost(AWAIT).until(() -> !before.isActive());

        ByteBuf body = Unpooled.buffer(1).writeByte(0);
        Status down = failure(pool.call(server.hostPort(), Opcode.PING, body, CALL_TIMEOUT_MS));
        assertTrue(down == Status.UNAVAILABLE || down == Status.CLOSED, down.toString());
        assertEquals(0, body.refCnt(), "the body is released when the connect fails");
        assertEquals(0, pool.size(), "a failed connect is not cached");

        server.restart();
        await().atMost(AWAIT).pollInterval(Duration.ofMillis(50)).untilAsserted(this::pingOk);
        Connection after = join(pool.get(server.hostPort()));
        assertNotSame(before, after);
        assertTrue(after.isActive());
    }

    @Test
    void closeFailsPendingCallsAndLaterUse() throws Exception {
        CompletableFuture<Frame> pending = pool.call(server.hostPort(), Opcode.PING,
                ScriptedServer.command(ScriptedServer.DROP, 1), CALL_TIMEOUT_MS);
        await().atMost(AWAIT).until(() -> server.received() == 1);
        pool.close();
        assertEquals(Status.CLOSED, failure(pending));
        ByteBuf body = Unpooled.buffer(1).writeByte(0);
        assertEquals(Status.CLOSED, failure(pool.call(server.hostPort(), Opcode.PING, body, CALL_TIMEOUT_MS)));
        assertEquals(0, body.refCnt());
    }

    @Test
    void clientThreadsAreNamedDaemons() throws Exception {
        pingOk();
        List<Thread> clients = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("quire-client-")).toList();
        assertFalse(clients.isEmpty());
        assertTrue(clients.stream().allMatch(Thread::isDaemon));
    }

    @Test
    void malformedAddressesAreInvalidArguments() throws Exception {
        for (String bad : new String[] {"nohost", "host:", ":80", "h:0", "h:65536", "h:x", "::1:80", null}) {
            ByteBuf body = Unpooled.buffer(1).writeByte(0);
            assertEquals(Status.INVALID_ARGUMENT, failure(pool.call(bad, Opcode.PING, body, CALL_TIMEOUT_MS)), bad);
            assertEquals(0, body.refCnt());
        }
        assertEquals("[::1]:80", HostPort.parse("[::1]:80").toString());
    }
}
