package io.quire.mount.daemon;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Confined to the JUnit thread. The rules that tie a cache directory to its volume and epoch. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CacheTokenTest {
    @TempDir
    Path tmp;

    @Test
    void aFreshDirectoryIsClaimedAndTheEpochRecorded() {
        Path dir = tmp.resolve("cache/vol");
        CacheToken t = CacheToken.claim(dir, 7, "vol", 4);
        assertEquals(new CacheToken(1, 7, "vol", 4), t);
        assertEquals(t, CacheToken.read(dir).orElseThrow());
        assertFalse(Files.exists(dir.resolve("." + CacheToken.FILE_NAME + ".tmp")), "no temporary left behind");
    }

    @Test
    void theNextEpochContinuesTheCache() {
        Path dir = tmp.resolve("c");
        CacheToken.claim(dir, 7, "vol", 4);
        assertEquals(5, CacheToken.claim(dir, 7, "vol", 5).epoch());
        assertEquals(6, CacheToken.claim(dir, 7, "vol", 6).epoch());
    }

    @Test
    void aCacheOfAnotherVolumeIsRefused() {
        Path dir = tmp.resolve("c");
        CacheToken.claim(dir, 7, "vol", 4);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> CacheToken.claim(dir, 8, "other", 5));
        assertTrue(e.getMessage().contains("belongs to volume 'vol' (id 7)"), e.getMessage());
        assertEquals(4, CacheToken.read(dir).orElseThrow().epoch(), "the token is left as it was");
    }

    @Test
    void aCacheSkippedByAnotherMountIsStale() {
        Path dir = tmp.resolve("c");
        CacheToken.claim(dir, 7, "vol", 4);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> CacheToken.claim(dir, 7, "vol", 6));
        assertTrue(e.getMessage().contains("is stale") && e.getMessage().contains("--cache-dir"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> CacheToken.claim(dir, 7, "vol", 4), "the same epoch twice");
        assertThrows(IllegalStateException.class, () -> CacheToken.claim(dir, 7, "vol", 3), "an older epoch");
        assertEquals(4, CacheToken.read(dir).orElseThrow().epoch());
    }

    @Test
    void checkingWritesNothing() {
        Path dir = tmp.resolve("c");
        CacheToken.check(dir, 7, "vol", 4);
        assertFalse(Files.exists(dir), "a fresh directory stays absent");
        CacheToken.claim(dir, 7, "vol", 4);
        CacheToken.check(dir, 7, "vol", 5);
        assertThrows(IllegalStateException.class, () -> CacheToken.check(dir, 7, "vol", 6));
        assertEquals(4, CacheToken.read(dir).orElseThrow().epoch());
    }

    @Test
    void filesWithoutATokenAreNotACache() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("c"));
        Files.writeString(dir.resolve("data.mdb"), "x");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> CacheToken.claim(dir, 7, "vol", 1));
        assertTrue(e.getMessage().contains("data.mdb") && e.getMessage().contains("no " + CacheToken.FILE_NAME),
                e.getMessage());
    }

    @Test
    void anUnreadableTokenIsRefused() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("c"));
        Files.writeString(dir.resolve(CacheToken.FILE_NAME), "{not json");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> CacheToken.claim(dir, 7, "vol", 1));
        assertTrue(e.getMessage().contains("unreadable"), e.getMessage());
    }
}
