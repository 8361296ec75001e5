package io.quire.page;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** CRC32C over page bytes (hardware-accelerated by the JDK). Thread-safe (stateless). */
public final class Checksums {
    private Checksums() {
    }

    /** CRC32C of the remaining bytes of {@code data}; does not move its position. */
    public static int crc32c(ByteBuffer data) {
        CRC32C crc = new CRC32C();
        crc.update(data.duplicate());
        return (int) crc.getValue();
    }

    public static int crc32c(byte[] data, int off, int len) {
        CRC32C crc = new CRC32C();
        crc.update(data, off, len);
        return (int) crc.getValue();
    }

    public static int crc32c(byte[] data) {
        return crc32c(data, 0, data.length);
    }
}
