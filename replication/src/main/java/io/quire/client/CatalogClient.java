package io.quire.client;

import io.quire.cluster.ClusterMap;
import io.quire.net.ConnectionPool;
import io.quire.proto.Json;
import io.quire.proto.Opcode;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Calls the catalog's JSON operations. Thread-safe.
 *
 * <p>Requests are plain records or maps, encoded as JSON; errors come back as
 * {@link QuireException} with the catalog's status and message.
 */
public final class CatalogClient {
    public static final long CALL_TIMEOUT_MS_DEFAULT = 10_000;

    private final ConnectionPool pool;
    private final String address;
    private final long timeoutMs;

    public CatalogClient(ConnectionPool pool, String address, long timeoutMs) {
        this.pool = pool;
        this.address = checkAddress(address);
        this.timeoutMs = timeoutMs;
    }

    public CatalogClient(ConnectionPool pool, String address) {
        this(pool, address, CALL_TIMEOUT_MS_DEFAULT);
    }

    public String address() {
        return address;
    }

    /** Sends {@code request} as JSON and decodes the OK response as {@code type}. */
    public <T> CompletableFuture<T> callAsync(Opcode op, Object request, Class<T> type) {
        return pool.call(address, op, Json.encode(request), timeoutMs).thenApply(frame -> {
            try {
                return Json.decode(frame.body(), type);
            } finally {
                frame.release();
            }
        });
    }

    /** Blocking form of {@link #callAsync}; waits at most the call timeout plus a margin. */
    public <T> T call(Opcode op, Object request, Class<T> type) {
        return await(callAsync(op, request, type), timeoutMs + 1000);
    }

    public ClusterMap clusterMap() {
        return call(Opcode.GET_CLUSTER_MAP, Map.of(), ClusterMap.class);
    }

    /** Waits for a future, unwrapping its failure into the QuireException it carries. */
    public static <T> T await(CompletableFuture<T> future, long timeoutMs) {
        try {
            return future.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof QuireException q) {
                throw q;
            }
            throw new QuireException(QuireException.statusOf(cause), String.valueOf(cause.getMessage()), cause);
        } catch (TimeoutException e) {
            future.cancel(false);
            throw new QuireException(Status.TIMEOUT, "no answer within " + timeoutMs + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QuireException(Status.INTERNAL_ERROR, "interrupted");
        }
    }

    /** Checks HOST:PORT and returns it; a clear INVALID_ARGUMENT otherwise. */
    public static String checkAddress(String address) {
        if (address == null || address.isBlank()) {
            throw new QuireException(Status.INVALID_ARGUMENT,
                    "no catalog address: pass --catalog HOST:PORT or set QUIRE_CATALOG");
        }
        int i = address.lastIndexOf(':');
        if (i <= 0 || i == address.length() - 1) {
            throw new QuireException(Status.INVALID_ARGUMENT, "catalog address must be HOST:PORT, got '" + address + "'");
        }
        try {
            int port = Integer.parseInt(address.substring(i + 1));
            if (port < 1 || port > 65535) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw new QuireException(Status.INVALID_ARGUMENT, "bad port in address '" + address + "'");
        }
        return address;
    }

}
