package io.quire.mount.daemon;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Confined to the JUnit thread. Runtime files: keys, lookup, liveness, removal. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RuntimeFilesTest {
    @TempDir
    Path tmp;

    private RuntimeFiles.Entry entry(long pid, long startMs, String mp) {
        return new RuntimeFiles.Entry(pid, startMs, mp, "vol", 7, 3, false, "127.0.0.1:1", "/c", null);
    }

    @Test
    void keysAreReadableDistinctAndBounded() {
        String k = RuntimeFiles.keyOf(Path.of("/mnt/data"));
        assertTrue(k.startsWith("_mnt_data-"), k);
        assertNotEquals(k, RuntimeFiles.keyOf(Path.of("/mnt_data")), "same readable part, different paths");
        assertEquals(k, RuntimeFiles.keyOf(Path.of("/mnt/./x/../data")), "normalized");
        String longKey = RuntimeFiles.keyOf(Path.of("/" + "d/".repeat(2000) + "end"));
        assertTrue(longKey.length() <= RuntimeFiles.KEY_READABLE_CHARS_MAX + 17, longKey);
        assertTrue(RuntimeFiles.keyOf(Path.of("/a b/ü:x")).matches("[A-Za-z0-9._-]+"));
    }

    @Test
    void theCurrentProcessIsLiveAndADeadOneIsNot() throws Exception {
        RuntimeFiles files = new RuntimeFiles(new StateDirs(tmp));
        Path mp = tmp.resolve("mnt");
        files.write(entry(ProcessHandle.current().pid(), RuntimeFiles.currentProcessStartMs(), mp.toString()));
        assertEquals(ProcessHandle.current().pid(), files.live(mp).orElseThrow().pid());

        Process p = new ProcessBuilder("true").start();
        p.waitFor(10, TimeUnit.SECONDS);
        files.write(entry(p.pid(), -1, mp.toString()));
        assertTrue(files.read(mp).isPresent());
        assertFalse(files.live(mp).isPresent(), "the process exited");
    }

    @Test
    void aReusedPidDoesNotCount() {
        RuntimeFiles files = new RuntimeFiles(new StateDirs(tmp));
        Path mp = tmp.resolve("mnt");
        long started = RuntimeFiles.currentProcessStartMs();
        files.write(entry(ProcessHandle.current().pid(), started - 60_000, mp.toString()));
        assertFalse(files.live(mp).isPresent(), "same pid, another start time");
    }

    @Test
    void deleteRemovesOnlyTheOwnersFile() {
        RuntimeFiles files = new RuntimeFiles(new StateDirs(tmp));
        Path mp = tmp.resolve("mnt");
        files.write(entry(42, -1, mp.toString()));
        files.delete(mp, 43);
        assertTrue(files.read(mp).isPresent(), "a newer daemon's file stays");
        files.delete(mp, 42);
        assertFalse(files.read(mp).isPresent());
    }
}
