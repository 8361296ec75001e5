package io.quire.cluster;

/**
 * Thread-safe (immutable): the body of {@code REGISTER_SERVER}, with which a volume server
 * announces itself to the catalog at start.
 *
 * @param id            stable server id, {@code [A-Za-z0-9._-]{1,NAME_MAX_CHARS}}
 * @param address       "host:port" where the server answers the data-plane protocol
 * @param zone          failure domain; blank means {@code "default"}
 * @param capacityBytes bytes the server's store may hold (weights placement), &gt; 0
 */
public record RegisterServerRequest(String id, String address, String zone, long capacityBytes) {
}
