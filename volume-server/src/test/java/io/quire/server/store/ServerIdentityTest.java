package io.quire.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Confined to JUnit's thread. Creation, reuse and validation of the server id file. */
@Timeout(30)
class ServerIdentityTest {
    @TempDir
    Path dir;

    @Test
    void createsAWellFormedIdOnceAndKeepsIt() throws IOException {
        Path data = dir.resolve("data");
        String id = ServerIdentity.loadOrCreate(data);
        assertTrue(id.matches("srv-[0-9a-f]{12}"), id);
        assertEquals(id, ServerIdentity.loadOrCreate(data));
        assertEquals(id + "\n", Files.readString(data.resolve(ServerIdentity.FILE_NAME)));
        assertFalse(Files.exists(data.resolve(ServerIdentity.FILE_NAME + ".tmp")), "no temp file left");
        assertNotEquals(id, ServerIdentity.loadOrCreate(dir.resolve("other")), "ids are random");
    }

    @Test
    void aMalformedFileIsAClearStartupError() throws IOException {
        Files.writeString(dir.resolve(ServerIdentity.FILE_NAME), "server-42\n");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ServerIdentity.loadOrCreate(dir));
        assertTrue(e.getMessage().contains("server.id") && e.getMessage().contains("server-42"), e.getMessage());

        Files.writeString(dir.resolve(ServerIdentity.FILE_NAME), "");
        assertThrows(IllegalStateException.class, () -> ServerIdentity.loadOrCreate(dir));
        Files.write(dir.resolve(ServerIdentity.FILE_NAME), new byte[] {(byte) 0xff, 0x00});
        assertThrows(IllegalStateException.class, () -> ServerIdentity.loadOrCreate(dir));
        Files.writeString(dir.resolve(ServerIdentity.FILE_NAME), "srv-0123456789ab".repeat(10));
        assertThrows(IllegalStateException.class, () -> ServerIdentity.loadOrCreate(dir));
    }

    @Test
    void aHandWrittenValidIdIsAccepted() throws IOException {
        Files.writeString(dir.resolve(ServerIdentity.FILE_NAME), "srv-0123456789ab");
        assertEquals("srv-0123456789ab", ServerIdentity.loadOrCreate(dir));
    }

    @Test
    void aLeftoverTempFileFromACrashIsIgnored() throws IOException {
        Files.writeString(dir.resolve(ServerIdentity.FILE_NAME + ".tmp"), "srv-");
        String id = ServerIdentity.loadOrCreate(dir);
        assertTrue(ServerIdentity.isValid(id));
    }
}
