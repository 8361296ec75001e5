package io.quire.mount.journal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Confined to the checkpointer thread. A checkpoint laid out into pages in a local file, so that
 * the LMDB read transaction the snapshot comes from is held only for local work, and the upload
 * (network, retried) reads the file. Page {@code i} sits at offset {@code i * pageSize}.
 */
final class CheckpointStaging implements AutoCloseable {
    /** The staged checkpoint. Thread-safe (immutable). */
    record Staged(long pages, long bytes, int crc, long entries) {
    }

    private final FileChannel file;
    private final long volumeId;
    private final long generation;
    private final long seq;
    private final int pageSize;
    private final byte[] payload;
    private final CRC32C crc = new CRC32C();
    private int used;
    private long pages;
    private long bytes;
    private long entries;

    CheckpointStaging(Path path, long volumeId, long generation, long seq, int pageSize) {
        this.volumeId = volumeId;
        this.generation = generation;
        this.seq = seq;
        this.pageSize = pageSize;
        this.payload = new byte[pageSize - CheckpointPage.HEADER_BYTES];
        try {
            this.file = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create checkpoint staging file " + path, e);
        }
    }

    /** Appends one entry; {@code key} and {@code value} are read from their positions, not moved. */
    void entry(int dbi, ByteBuffer key, ByteBuffer value) {
        ByteBuffer head = ByteBuffer.allocate(3);
        head.put((byte) dbi).putShort((short) key.remaining());
        append(head.array(), 0, 3);
        append(key);
        ByteBuffer len = ByteBuffer.allocate(4).putInt(value.remaining());
        append(len.array(), 0, 4);
        append(value);
        entries++;
    }

    /** Ends the stream and writes the last page. */
    Staged finish() {
        append(new byte[] {CheckpointPage.END}, 0, 1);
        flushPage();
        return new Staged(pages, bytes, (int) crc.getValue(), entries);
    }

    private void append(ByteBuffer src) {
        ByteBuffer s = src.duplicate();
        while (s.hasRemaining()) {
            int n = Math.min(s.remaining(), payload.length - used);
            s.get(payload, used, n);
            crc.update(payload, used, n);
            used += n;
            bytes += n;
            if (used == payload.length) {
                flushPage();
            }
        }
    }

    private void append(byte[] src, int off, int len) {
        append(ByteBuffer.wrap(src, off, len));
    }

    private void flushPage() {
        byte[] page = CheckpointPage.encode(volumeId, generation, seq, pages, payload, used);
        try {
            ByteBuffer b = ByteBuffer.wrap(page);
            long at = pages * pageSize;
            while (b.hasRemaining()) {
                at += file.write(b, at);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint staging file", e);
        }
        pages++;
        used = 0;
    }

    /** Page {@code i} as staged. */
    byte[] page(long i) {
        try {
            ByteBuffer header = ByteBuffer.allocate(CheckpointPage.HEADER_BYTES);
            read(header, i * pageSize);
            int len = CheckpointPage.HEADER_BYTES + CheckpointPage.payloadLength(header);
            if (len > pageSize) {
                throw new IllegalStateException("staged checkpoint page " + i + " of " + len + " bytes");
            }
            ByteBuffer out = ByteBuffer.allocate(len);
            read(out, i * pageSize);
            return out.array();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint staging file", e);
        }
    }

    private void read(ByteBuffer dst, long at) throws IOException {
        while (dst.hasRemaining()) {
            int n = file.read(dst, at + dst.position());
            if (n < 0) {
                throw new IOException("staging file ends at " + (at + dst.position()));
            }
        }
    }

    @Override
    public void close() {
        try {
            file.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close checkpoint staging file", e);
        }
    }

    static void delete(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete checkpoint staging file " + path, e);
        }
    }
}
