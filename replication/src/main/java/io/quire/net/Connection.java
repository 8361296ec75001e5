package io.quire.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.quire.proto.Frame;
import io.quire.proto.FrameDecoder;
import io.quire.proto.FrameEncoder;
import io.quire.proto.Limits;
import io.quire.proto.Opcode;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.net.SocketAddress;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe. A client connection to one server, multiplexing many requests by request id.
 *
 * <p>At most {@link Limits#CONNECTION_IN_FLIGHT_MAX} requests are in flight, and at most
 * {@link #WRITE_BUFFER_HIGH_BYTES} wait unsent in the channel. At either limit a caller waits a
 * bounded time ({@link #ADMISSION_WAIT_MAX_MS}, or less when its deadline is nearer) and then gets
 * {@link Status#OVERLOADED}; a caller on a Netty event-loop thread never waits, since blocking an
 * event loop stalls every connection it serves.
 *
 * <p>Futures complete on the connection's event loop: dependent stages must not block.
 */
public final class Connection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);

    /** Longest a caller waits for an in-flight slot or a writable channel before OVERLOADED. */
    public static final long ADMISSION_WAIT_MAX_MS = 1_000;
    /** Unsent bytes above which the channel stops being writable (back-pressure on callers). */
    public static final int WRITE_BUFFER_HIGH_BYTES = 4 * 1024 * 1024;
    /** Unsent bytes below which it becomes writable again. */
    public static final int WRITE_BUFFER_LOW_BYTES = 1024 * 1024;

    /** How deep a cause chain is searched for a status (chains may, rarely, be cyclic). */
    private static final int CAUSE_DEPTH_MAX = 8;

    private final Channel channel;
    private final String target;
    private final PendingCalls calls;
    private final ResponseDispatcher dispatcher;
    /** Monitor on which callers wait for writability; signalled from the event loop. */
    private final Object writable = new Object();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    private Connection(Channel channel, String target) {
        this.channel = channel;
        this.target = target;
        this.calls = new PendingCalls(target);
        this.dispatcher = new ResponseDispatcher(target, calls, this::signalWritability);
        channel.closeFuture().addListener(f -> closed.complete(null));
    }

    /**
     * Connects to {@code host:port}. Fails with {@link Status#TIMEOUT} when the connect timeout
     * passes, {@link Status#UNAVAILABLE} when the server cannot be reached, and
     * {@link Status#INVALID_ARGUMENT} for a malformed address. The group must run NIO channels.
     */
    public static CompletableFuture<Connection> connect(EventLoopGroup group, String host, int port,
                                                        long connectTimeoutMs) {
        String target;
        try {
            target = new HostPort(host, port).toString();
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new QuireException(Status.INVALID_ARGUMENT,
                    "cannot connect to " + host + ":" + port + ": " + e.getMessage()));
        }
        AtomicReference<Connection> created = new AtomicReference<>();
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, Math.max(1, connectTimeoutMs)))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(WRITE_BUFFER_LOW_BYTES, WRITE_BUFFER_HIGH_BYTES))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        Connection connection = new Connection(ch, target);
                        created.set(connection);
                        ch.pipeline().addLast(new FrameDecoder(), FrameEncoder.INSTANCE, connection.dispatcher);
                    }
                });
        CompletableFuture<Connection> result = new CompletableFuture<>();
        ChannelFuture connecting;
        try {
            connecting = bootstrap.connect(host, port);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new QuireException(Status.CLOSED,
                    "cannot connect to " + target + ": the event loop group is shut down"));
        }
        connecting.addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                Connection connection = created.get();
                f.channel().remoteAddress(); // Netty caches it: still known after the close.
                LOG.debug("connected to {}", target);
                if (!result.complete(connection)) {
                    connection.close(); // The caller gave up (cancelled): nobody owns it.
                }
            } else {
                result.completeExceptionally(connectFailure(target, f.cause()));
            }
        });
        return result;
    }

    /**
     * Sends a request and returns its response. Takes ownership of {@code body} (released in every
     * case). The future completes with the response frame when its status is {@code OK} (the
     * caller releases it), and otherwise fails with a {@link QuireException}: the response's
     * status and message, {@link Status#TIMEOUT} when no response came within {@code timeoutMs}
     * (a late one is dropped), {@link Status#CLOSED} when the connection closed first,
     * {@link Status#OVERLOADED} when too much is in flight.
     */
    public CompletableFuture<Frame> call(Opcode op, ByteBuf body, long timeoutMs) {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(body, "body");
        if (timeoutMs <= 0) {
            body.release();
            return failed(Status.TIMEOUT, op + " to " + target + ": deadline " + timeoutMs + " ms already passed");
        }
        if (!isActive()) {
            body.release();
            return failed(Status.CLOSED, op + " to " + target + ": the connection is closed");
        }
        long startNs = System.nanoTime();
        QuireException refused = admit(startNs, timeoutMs);
        if (refused != null) {
            body.release();
            return CompletableFuture.failedFuture(refused);
        }
        PendingCalls.Call call = calls.open(op);
        if (call.future.isDone()) {
            body.release(); // Closed meanwhile.
            return call.future;
        }
        long leftMs = Math.max(1, timeoutMs - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs));
        try {
            call.deadline = channel.eventLoop().schedule(() -> calls.fail(call.id, Status.TIMEOUT,
                    op + " #" + call.id + " to " + target + " got no response within " + timeoutMs + " ms"),
                    leftMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            body.release();
            calls.fail(call.id, Status.CLOSED, op + " to " + target + ": the event loop is shut down");
            return call.future;
        }
        channel.writeAndFlush(Frame.request(op, call.id, body)).addListener(f -> {
            if (!f.isSuccess()) {
                calls.fail(call.id, writeFailureStatus(f.cause()),
                        "cannot send " + op + " to " + target + ": " + f.cause());
            }
        });
        return call.future;
    }

    /** True until the channel closes. */
    public boolean isActive() {
        return channel.isActive() && !calls.isClosed();
    }

    /** Requests currently awaiting their response. */
    public int inFlight() {
        return calls.inFlight();
    }

    /** The server's address (resolved), still known after the close. */
    public SocketAddress remoteAddress() {
        return channel.remoteAddress();
    }

    /** The address this connection was opened to, as {@code host:port}. */
    public String target() {
        return target;
    }

    /** Completes once the channel has closed, for whatever reason. */
    public CompletionStage<Void> closeFuture() {
        return closed.minimalCompletionStage();
    }

    /** Closes the channel without waiting; pending calls fail with {@link Status#CLOSED}. */
    @Override
    public void close() {
        channel.close();
    }

    @Override
    public String toString() {
        return "Connection{" + target + (isActive() ? "" : ", closed") + ", inFlight=" + inFlight() + "}";
    }

    /** Takes an in-flight permit and waits for writability; null when admitted, else why not. */
    private QuireException admit(long startNs, long timeoutMs) {
        long waitMs = onEventLoopThread() ? 0 : Math.min(timeoutMs, ADMISSION_WAIT_MAX_MS);
        boolean acquired = false;
        try {
            acquired = calls.acquire(waitMs);
            if (!acquired) {
                return new QuireException(Status.OVERLOADED, Limits.CONNECTION_IN_FLIGHT_MAX
                        + " requests in flight to " + target + " (waited " + waitMs + " ms)");
            }
            if (!awaitWritable(startNs + TimeUnit.MILLISECONDS.toNanos(waitMs))) {
                calls.releasePermit();
                return new QuireException(Status.OVERLOADED, "over " + WRITE_BUFFER_HIGH_BYTES
                        + " bytes wait to be sent to " + target + " (waited " + waitMs + " ms)");
            }
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (acquired) {
                calls.releasePermit();
            }
            return new QuireException(Status.OVERLOADED, "interrupted while waiting to send to " + target);
        }
    }

    /** Waits until the channel is writable or closed, or the deadline passes (then false). */
    private boolean awaitWritable(long deadlineNs) throws InterruptedException {
        if (channel.isWritable()) {
            return true;
        }
        synchronized (writable) {
            // Bounded: every pass waits for the time left before the deadline.
            while (!channel.isWritable() && channel.isActive()) {
                long leftNs = deadlineNs - System.nanoTime();
                if (leftNs <= 0) {
                    return false;
                }
                writable.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(leftNs)));
            }
        }
        return true;
    }

    private void signalWritability() {
        synchronized (writable) {
            writable.notifyAll();
        }
    }

    /** Event-loop threads (ours, or any Netty thread) must never block. */
    private boolean onEventLoopThread() {
        return channel.eventLoop().inEventLoop() || Thread.currentThread() instanceof FastThreadLocalThread;
    }

    private static Status writeFailureStatus(Throwable cause) {
        // An encoding refusal carries its own status (FRAME_TOO_LARGE); anything else is the
        // channel going away under the write.
        Throwable c = cause;
        for (int depth = 0; c != null && depth < CAUSE_DEPTH_MAX; depth++, c = c.getCause()) {
            if (c instanceof QuireException q) {
                return q.status();
            }
        }
        return Status.CLOSED;
    }

    private static QuireException connectFailure(String target, Throwable cause) {
        if (cause instanceof ConnectTimeoutException) {
            return new QuireException(Status.TIMEOUT, "cannot connect to " + target + ": " + cause.getMessage(), cause);
        }
        if (cause instanceof RejectedExecutionException) {
            return new QuireException(Status.CLOSED, "cannot connect to " + target + ": the event loop group is shut down", cause);
        }
        return new QuireException(Status.UNAVAILABLE, "cannot connect to " + target + ": " + cause, cause);
    }

    private static <T> CompletableFuture<T> failed(Status status, String message) {
        return CompletableFuture.failedFuture(new QuireException(status, message));
    }
}
