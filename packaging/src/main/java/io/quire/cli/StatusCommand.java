package io.quire.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.quire.proto.Json;
import io.quire.proto.Opcode;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code quire status}: servers, volumes and replication health of the cluster. */
@Command(name = "status", description = "Show cluster health: servers, volumes, under-replicated pages.",
        mixinStandardHelpOptions = true)
final class StatusCommand implements Callable<Integer> {
    @Mixin CatalogOptions catalog;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        try (CatalogOptions.Session s = catalog.open()) {
            JsonNode status = s.catalog().call(Opcode.CLUSTER_STATUS, Map.of(), JsonNode.class);
            PrintWriter out = spec.commandLine().getOut();
            if (catalog.json) {
                out.println(Json.pretty(status));
                out.flush();
                return 0;
            }
            Table servers = new Table("SERVER", "ADDRESS", "ZONE", "LIVE", "CAPACITY", "USED", "PAGES");
            for (JsonNode n : status.path("servers")) {
                servers.row(n.path("id").asText(), n.path("address").asText(), n.path("zone").asText(),
                        n.path("live").asBoolean() ? "yes" : "NO (" + n.path("lastHeartbeatAgeMs").asLong() / 1000 + "s)",
                        Sizes.format(n.path("capacityBytes").asLong()), Sizes.format(n.path("usedBytes").asLong()),
                        n.path("pages").asLong());
            }
            servers.print(out);
            out.println();
            Table volumes = new Table("VOLUME", "ID", "SIZE", "MAX", "USED", "R/W", "LEASE");
            for (JsonNode v : status.path("volumes")) {
                String holder = v.path("leaseHolder").asText("");
                volumes.row(v.path("name").asText(), v.path("id").asLong(), Sizes.format(v.path("sizeBytes").asLong()),
                        Sizes.format(v.path("maxSizeBytes").asLong()), Sizes.format(v.path("usedBytes").asLong()),
                        v.path("replicas").asInt() + "/" + v.path("writeQuorum").asInt(), holder.isEmpty() ? "-" : holder);
            }
            volumes.print(out);
            out.println();
            long under = status.path("underReplicatedPages").asLong(-1);
            out.println("under-replicated pages: " + (under < 0 ? "unknown (repair scan in progress)" : under));
            out.flush();
        }
        return 0;
    }
}
