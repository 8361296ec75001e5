package io.quire.server.store;

import java.util.Arrays;

/**
 * Thread-safe (immutable). An opaque position of the background scrub in a store's key order.
 * Only meaningful to the store that returned it; {@link #START} begins at the first page.
 */
public final class ScrubCursor {
    public static final ScrubCursor START = new ScrubCursor(null);

    /** The last key verified (the scrub resumes after it); null at the start. */
    private final byte[] afterKey;

    private ScrubCursor(byte[] afterKey) {
        this.afterKey = afterKey;
    }

    static ScrubCursor after(byte[] key) {
        return new ScrubCursor(key.clone());
    }

    byte[] afterKey() {
        return afterKey == null ? null : afterKey.clone();
    }

    boolean isStart() {
        return afterKey == null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScrubCursor c && Arrays.equals(afterKey, c.afterKey);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(afterKey);
    }

    @Override
    public String toString() {
        return afterKey == null ? "ScrubCursor[start]" : "ScrubCursor[" + PageLayout.describeKey(afterKey) + "]";
    }
}
