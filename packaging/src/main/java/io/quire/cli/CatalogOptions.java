package io.quire.cli;

import io.quire.client.CatalogClient;
import io.quire.net.ConnectionPool;
import picocli.CommandLine.Option;

/** The options every command that talks to a catalog shares. Not thread-safe (picocli fills it). */
final class CatalogOptions {
    @Option(names = "--catalog", paramLabel = "HOST:PORT",
            description = "Catalog address (default: $QUIRE_CATALOG).", defaultValue = "${env:QUIRE_CATALOG}")
    String catalog;

    @Option(names = "--json", description = "Print JSON for scripts instead of tables.")
    boolean json;

    /** A connection pool and catalog client; close the pool when done. */
    record Session(ConnectionPool pool, CatalogClient catalog) implements AutoCloseable {
        @Override
        public void close() {
            pool.close();
        }
    }

    Session open() {
        String address = CatalogClient.checkAddress(catalog);
        ConnectionPool pool = new ConnectionPool();
        return new Session(pool, new CatalogClient(pool, address));
    }
}
