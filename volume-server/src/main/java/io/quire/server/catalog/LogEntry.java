package io.quire.server.catalog;

/**
 * Thread-safe (immutable): one entry of the catalog log.
 *
 * @param index       position in the log, from 1, without gaps
 * @param timestampMs the proposer's clock when it proposed the entry: apply() uses it as "now"
 *                    (lease expiry, creation time) so that replaying the log gives the same state
 */
public record LogEntry(long index, long timestampMs, CatalogCommand command) {

    public LogEntry {
        if (index < 1) {
            throw new IllegalArgumentException("log index " + index + " < 1");
        }
        if (command == null) {
            throw new IllegalArgumentException("log entry " + index + " without a command");
        }
    }
}
