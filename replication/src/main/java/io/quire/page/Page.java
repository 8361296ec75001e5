package io.quire.page;

import java.nio.ByteBuffer;

/**
 * A page read back from a replica: its key, version and data (already CRC-verified). Thread-safe
 * as long as nobody writes into {@code data}.
 */
public record Page(PageKey key, PageVersion version, ByteBuffer data) {
}
