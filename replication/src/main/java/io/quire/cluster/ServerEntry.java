package io.quire.cluster;

/**
 * One volume server as the catalog sees it. Thread-safe (immutable).
 *
 * @param live        a heartbeat arrived within the liveness timeout
 * @param placed      the server takes part in placement: live, or down for less than the
 *                    re-replication grace period (so a quick restart moves no data)
 */
public record ServerEntry(String id, String address, String zone, long capacityBytes,
                          long usedBytes, long pages, boolean live, boolean placed,
                          long lastHeartbeatAgeMs, long underReplicatedPages) {

    /** host part of {@code address} ("127.0.0.1:7000" gives "127.0.0.1"). */
    public String host() {
        int i = address.lastIndexOf(':');
        return address.substring(0, i);
    }

    public int port() {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }
}
