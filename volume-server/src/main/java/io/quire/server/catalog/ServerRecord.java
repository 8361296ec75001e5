package io.quire.server.catalog;

/**
 * Thread-safe (immutable): a registered volume server, as the catalog state holds it (what
 * survives restarts; liveness and usage are soft state in {@link Heartbeats}).
 */
public record ServerRecord(String id, String address, String zone, long capacityBytes) {
}
