package io.quire.net;

import io.quire.proto.QuireException;
import io.quire.proto.Status;

/**
 * Thread-safe (immutable). A server address as written in cluster maps and configs:
 * {@code host:port}, or {@code [v6-address]:port}.
 */
public record HostPort(String host, int port) {
    private static final int PORT_MAX = 65535;

    public HostPort {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("empty host");
        }
        if (port < 1 || port > PORT_MAX) {
            throw new IllegalArgumentException("port " + port + " outside [1, " + PORT_MAX + "]");
        }
    }

    /** Parses {@code host:port}; a malformed address is {@link Status#INVALID_ARGUMENT}. */
    public static HostPort parse(String text) {
        if (text == null) {
            throw new QuireException(Status.INVALID_ARGUMENT, "no server address");
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new QuireException(Status.INVALID_ARGUMENT, "server address '" + text + "' is not host:port");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new QuireException(Status.INVALID_ARGUMENT, "IPv6 address '" + text + "' needs [brackets]");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new QuireException(Status.INVALID_ARGUMENT, "bad port in server address '" + text + "'");
        }
        if (host.isEmpty() || port < 1 || port > PORT_MAX) {
            throw new QuireException(Status.INVALID_ARGUMENT, "server address '" + text + "' is out of range");
        }
        return new HostPort(host, port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
