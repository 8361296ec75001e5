package io.quire.server.store;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quire.page.PageKey;
import io.quire.proto.Limits;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Confined to JUnit's thread (plus one thread reading the child's acks). Kills a writing process
 * with SIGKILL and checks that every acknowledged page survived intact: a put completes only after
 * its commit is durable; and that group digests saved by an earlier clean close are not trusted
 * once the crashed process wrote after them.
 */
@Timeout(120)
class LmdbPageStoreCrashTest {
    private static final int ACKS_BEFORE_KILL = 400;

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedPageSurvivesSigkill() throws Exception {
        Path storeDir = dir.resolve("pages");
        Path childErr = dir.resolve("child.err");
        // A clean close first saves every group's digest; the child's writes then make them stale.
        try (LmdbPageStore store = TestPages.open(storeDir, 1L << 30)) {
            for (int i = 0; i < 64; i++) {
                TestPages.ok(TestPages.put(store, new PageKey(1, 1_000_000 + i, 0), TestPages.v(1, 1),
                        TestPages.random(i, CrashWriterMain.PAGE_BYTES)));
            }
            for (int g = 0; g < Limits.PAGE_GROUPS_PER_VOLUME; g++) {
                store.groupDigest(1, g);
            }
        }
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens", "java.base/java.nio=ALL-UNNAMED",
                "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "-Xmx256m",
                "-cp", System.getProperty("java.class.path"),
                CrashWriterMain.class.getName(), storeDir.toString());
        Process child = new ProcessBuilder(command).redirectError(childErr.toFile()).start();
        Set<Integer> acked = ConcurrentHashMap.newKeySet();
        Thread reader = new Thread(() -> readAcks(child, acked), "crash-test-acks");
        reader.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> acked.size() >= ACKS_BEFORE_KILL || !child.isAlive());
            assertTrue(child.isAlive(), () -> "child exited early: " + read(childErr));
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not die");
            // Acks already in the pipe when the child died are acks too: read them all.
            reader.join(TimeUnit.SECONDS.toMillis(30));
        } finally {
            child.destroyForcibly();
        }
        System.out.println(acked.size() + " acks before SIGKILL; child stderr: " + read(childErr));

        try (LmdbPageStore store = TestPages.open(storeDir, 1L << 30)) {
            for (int g = 0; g < Limits.PAGE_GROUPS_PER_VOLUME; g++) {
                assertEquals(store.scanDigest(1, g), store.groupDigest(1, g),
                        "group " + g + ": digests saved before the crashed writes must not be trusted");
            }
            for (int i : acked) {
                StoredPage page = store.get(CrashWriterMain.keyOf(i));
                assertNotNull(page, "acknowledged page " + i + " lost");
                assertEquals(CrashWriterMain.versionOf(i), page.version());
                assertArrayEquals(CrashWriterMain.dataOf(i), page.data(), "page " + i);
            }
            assertTrue(store.pageCount() >= acked.size());
            assertEquals(store.pageCount() * CrashWriterMain.PAGE_BYTES, store.usedBytes(),
                    "usage was committed with the pages");
            ScrubResult scrub = store.scrub(ScrubCursor.START, LmdbPageStore.SCRUB_PAGES_MAX);
            assertTrue(scrub.wrapped());
            assertEquals(store.pageCount(), scrub.pagesChecked());
            assertEquals(0, scrub.corruptPages(), "every present page verifies");
        }
    }

    private static void readAcks(Process child, Set<Integer> acked) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith(CrashWriterMain.ACK) && line.endsWith(CrashWriterMain.ACK_END)) {
                    String number = line.substring(CrashWriterMain.ACK.length(), line.length() - CrashWriterMain.ACK_END.length());
                    acked.add(Integer.parseInt(number));
                }
            }
        } catch (IOException e) {
            // The pipe breaks when the child dies mid-line; the acks read so far stand.
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
