package io.quire.mount.store;

/**
 * Thread-safe (immutable; nobody writes into the arrays once built). One change a write
 * transaction made to a journaled DBI: {@code key} now maps to {@code value}, or was deleted
 * ({@code value} null).
 *
 * @param dbi the DBI's stable number ({@link JournaledDbi#id()}), part of the on-server format
 */
public record Mutation(int dbi, byte[] key, byte[] value) {
    public boolean isDelete() {
        return value == null;
    }
}
