package io.quire.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quire.proto.Json;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The catalog and the CLI against real server processes: volume lifecycle, status, bench, clear
 * errors, and the catalog surviving a restart.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CatalogAndCliE2ETest {
    @TempDir
    static Path root;
    static ClusterFixture cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = ClusterFixture.start(root, 3);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            if (Boolean.getBoolean("quire.dumpLogs")) {
                cluster.dumpLogs();
            }
            cluster.close();
        }
    }

    private static JsonNode json(ClusterFixture.Result r) throws Exception {
        assertEquals(0, r.exit(), r.err());
        return Json.MAPPER.readTree(r.out());
    }

    @Test
    void volumeLifecycleThroughTheCli() throws Exception {
        JsonNode created = json(cluster.cli("volume", "create", "life", "--size", "10G", "--max-size", "1T", "--json"));
        assertEquals("life", created.path("name").asText());
        assertEquals(10L << 30, created.path("sizeBytes").asLong());
        assertEquals(1L << 40, created.path("maxSizeBytes").asLong());
        assertEquals(3, created.path("replicas").asInt());
        assertEquals(2, created.path("writeQuorum").asInt());
        assertEquals(64 * 1024, created.path("pageSizeBytes").asInt());

        ClusterFixture.Result dup = cluster.cli("volume", "create", "life", "--size", "1G");
        assertEquals(1, dup.exit());
        assertTrue(dup.err().contains("life"), dup.err());
        assertEquals(1, dup.err().strip().lines().count(), "one line: " + dup.err());

        JsonNode resized = json(cluster.cli("volume", "resize", "life", "--size", "20G", "--json"));
        assertEquals(20L << 30, resized.path("sizeBytes").asLong());
        JsonNode info = json(cluster.cli("volume", "info", "life", "--json"));
        assertEquals(20L << 30, info.path("sizeBytes").asLong());

        ClusterFixture.Result table = cluster.cli("volume", "list");
        assertEquals(0, table.exit());
        assertTrue(table.out().startsWith("NAME"), table.out());
        assertTrue(table.out().contains("life"), table.out());

        assertEquals(0, cluster.cli("volume", "delete", "life").exit());
        ClusterFixture.Result gone = cluster.cli("volume", "info", "life");
        assertEquals(1, gone.exit());
        assertTrue(gone.err().contains("no volume named 'life'"), gone.err());
    }

    @Test
    void statusListsEveryServerAndVolume() throws Exception {
        json(cluster.cli("volume", "create", "st", "--size", "1G", "--json"));
        JsonNode status = json(cluster.cli("status", "--json"));
        assertEquals(3, status.path("servers").size());
        for (JsonNode s : status.path("servers")) {
            assertTrue(s.path("live").asBoolean(), s.toString());
            assertFalse(s.path("id").asText().isEmpty());
            assertFalse(s.path("zone").asText().isEmpty());
            assertTrue(s.path("capacityBytes").asLong() > 0);
            assertTrue(s.has("usedBytes"));
        }
        assertTrue(status.has("underReplicatedPages"));
        boolean found = false;
        for (JsonNode v : status.path("volumes")) {
            found |= v.path("name").asText().equals("st");
        }
        assertTrue(found, status.toString());
        ClusterFixture.Result human = cluster.cli("status");
        assertTrue(human.out().contains("under-replicated pages"), human.out());
    }

    @Test
    void benchPagesVerifiesEveryPage() throws Exception {
        json(cluster.cli("volume", "create", "bench", "--size", "1G", "--json"));
        JsonNode r = json(cluster.cli("bench", "pages", "--volume", "bench", "--pages", "500", "--page-size", "4K",
                "--threads", "4", "--verify", "--json"));
        assertEquals(500, r.path("pages").asInt());
        assertEquals(0, r.path("mismatches").asInt());
        assertTrue(r.path("write").path("mbPerSecond").asDouble() > 0);
        assertTrue(r.path("read").path("p99Ms").asDouble() >= r.path("read").path("p50Ms").asDouble());
    }

    @Test
    void badInputGetsOneClearLineAndAnExitStatus() {
        ClusterFixture.Result unknownVolume = cluster.cli("bench", "pages", "--volume", "nope", "--pages", "1");
        assertEquals(1, unknownVolume.exit());
        assertTrue(unknownVolume.err().startsWith("quire: no volume named 'nope'"), unknownVolume.err());

        ClusterFixture.Result badSize = cluster.cli("volume", "create", "x", "--size", "ten");
        assertEquals(2, badSize.exit());
        assertTrue(badSize.err().contains("'ten' is not a size"), badSize.err());

        ClusterFixture.Result badPage = cluster.cli("volume", "create", "x", "--size", "1G", "--page-size", "3000");
        assertEquals(1, badPage.exit());
        assertTrue(badPage.err().contains("3000"), badPage.err());

        ClusterFixture.Result badQuorum = cluster.cli("volume", "create", "x", "--size", "1G", "--replicas", "2", "--write-quorum", "3");
        assertEquals(1, badQuorum.exit());

        ClusterFixture.Result noCatalog = ClusterFixture.runWithoutCatalog("status");
        assertEquals(1, noCatalog.exit());
        assertTrue(noCatalog.err().contains("--catalog"), noCatalog.err());

        ClusterFixture.Result unreachable = ClusterFixture.runWithoutCatalog("status", "--catalog", "127.0.0.1:1");
        assertEquals(1, unreachable.exit());
        assertNotEquals("", unreachable.err().strip());
    }

    @Test
    void catalogSurvivesARestart() throws Exception {
        json(cluster.cli("volume", "create", "durable-a", "--size", "2G", "--json"));
        json(cluster.cli("volume", "create", "durable-b", "--size", "3G", "--replicas", "2", "--write-quorum", "1", "--json"));
        JsonNode before = json(cluster.cli("status", "--json"));

        cluster.stop(0);
        cluster.restart(0);
        cluster.awaitLive(3);

        JsonNode after = json(cluster.cli("status", "--json"));
        assertEquals(before.path("servers").size(), after.path("servers").size());
        JsonNode a = json(cluster.cli("volume", "info", "durable-a", "--json"));
        assertEquals(2L << 30, a.path("sizeBytes").asLong());
        JsonNode b = json(cluster.cli("volume", "info", "durable-b", "--json"));
        assertEquals(2, b.path("replicas").asInt());
        assertEquals(1, b.path("writeQuorum").asInt());
        assertNotEquals(a.path("id").asLong(), b.path("id").asLong());
    }
}
