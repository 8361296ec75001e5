package io.quire.net;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.quire.proto.Frame;
import io.quire.proto.FrameDecoder;
import io.quire.proto.FrameEncoder;
import io.quire.proto.Status;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread-safe. A tiny test server on 127.0.0.1 whose behaviour each request's body scripts: the
 * first byte is a command ({@link #ECHO}, {@link #DELAY} then an int of milliseconds,
 * {@link #DROP}, {@link #CLOSE}, {@link #ERROR}); an empty body is a plain echo. Answers echo the
 * whole request body, so a client can check it got its own answer.
 */
final class ScriptedServer implements AutoCloseable {
    static final byte ECHO = 0;
    static final byte DELAY = 1;
    static final byte DROP = 2;
    static final byte CLOSE = 3;
    static final byte ERROR = 4;
    static final String ERROR_MESSAGE = "no such thing";

    private final NioEventLoopGroup group = new NioEventLoopGroup(1, new DefaultThreadFactory("test-server", true));
    private final ChannelGroup children = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final AtomicInteger received = new AtomicInteger();
    private volatile Channel listener;
    private volatile int port;

    private ScriptedServer() {
    }

    /** Starts on an ephemeral port. */
    static ScriptedServer start() {
        ScriptedServer s = new ScriptedServer();
        s.bind(0);
        return s;
    }

    static ByteBuf command(byte command, long tag) {
        return Unpooled.buffer(9).writeByte(command).writeLong(tag);
    }

    static ByteBuf delay(int ms, long tag) {
        return Unpooled.buffer(13).writeByte(DELAY).writeLong(tag).writeInt(ms);
    }

    int port() {
        return port;
    }

    String hostPort() {
        return "127.0.0.1:" + port;
    }

    /** Requests received so far. */
    int received() {
        return received.get();
    }

    /** Stops listening and closes every accepted connection. */
    void stop() {
        Channel l = listener;
        if (l != null) {
            l.close().syncUninterruptibly();
        }
        closeClients();
    }

    /** Listens again on the same port. */
    void restart() {
        bind(port);
    }

    void closeClients() {
        children.close().syncUninterruptibly();
    }

    @Override
    public void close() {
        stop();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private void bind(int wantedPort) {
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        children.add(ch);
                        ch.pipeline().addLast(new FrameDecoder(), FrameEncoder.INSTANCE, new Script());
                    }
                });
        listener = b.bind("127.0.0.1", wantedPort).syncUninterruptibly().channel();
        port = ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Not thread-safe; confined to a child channel's event loop. Plays each request's script. */
    private final class Script extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Frame req = (Frame) msg;
            received.incrementAndGet();
            ByteBuf body = req.body();
            int command = body.isReadable() ? body.getByte(body.readerIndex()) : ECHO;
            switch (command) {
                case DELAY -> {
                    int ms = body.getInt(body.readerIndex() + 9);
                    Frame answer = Frame.response(req, Status.OK, body.retainedDuplicate());
                    ctx.executor().schedule(() -> ctx.writeAndFlush(answer), ms, TimeUnit.MILLISECONDS);
                }
                case DROP -> {
                }
                case CLOSE -> ctx.close();
                case ERROR -> ctx.writeAndFlush(Frame.error(req.opcodeByte(), req.requestId(), Status.NOT_FOUND,
                        ERROR_MESSAGE));
                default -> ctx.writeAndFlush(Frame.response(req, Status.OK, body.retainedDuplicate()));
            }
            req.release();
        }
    }
}
