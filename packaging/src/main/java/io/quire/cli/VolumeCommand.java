package io.quire.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.quire.cluster.ClusterMap;
import io.quire.cluster.Volume;
import io.quire.proto.Json;
import io.quire.proto.Opcode;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code quire volume ...}: create, list, inspect, resize and delete volumes. */
@Command(name = "volume", description = "Manage volumes.", mixinStandardHelpOptions = true,
        subcommands = {VolumeCommand.Create.class, VolumeCommand.ListVolumes.class, VolumeCommand.Info.class,
                VolumeCommand.Resize.class, VolumeCommand.Delete.class})
final class VolumeCommand {

    /** Shared output of one volume. */
    static void printVolume(PrintWriter out, Volume v, boolean json) {
        if (json) {
            out.println(Json.pretty(v));
        } else {
            Table t = new Table("FIELD", "VALUE");
            t.row("name", v.name()).row("id", v.id()).row("state", v.state())
                    .row("size", Sizes.format(v.sizeBytes())).row("max size", Sizes.format(v.maxSizeBytes()))
                    .row("used", Sizes.format(v.usedBytes())).row("page size", Sizes.format(v.pageSizeBytes()))
                    .row("replicas", v.replicas()).row("write quorum", v.writeQuorum())
                    .row("lease", v.leaseHolder() == null || v.leaseHolder().isEmpty() ? "-" : v.leaseHolder() + " (epoch " + v.leaseEpoch() + ")");
            t.print(out);
        }
        out.flush();
    }

    @Command(name = "create", description = "Create a volume.", mixinStandardHelpOptions = true)
    static final class Create implements Callable<Integer> {
        @Mixin CatalogOptions catalog;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "NAME", description = "Volume name: letters, digits, '.', '_', '-'.") String name;
        @Option(names = "--size", required = true, converter = Sizes.class, paramLabel = "SIZE", description = "Size shown by df, e.g. 10G.") long size;
        @Option(names = "--max-size", converter = Sizes.class, paramLabel = "SIZE", description = "Largest size it may grow to on demand (default: --size).") Long maxSize;
        @Option(names = "--replicas", defaultValue = "3", paramLabel = "R", description = "Copies of every page (default: ${DEFAULT-VALUE}).") int replicas;
        @Option(names = "--write-quorum", defaultValue = "2", paramLabel = "W", description = "Copies durable before a write is acknowledged (default: ${DEFAULT-VALUE}).") int writeQuorum;
        @Option(names = "--page-size", converter = Sizes.class, defaultValue = "64K", paramLabel = "SIZE", description = "Page size, a power of two (default: 64K).") long pageSize;

        @Override
        public Integer call() {
            Map<String, Object> req = new LinkedHashMap<>();
            req.put("name", name);
            req.put("sizeBytes", size);
            req.put("maxSizeBytes", maxSize == null ? 0 : maxSize);
            req.put("replicas", replicas);
            req.put("writeQuorum", writeQuorum);
            if (pageSize > Integer.MAX_VALUE) {
                throw new QuireException(Status.INVALID_ARGUMENT, "page size too large: " + pageSize);
            }
            req.put("pageSizeBytes", (int) pageSize);
            try (CatalogOptions.Session s = catalog.open()) {
                Volume v = s.catalog().call(Opcode.CREATE_VOLUME, req, Volume.class);
                printVolume(spec.commandLine().getOut(), v, catalog.json);
            }
            return 0;
        }
    }

    @Command(name = "list", description = "List volumes.", mixinStandardHelpOptions = true)
    static final class ListVolumes implements Callable<Integer> {
        @Mixin CatalogOptions catalog;
        @Spec CommandSpec spec;

        @Override
        public Integer call() {
            try (CatalogOptions.Session s = catalog.open()) {
                List<Volume> volumes = s.catalog().clusterMap().volumes().stream().filter(Volume::active).toList();
                PrintWriter out = spec.commandLine().getOut();
                if (catalog.json) {
                    out.println(Json.pretty(volumes));
                } else {
                    Table t = new Table("NAME", "ID", "SIZE", "MAX", "USED", "R", "W", "PAGE", "LEASE");
                    for (Volume v : volumes) {
                        t.row(v.name(), v.id(), Sizes.format(v.sizeBytes()), Sizes.format(v.maxSizeBytes()),
                                Sizes.format(v.usedBytes()), v.replicas(), v.writeQuorum(), Sizes.format(v.pageSizeBytes()),
                                v.leaseHolder() == null || v.leaseHolder().isEmpty() ? "-" : v.leaseHolder());
                    }
                    t.print(out);
                }
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "info", description = "Show one volume.", mixinStandardHelpOptions = true)
    static final class Info implements Callable<Integer> {
        @Mixin CatalogOptions catalog;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public Integer call() {
            try (CatalogOptions.Session s = catalog.open()) {
                ClusterMap map = s.catalog().clusterMap();
                Volume v = map.volume(name).orElseThrow(() ->
                        new QuireException(Status.NO_SUCH_VOLUME, "no volume named '" + name + "'"));
                printVolume(spec.commandLine().getOut(), v, catalog.json);
            }
            return 0;
        }
    }

    @Command(name = "resize", description = "Change a volume's size (what df shows).", mixinStandardHelpOptions = true)
    static final class Resize implements Callable<Integer> {
        @Mixin CatalogOptions catalog;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--size", required = true, converter = Sizes.class, paramLabel = "SIZE") long size;

        @Override
        public Integer call() {
            try (CatalogOptions.Session s = catalog.open()) {
                Volume v = s.catalog().call(Opcode.RESIZE_VOLUME, Map.of("name", name, "sizeBytes", size), Volume.class);
                printVolume(spec.commandLine().getOut(), v, catalog.json);
            }
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete a volume and free its pages on every server.", mixinStandardHelpOptions = true)
    static final class Delete implements Callable<Integer> {
        @Mixin CatalogOptions catalog;
        @Spec CommandSpec spec;
        @Parameters(paramLabel = "NAME") String name;

        @Override
        public Integer call() {
            try (CatalogOptions.Session s = catalog.open()) {
                JsonNode v = s.catalog().call(Opcode.DELETE_VOLUME, Map.of("name", name), JsonNode.class);
                PrintWriter out = spec.commandLine().getOut();
                if (catalog.json) {
                    out.println(Json.pretty(v));
                } else {
                    out.println("deleted volume " + name + " (id " + v.path("id").asLong() + "); servers free its pages in the background");
                }
                out.flush();
            }
            return 0;
        }
    }
}
