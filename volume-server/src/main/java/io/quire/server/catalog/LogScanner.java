package io.quire.server.catalog;

import io.quire.page.Checksums;
import io.quire.proto.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Confined to the thread that opens the log (one scan): reads the records of a {@link CatalogLog}
 * file and decides where its valid part ends.
 *
 * <p>A bad record (short header, length out of range, past the end, CRC mismatch) is a torn tail
 * only when nothing could follow it: it reaches the end of the file, or what remains is no longer
 * than one record. Otherwise the file was damaged in the middle and the scan fails. A record whose
 * CRC matches but whose JSON does not parse is never a torn write: it fails too.
 */
final class LogScanner {
    private final Path file;
    private final FileChannel channel;

    LogScanner(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** Hands each good record to {@code replay}; returns the offset where the good records end. */
    long scan(Consumer<LogEntry> replay) throws IOException {
        long size = channel.size();
        long pos = 0;
        ByteBuffer header = ByteBuffer.allocate(CatalogLog.HEADER_BYTES);
        while (pos < size) {
            long remaining = size - pos;
            if (remaining < CatalogLog.HEADER_BYTES) {
                return pos;
            }
            readFully(header.clear(), pos);
            int length = header.getInt(0);
            int crc = header.getInt(4);
            if (length < 1 || length > CatalogLimits.LOG_RECORD_MAX_BYTES) {
                if (remaining <= CatalogLog.HEADER_BYTES + CatalogLimits.LOG_RECORD_MAX_BYTES) {
                    return pos;
                }
                throw corrupt(pos, "record length " + length + " out of range", remaining);
            }
            long end = pos + CatalogLog.HEADER_BYTES + length;
            if (end > size) {
                return pos;
            }
            ByteBuffer payload = ByteBuffer.allocate(length);
            readFully(payload, pos + CatalogLog.HEADER_BYTES);
            if (Checksums.crc32c(payload.flip()) != crc) {
                if (end == size) {
                    return pos;
                }
                throw corrupt(pos, "CRC32C mismatch", size - end);
            }
            replay.accept(decode(payload, pos));
            pos = end;
        }
        return pos;
    }

    private LogEntry decode(ByteBuffer payload, long pos) throws IOException {
        try {
            return Json.MAPPER.readValue(payload.array(), LogEntry.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException("catalog log " + file + " is corrupt at offset " + pos
                    + ": a record with a good CRC32C does not decode (" + e.getMessage() + ")", e);
        }
    }

    private void readFully(ByteBuffer buf, long pos) throws IOException {
        long at = pos;
        while (buf.hasRemaining()) {
            int n = channel.read(buf, at);
            if (n < 0) {
                throw new IOException("catalog log " + file + " ended while reading at offset " + at);
            }
            at += n;
        }
    }

    private IOException corrupt(long pos, String problem, long bytesAfter) {
        return new IOException("catalog log " + file + " is corrupt at offset " + pos + " (" + problem + ") with "
                + bytesAfter + " bytes after it; refusing to start rather than drop history: restore the file"
                + " from a backup or another catalog replica");
    }
}
