package io.quire.server.catalog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quire.page.Checksums;
import io.quire.server.catalog.CatalogCommand.DeleteVolume;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Confined to the JUnit thread: the log file format, torn tails and damaged records. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CatalogLogTest {
    @TempDir
    Path dir;

    private List<LogEntry> entries(int n) {
        Commands c = new Commands();
        for (int i = 0; i < n; i++) {
            c.at(1000 + i, i % 2 == 0 ? Commands.volume("v" + i) : new DeleteVolume("v" + (i - 1)));
        }
        return c.entries();
    }

    private static byte[] record(byte[] payload) {
        return ByteBuffer.allocate(CatalogLog.HEADER_BYTES + payload.length).putInt(payload.length)
                .putInt(Checksums.crc32c(payload)).put(payload).array();
    }

    private static byte[] records(List<LogEntry> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (LogEntry e : entries) {
            out.writeBytes(record(CatalogLog.encode(e)));
        }
        return out.toByteArray();
    }

    private Path file() {
        return dir.resolve("log");
    }

    private List<LogEntry> reopen() throws IOException {
        List<LogEntry> seen = new ArrayList<>();
        CatalogLog.open(file(), seen::add).close();
        return seen;
    }

    private void write(byte[]... parts) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        Files.write(file(), out.toByteArray());
    }

    @Test
    void appendedEntriesAreReadBackInOrderAfterReopen() throws IOException {
        List<LogEntry> written = entries(3);
        try (CatalogLog log = CatalogLog.open(file(), e -> { })) {
            for (LogEntry e : written) {
                log.append(e);
            }
            assertEquals(Files.size(file()), log.sizeBytes());
        }
        assertEquals(written, reopen());
        assertArrayEquals(records(written), Files.readAllBytes(file()));
    }

    @Test
    void aPartialLastRecordIsCutAndAppendsContinueAfterIt() throws IOException {
        List<LogEntry> written = entries(4);
        byte[] good = records(written.subList(0, 3));
        byte[] fourth = records(written.subList(3, 4));
        write(good, Arrays.copyOf(fourth, fourth.length - 3));
        try (CatalogLog log = CatalogLog.open(file(), e -> { })) {
            assertEquals(good.length, Files.size(file()));
            log.append(written.get(3));
        }
        assertEquals(written, reopen());
    }

    @Test
    void tornHeadersGarbageAndZerosAtTheTailAreCut() throws IOException {
        List<LogEntry> written = entries(2);
        byte[] good = records(written);
        byte[][] tails = {
            {1, 2, 3},
            {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 9, 9, 9, 9, 9, 9, 9, 9, 9},
            new byte[4096],
            "some garbage that is not a record at all".getBytes(StandardCharsets.UTF_8),
        };
        for (byte[] tail : tails) {
            write(good, tail);
            assertEquals(written, reopen());
            assertEquals(good.length, Files.size(file()));
        }
    }

    @Test
    void aCrcBadLastRecordIsCut() throws IOException {
        List<LogEntry> written = entries(3);
        byte[] bytes = records(written);
        bytes[bytes.length - 2] ^= 0x40;
        write(bytes);
        assertEquals(written.subList(0, 2), reopen());
    }

    @Test
    void aCrcBadRecordBeforeTheTailIsRefusedAndTheFileLeftAlone() throws IOException {
        byte[] bytes = records(entries(3));
        bytes[CatalogLog.HEADER_BYTES + 5] ^= 0x01;
        write(bytes);
        IOException e = assertThrows(IOException.class, this::reopen);
        assertTrue(e.getMessage().contains("corrupt at offset 0"), e.getMessage());
        assertArrayEquals(bytes, Files.readAllBytes(file()));
    }

    @Test
    void aBadLengthWithMoreThanOneRecordAfterItIsRefused() throws IOException {
        byte[] header = ByteBuffer.allocate(CatalogLog.HEADER_BYTES).putInt(0).putInt(0).array();
        write(records(entries(1)), header, new byte[CatalogLimits.LOG_RECORD_MAX_BYTES + 1]);
        IOException e = assertThrows(IOException.class, this::reopen);
        assertTrue(e.getMessage().contains("length 0 out of range"), e.getMessage());
    }

    @Test
    void aRecordWithAGoodCrcThatDoesNotDecodeIsRefusedEvenAtTheTail() throws IOException {
        write(records(entries(1)), record("{\"not\": \"an entry\"".getBytes(StandardCharsets.UTF_8)));
        IOException e = assertThrows(IOException.class, this::reopen);
        assertTrue(e.getMessage().contains("does not decode"), e.getMessage());
    }

    @Test
    void resetEmptiesTheLog() throws IOException {
        try (CatalogLog log = CatalogLog.open(file(), e -> { })) {
            log.append(entries(1).get(0));
            log.reset();
            assertEquals(0, Files.size(file()));
            log.append(entries(2).get(1));
        }
        assertEquals(List.of(entries(2).get(1)), reopen());
    }
}
