package io.quire.mount.fuse;

import io.quire.mount.vfs.Attr;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import ru.serce.jnrfuse.struct.FileStat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Confined to the JUnit thread. The direct struct stat writer against jnr-fuse's own. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FileStatsTest {
    @Test
    void theDirectWriterFillsWhatJnrFuseFills() {
        assertTrue(FileStats.RAW_STAT, "this platform (x86-64 Linux) lays struct stat out as glibc does");
        SplittableRandom r = new SplittableRandom(7);
        Runtime rt = Runtime.getSystemRuntime();
        for (int i = 0; i < 1000; i++) {
            Attr a = new Attr(r.nextLong() & Long.MAX_VALUE, r.nextInt(), r.nextInt(), r.nextInt(), r.nextInt(),
                    r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong());
            // (times of any sign: floorDiv/floorMod on both paths)
            Pointer direct = rt.getMemoryManager().allocateDirect(256, true);
            Pointer viaJnr = rt.getMemoryManager().allocateDirect(256, true);
            FileStats.fill(direct, a, 65536);
            FileStats.fill(FileStat.of(viaJnr), a, 65536);
            byte[] x = new byte[256];
            byte[] y = new byte[256];
            direct.get(0, x, 0, 256);
            viaJnr.get(0, y, 0, 256);
            assertArrayEquals(y, x, a.toString());
        }
    }
}
