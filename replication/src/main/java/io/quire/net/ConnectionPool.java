package io.quire.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.quire.proto.Frame;
import io.quire.proto.Limits;
import io.quire.proto.Opcode;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe. One {@link Connection} per server address, opened on first use and reopened after
 * it closes; concurrent first uses share one connect. A failed connect is not remembered: the
 * next use tries again (callers bound their own retries).
 *
 * <p>Holds at most {@link Limits#SERVERS_MAX} connections, one per server of a cluster.
 */
public final class ConnectionPool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionPool.class);

    public static final long CONNECT_TIMEOUT_DEFAULT_MS = 3_000;
    /** Event-loop threads of a pool that owns its group: enough for 2 cores, all I/O is async. */
    private static final int CLIENT_THREADS = 2;
    /** How long close() waits for an owned event-loop group to stop. */
    private static final long SHUTDOWN_TIMEOUT_MS = 2_000;

    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final long connectTimeoutMs;
    private final ConcurrentHashMap<String, CompletableFuture<Connection>> connections = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** A pool with its own event loops and the default connect timeout. */
    public ConnectionPool() {
        this(CONNECT_TIMEOUT_DEFAULT_MS);
    }

    /** A pool with its own event loops (daemon threads named {@code quire-client-*}). */
    public ConnectionPool(long connectTimeoutMs) {
        this(new NioEventLoopGroup(CLIENT_THREADS, new DefaultThreadFactory("quire-client", true)), true,
                connectTimeoutMs);
    }

    /** A pool on a group that the caller owns (and shuts down after closing the pool). */
    public ConnectionPool(EventLoopGroup group, long connectTimeoutMs) {
        this(group, false, connectTimeoutMs);
    }

    private ConnectionPool(EventLoopGroup group, boolean ownsGroup, long connectTimeoutMs) {
        if (connectTimeoutMs <= 0) {
            throw new IllegalArgumentException("connect timeout " + connectTimeoutMs + " ms");
        }
        this.group = group;
        this.ownsGroup = ownsGroup;
        this.connectTimeoutMs = connectTimeoutMs;
    }

    /** The open connection to {@code hostPort}, connecting when there is none. */
    public CompletableFuture<Connection> get(String hostPort) {
        if (closed) {
            return CompletableFuture.failedFuture(new QuireException(Status.CLOSED, "connection pool closed"));
        }
        HostPort address;
        try {
            address = HostPort.parse(hostPort);
        } catch (QuireException e) {
            return CompletableFuture.failedFuture(e);
        }
        String key = address.toString();
        CompletableFuture<Connection> existing = connections.get(key);
        if (existing != null && isUsable(existing)) {
            return existing;
        }
        CompletableFuture<Connection> fresh = new CompletableFuture<>();
        CompletableFuture<Connection> chosen = connections.compute(key, (k, current) -> {
            if (current != null && isUsable(current)) {
                return current;
            }
            if (current == null && connections.size() >= Limits.SERVERS_MAX) {
                return null;
            }
            return fresh;
        });
        if (chosen == null) {
            return CompletableFuture.failedFuture(new QuireException(Status.OVERLOADED,
                    "connection pool already holds " + Limits.SERVERS_MAX + " connections"));
        }
        if (chosen == fresh) {
            open(key, address, fresh);
        }
        return chosen;
    }

    /**
     * Connects if needed, then sends a request (see {@link Connection#call}). Takes ownership of
     * {@code body}, released also when the connect fails. The timeout covers the connect too.
     */
    public CompletableFuture<Frame> call(String hostPort, Opcode op, ByteBuf body, long timeoutMs) {
        long startNs = System.nanoTime();
        return get(hostPort).handle((connection, error) -> {
            if (error != null) {
                body.release();
                return CompletableFuture.<Frame>failedFuture(unwrap(error));
            }
            long leftMs = timeoutMs - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
            return connection.call(op, body, leftMs);
        }).thenCompose(Function.identity());
    }

    /** Connections open or being opened. */
    public int size() {
        return connections.size();
    }

    /** Closes every connection (their pending calls fail with CLOSED) and an owned group. */
    @Override
    public void close() {
        closed = true;
        for (CompletableFuture<Connection> f : connections.values()) {
            f.thenAccept(Connection::close);
        }
        connections.clear();
        if (ownsGroup) {
            var termination = group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            // Waiting on one of our own threads would deadlock; there, close asynchronously.
            if (!onGroupThread() && !termination.awaitUninterruptibly(SHUTDOWN_TIMEOUT_MS * 2)) {
                LOG.warn("client event loops did not stop within {} ms", SHUTDOWN_TIMEOUT_MS * 2);
            }
        }
    }

    private void open(String key, HostPort address, CompletableFuture<Connection> slot) {
        Connection.connect(group, address.host(), address.port(), connectTimeoutMs).whenComplete((c, error) -> {
            if (error != null) {
                connections.remove(key, slot); // Before failing the slot: a retry then reconnects.
                slot.completeExceptionally(unwrap(error));
                return;
            }
            c.closeFuture().whenComplete((v, e) -> connections.remove(key, slot));
            slot.complete(c);
            if (closed) {
                c.close(); // The pool closed while we were connecting.
            }
        });
    }

    private boolean onGroupThread() {
        for (EventExecutor executor : group) {
            if (executor.inEventLoop()) {
                return true;
            }
        }
        return false;
    }

    private static boolean isUsable(CompletableFuture<Connection> f) {
        if (!f.isDone()) {
            return true; // A connect in progress: share it.
        }
        return !f.isCompletedExceptionally() && f.join().isActive();
    }

    private static Throwable unwrap(Throwable t) {
        return (t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null
                ? t.getCause() : t;
    }
}
