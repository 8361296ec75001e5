package io.quire.server.catalog;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.quire.proto.Json;
import io.quire.proto.Opcode;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assertions;

/** Confined to one test (the catalog itself is thread-safe): a catalog on a temporary directory with a hand-driven clock. */
final class CatalogFixture implements AutoCloseable {
    final Path dataDir;
    final AtomicLong clockMs = new AtomicLong(1_000_000);
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final CatalogConfig config;
    Catalog catalog;

    CatalogFixture(Path dataDir, CatalogConfig config) throws IOException {
        this.dataDir = dataDir;
        this.config = config;
        open();
    }

    void open() throws IOException {
        catalog = Catalog.open(dataDir, config, clockMs::get, registry);
    }

    void reopen() throws IOException {
        catalog.close();
        open();
    }

    Path logFile() {
        return dataDir.resolve("catalog").resolve("log");
    }

    /** Sends a JSON body as the server would, and returns the JSON text of the response. */
    String call(Opcode op, String json) {
        Object response = catalog.handle(op, Unpooled.copiedBuffer(json, StandardCharsets.UTF_8));
        return Json.encode(response).toString(StandardCharsets.UTF_8);
    }

    <T> T call(Opcode op, String json, Class<T> type) {
        return Json.decode(Unpooled.copiedBuffer(call(op, json), StandardCharsets.UTF_8), type);
    }

    Status failure(Opcode op, String json) {
        return Assertions.assertThrows(QuireException.class, () -> call(op, json)).status();
    }

    void advance(long ms) {
        clockMs.addAndGet(ms);
    }

    @Override
    public void close() throws IOException {
        catalog.close();
    }
}
