package io.quire.server.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.quire.page.Checksums;
import io.quire.proto.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Confined to the proposer thread (after {@link #open} on the thread that recovers the catalog):
 * the catalog's append-only log file.
 *
 * <p>Format: records of {@code [u32 length][u32 crc32c of payload][payload]}, big-endian, payload =
 * the JSON of a {@link LogEntry}, {@code 1 <= length <= LOG_RECORD_MAX_BYTES}. Each append is
 * fsynced before it returns. A crash can only tear the last record, so a bad record that reaches
 * the end of the file is cut off (with a WARN); a bad record with data after it means the file was
 * damaged, and opening fails rather than silently dropping what follows.
 */
final class CatalogLog implements AutoCloseable {
    static final int HEADER_BYTES = 8;
    private static final Logger LOG = LoggerFactory.getLogger(CatalogLog.class);

    private final Path file;
    private final FileChannel channel;
    private long sizeBytes;
    private boolean failed;

    private CatalogLog(Path file, FileChannel channel, long sizeBytes) {
        this.file = file;
        this.channel = channel;
        this.sizeBytes = sizeBytes;
    }

    /** Opens (creating) the log, hands every entry to {@code replay} in order, cuts a torn tail. */
    static CatalogLog open(Path file, Consumer<LogEntry> replay) throws IOException {
        boolean created = !Files.exists(file);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            lock(file, channel);
            if (created) {
                fsyncDirectory(file.getParent());
            }
            long end = new LogScanner(file, channel).scan(replay);
            if (end < channel.size()) {
                LOG.warn("catalog log {}: cutting a torn record at offset {} ({} bytes)", file, end,
                        channel.size() - end);
                channel.truncate(end);
                channel.force(true);
            }
            return new CatalogLog(file, channel, end);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Appends and fsyncs one entry. After any I/O error the log refuses further appends: after a
     * failed fsync the state of the file is unknown (the page cache may have dropped the data), so
     * the catalog must restart and recover from what is really on disk.
     */
    void append(LogEntry entry) throws IOException {
        if (failed) {
            throw new IOException("catalog log " + file + " failed earlier; restart the catalog");
        }
        byte[] payload = encode(entry);
        ByteBuffer record = ByteBuffer.allocate(HEADER_BYTES + payload.length);
        record.putInt(payload.length).putInt(Checksums.crc32c(payload)).put(payload).flip();
        try {
            long at = sizeBytes;
            while (record.hasRemaining()) {
                at += channel.write(record, at);
            }
            // fdatasync is enough: it also persists the file size needed to read the record back.
            channel.force(false);
            sizeBytes = at;
        } catch (IOException e) {
            failed = true;
            throw e;
        }
    }

    /** Empties the log once a snapshot holds every entry in it. */
    void reset() throws IOException {
        try {
            channel.truncate(0);
            channel.force(true);
            sizeBytes = 0;
        } catch (IOException e) {
            failed = true;
            throw e;
        }
    }

    long sizeBytes() {
        return sizeBytes;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** Two catalogs appending to one log would interleave their histories. */
    private static void lock(Path file, FileChannel channel) throws IOException {
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            throw new IOException("catalog log " + file + " is in use by another catalog");
        }
    }

    static byte[] encode(LogEntry entry) {
        try {
            byte[] payload = Json.MAPPER.writeValueAsBytes(entry);
            if (payload.length > CatalogLimits.LOG_RECORD_MAX_BYTES) {
                throw new IllegalArgumentException("log entry " + entry.index() + " is " + payload.length + " bytes");
            }
            return payload;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode log entry " + entry.index(), e);
        }
    }

    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
