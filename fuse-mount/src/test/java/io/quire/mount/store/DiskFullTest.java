package io.quire.mount.store;

import io.quire.mount.Errno;
import io.quire.mount.PosixException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Confined to the JUnit thread. The cache on a disk that fills up, for real: a small tmpfs
 * (mounted here, so root only). The map is far larger than the disk, and LMDB writes into it
 * directly ({@code MDB_WRITEMAP}): without the reservation ahead, the write that reaches a hole
 * the disk cannot fill would kill this JVM with SIGBUS. With it, a write fails with ENOSPC before
 * it starts, what was committed reads back, and once there is room again writes go on.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DiskFullTest {
    private static final int DISK_MIB = 96;
    private static final int PAGE = 64 * 1024;

    @TempDir
    Path base;
    Path disk;
    boolean mounted;

    @BeforeEach
    void mountSmallDisk() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
        disk = base.resolve("disk");
        Files.createDirectories(disk);
        mounted = run("mount", "-t", "tmpfs", "-o", "size=" + DISK_MIB + "m", "tmpfs", disk.toString()) == 0;
        assumeTrue(mounted, "cannot mount a tmpfs here");
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            run("umount", "-l", disk.toString());
        }
    }

    private static int run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", cmd) + " did not finish");
        return p.exitValue();
    }

    private static byte[] page(int i) {
        byte[] b = new byte[PAGE];
        Arrays.fill(b, (byte) i);
        return b;
    }

    @Test
    void aFullDiskIsEnospcBeforeTheWriteAndNothingCommittedIsLost() throws Exception {
        Path dir = disk.resolve("cache");
        try (CacheEnv env = CacheEnv.open(dir, 1L << 30)) { // a 1 GiB map on a 96 MiB disk
            int written = 0;
            PosixException full = null;
            for (int i = 0; i < DISK_MIB * 1024 / 64 && full == null; i++) { // more pages than the disk holds
                int n = i;
                try {
                    env.write(w -> {
                        env.pages.put(w.data(), 1, n, page(n), 0, PAGE);
                        return null;
                    });
                    written++;
                } catch (PosixException e) {
                    full = e;
                }
            }
            assertTrue(full != null, "the disk never filled after " + written + " pages");
            assertEquals(Errno.ENOSPC, full.errno(), full.getMessage());
            assertTrue(written > 0, "some pages fit before the disk filled");
            int committed = written;
            env.readData(txn -> {
                for (int i = 0; i < committed; i++) {
                    assertArrayEquals(page(i), env.pages.readAll(txn, 1, i), "page " + i + " after the disk filled");
                }
                return null;
            });

            // Room again (the disk grows): the next write gets its reservation and goes on.
            assertEquals(0, run("mount", "-o", "remount,size=" + (4 * DISK_MIB) + "m", disk.toString()));
            env.write(w -> {
                env.pages.put(w.data(), 1, committed, page(committed), 0, PAGE);
                return null;
            });
            env.readData(txn -> {
                assertTrue(env.pages.contains(txn, 1, committed));
                return null;
            });
        }
    }
}
