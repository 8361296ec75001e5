package io.quire.cli;

import io.quire.server.ServerConfig;
import io.quire.server.VolumeServer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quire server}: runs a volume server in the foreground until SIGTERM or Ctrl-C. */
@Command(name = "server", description = "Run a volume server (and, with --catalog, the cluster catalog).",
        sortOptions = false, mixinStandardHelpOptions = true)
final class ServerCommand implements Callable<Integer> {

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Directory holding this server's pages and identity.")
    Path data;

    @Option(names = "--listen", required = true, paramLabel = "HOST:PORT", description = "Address to serve on (port 0 picks a free port).")
    String listen;

    @Option(names = "--zone", required = true, paramLabel = "ZONE", description = "Failure domain: replicas of a page go to different zones.")
    String zone;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Role role;

    static final class Role {
        @Option(names = "--catalog", description = "Also run the catalog on this server.")
        boolean catalog;

        @Option(names = "--join", paramLabel = "CATALOG_HOST:PORT", description = "Register with this catalog.")
        String join;
    }

    @Option(names = "--capacity", paramLabel = "BYTES", converter = Sizes.class,
            description = "Bytes of pages this server may store (default: 100G).")
    Long capacity;

    @Option(names = "--metrics-listen", paramLabel = "HOST:PORT", description = "Serve Prometheus metrics at http://HOST:PORT/metrics.")
    String metricsListen;

    @Option(names = "--port-file", paramLabel = "FILE", description = "Write the bound port to FILE once listening.")
    Path portFile;

    @Option(names = "--heartbeat-interval-ms", hidden = true, defaultValue = "" + ServerConfig.HEARTBEAT_INTERVAL_MS_DEFAULT)
    long heartbeatIntervalMs;

    @Option(names = "--repair-interval-ms", hidden = true, defaultValue = "" + ServerConfig.REPAIR_INTERVAL_MS_DEFAULT)
    long repairIntervalMs;

    @Option(names = "--scrub-pages-per-second", hidden = true, defaultValue = "" + ServerConfig.SCRUB_PAGES_PER_SECOND_DEFAULT)
    int scrubPagesPerSecond;

    @Option(names = "--liveness-timeout-ms", hidden = true, defaultValue = "" + ServerConfig.LIVENESS_TIMEOUT_MS_DEFAULT)
    long livenessTimeoutMs;

    @Option(names = "--re-replication-grace-ms", hidden = true, defaultValue = "" + ServerConfig.RE_REPLICATION_GRACE_MS_DEFAULT)
    long reReplicationGraceMs;

    @Override
    public Integer call() throws Exception {
        int i = listen.lastIndexOf(':');
        if (i <= 0) {
            throw new IllegalArgumentException("--listen must be HOST:PORT, got '" + listen + "'");
        }
        int port;
        try {
            port = Integer.parseInt(listen.substring(i + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--listen has a bad port: '" + listen + "'");
        }
        ServerConfig config = new ServerConfig(data, listen.substring(0, i), port, zone, role.catalog,
                role.join, capacity == null ? ServerConfig.CAPACITY_BYTES_DEFAULT : capacity, metricsListen, portFile,
                heartbeatIntervalMs, repairIntervalMs, scrubPagesPerSecond, livenessTimeoutMs, reReplicationGraceMs,
                ServerConfig.WORKER_THREADS_DEFAULT);
        VolumeServer server = VolumeServer.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "quire-shutdown"));
        server.awaitClosed();
        return 0;
    }
}
