package io.quire.server;

import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.quire.client.CatalogClient;
import io.quire.client.ClusterMapCache;
import io.quire.cluster.RegisterServerRequest;
import io.quire.metrics.MetricsHttpServer;
import io.quire.net.ConnectionPool;
import io.quire.proto.FrameDecoder;
import io.quire.proto.FrameEncoder;
import io.quire.server.catalog.Catalog;
import io.quire.server.catalog.CatalogConfig;
import io.quire.server.net.RequestHandler;
import io.quire.server.repair.RepairService;
import io.quire.server.store.LmdbPageStore;
import io.quire.server.store.LmdbStoreConfig;
import io.quire.server.store.PageStore;
import io.quire.server.store.ServerIdentity;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code quire server} daemon: a page store served over Netty, optionally the catalog, plus
 * the heartbeat, repair and scrub loops. Thread-safe; {@link #close()} is idempotent.
 */
public final class VolumeServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(VolumeServer.class);
    private static final int WORKER_QUEUE_MAX = 4096;
    private static final int NETTY_IO_THREADS = 2;

    private final ServerConfig config;
    private final String id;
    private final FileLock dirLock;
    private final PrometheusMeterRegistry registry;
    private final PageStore store;
    private final Catalog catalog;
    private final ThreadPoolExecutor workers;
    private final EventLoopGroup boss;
    private final EventLoopGroup io;
    private final Channel serverChannel;
    private final String address;
    private final ConnectionPool clients;
    private final ClusterMapCache maps;
    private final ScheduledExecutorService scheduler;
    private final RepairService repair;
    private final MetricsHttpServer metrics;
    private final KnownVolumes knownVolumes;
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile boolean closing;

    private VolumeServer(ServerConfig config) throws Exception {
        this.config = config;
        Files.createDirectories(config.dataDir());
        this.dirLock = lockDataDir(config.dataDir());
        this.id = ServerIdentity.loadOrCreate(config.dataDir());
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("server", id);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);

        // Puts are issued from Netty event loops, which must never wait: a full write queue answers
        // OVERLOADED at once (clients back off and retry) instead of blocking the loop.
        this.store = LmdbPageStore.open(config.dataDir().resolve("pages"),
                LmdbStoreConfig.forCapacity(config.capacityBytes())
                        .withQueue(LmdbStoreConfig.QUEUE_OPS_MAX_DEFAULT, 0), registry);
        this.catalog = config.catalog()
                ? Catalog.open(config.dataDir(), new CatalogConfig(config.livenessTimeoutMs(), config.reReplicationGraceMs()),
                        System::currentTimeMillis, registry)
                : null;
        this.workers = new ThreadPoolExecutor(config.workerThreads(), config.workerThreads(), 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(WORKER_QUEUE_MAX), new DefaultThreadFactory("quire-worker", true),
                new ThreadPoolExecutor.AbortPolicy());

        this.clients = new ConnectionPool();
        // With --catalog the catalog is ourselves, reachable once bound (the port may be 0 until then).
        CatalogClient catalogClient = config.catalog() ? null : new CatalogClient(clients, config.joinAddress());
        this.maps = new ClusterMapCache(catalogClient);
        this.knownVolumes = new KnownVolumes(maps, catalog != null ? () -> maps.offer(catalog.clusterMap()) : maps::refresh);
        ServerRequests requests = new ServerRequests(store, catalog, workers, this::info, knownVolumes);
        this.boss = new NioEventLoopGroup(1, new DefaultThreadFactory("quire-accept", true));
        this.io = new NioEventLoopGroup(NETTY_IO_THREADS, new DefaultThreadFactory("quire-io", true));
        this.serverChannel = new ServerBootstrap()
                .group(boss, io)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new FrameDecoder(), new FrameEncoder(), new RequestHandler(requests, registry));
                    }
                })
                .bind(config.listenHost(), config.listenPort()).sync().channel();
        int port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
        this.address = config.listenHost() + ":" + port;

        if (config.catalog()) {
            // Port 0 is only known now: talk to our own catalog at the bound address.
            catalogClient = new CatalogClient(clients, address);
            maps.setCatalog(catalogClient);
        }
        this.scheduler = Executors.newScheduledThreadPool(2, new DefaultThreadFactory("quire-server-loop", true));
        this.repair = new RepairService(id, store, maps, clients, registry, config.scrubPagesPerSecond());
        store.setCorruptionListener(repair::reportCorrupt);
        HeartbeatLoop heartbeat = new HeartbeatLoop(catalogClient, maps, store,
                new RegisterServerRequest(id, address, config.zone(), config.capacityBytes()),
                () -> new HeartbeatLoop.RepairStats(repair.underReplicatedPages(), repair.rounds()));
        scheduler.scheduleWithFixedDelay(heartbeat, 0, config.heartbeatIntervalMs(), TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(repair::runRound, config.repairIntervalMs(), config.repairIntervalMs(),
                TimeUnit.MILLISECONDS);
        this.metrics = config.metricsListen() == null ? null : MetricsHttpServer.start(config.metricsListen(), registry);
        if (config.portFile() != null) {
            writeAtomically(config.portFile(), Integer.toString(port) + "\n");
        }
        log.info("quire server {} listening on {} (zone {}, capacity {} bytes, {}{})", id, address, config.zone(),
                config.capacityBytes(), config.catalog() ? "catalog" : "catalog at " + config.joinAddress(),
                metrics == null ? "" : ", metrics on port " + metrics.port());
    }

    /** Starts a server; fails with a clear message if the data directory is in use or unreadable. */
    public static VolumeServer start(ServerConfig config) throws Exception {
        return new VolumeServer(config);
    }

    public String id() {
        return id;
    }

    public String address() {
        return address;
    }

    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    public PageStore store() {
        return store;
    }

    /** What SERVER_INFO answers. */
    private Object info() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("zone", config.zone());
        m.put("address", address);
        m.put("capacityBytes", store.capacityBytes());
        m.put("usedBytes", store.usedBytes());
        m.put("pages", store.pageCount());
        m.put("catalog", catalog != null);
        m.put("underReplicatedPages", repair.underReplicatedPages());
        m.put("repairRounds", repair.rounds());
        return m;
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitClosed() throws InterruptedException {
        closed.await();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
        }
        log.info("quire server {} stopping", id);
        scheduler.shutdownNow();
        repair.close();
        serverChannel.close().awaitUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        io.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        knownVolumes.close();
        workers.shutdown();
        try {
            workers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        clients.close();
        maps.close();
        if (metrics != null) {
            metrics.close();
        }
        try {
            if (catalog != null) {
                catalog.close();
            }
        } catch (Exception e) {
            log.warn("closing the catalog failed", e);
        }
        try {
            store.close();
        } catch (Exception e) {
            log.warn("closing the page store failed", e);
        }
        try {
            dirLock.release();
            dirLock.channel().close();
        } catch (IOException e) {
            log.debug("releasing the data directory lock failed", e);
        }
        log.info("quire server {} stopped", id);
        closed.countDown();
    }

    private static FileLock lockDataDir(Path dir) throws IOException {
        FileChannel ch = FileChannel.open(dir.resolve("LOCK"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = ch.tryLock();
        if (lock == null) {
            ch.close();
            throw new IllegalStateException("data directory " + dir + " is in use by another quire server");
        }
        return lock;
    }

    static void writeAtomically(Path file, String content) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = parent.resolve(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(StandardCharsets.UTF_8.encode(content));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
