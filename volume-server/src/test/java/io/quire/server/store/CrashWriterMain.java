package io.quire.server.store;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quire.page.Checksums;
import io.quire.page.PageKey;
import io.quire.page.PageVersion;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Confined to its main thread, except the acks, which print from the store's writer thread under
 * a lock. The child process of {@link LmdbPageStoreCrashTest}: writes distinct pages with many
 * puts in flight, printing {@code ACK i .} once put {@code i} completed (is durable), until killed.
 * Bounded: stops after {@link #PAGES_MAX} pages or {@link #RUN_MS_MAX} even if nobody kills it.
 */
public final class CrashWriterMain {
    static final int PAGE_BYTES = 16 * 1024;
    static final int PAGES_MAX = 100_000;
    static final long RUN_MS_MAX = 60_000;
    static final int IN_FLIGHT_MAX = 32;
    static final String ACK = "ACK ";
    /** Ends every ack line, so that a line cut by the kill is never taken for a shorter number. */
    static final String ACK_END = " .";

    private CrashWriterMain() {
    }

    static PageKey keyOf(int i) {
        return new PageKey(1, i / 16, i % 16);
    }

    static PageVersion versionOf(int i) {
        return new PageVersion(1, i);
    }

    static byte[] dataOf(int i) {
        return TestPages.random(i * 7919L + 1, PAGE_BYTES);
    }

    public static void main(String[] args) throws InterruptedException {
        Path dir = Path.of(args[0]);
        PrintStream out = System.out;
        Semaphore window = new Semaphore(IN_FLIGHT_MAX);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RUN_MS_MAX);
        try (PageStore store = LmdbPageStore.open(dir, 1L << 30, new SimpleMeterRegistry())) {
            for (int i = 0; i < PAGES_MAX && System.nanoTime() < deadline; i++) {
                if (!window.tryAcquire(RUN_MS_MAX, TimeUnit.MILLISECONDS)) {
                    break;
                }
                int n = i;
                byte[] data = dataOf(i);
                store.put(keyOf(i), versionOf(i), Checksums.crc32c(data), ByteBuffer.wrap(data), false)
                        .whenComplete((ok, error) -> {
                            if (error == null) {
                                synchronized (out) {
                                    out.println(ACK + n + ACK_END);
                                    out.flush();
                                }
                            } else {
                                System.err.println("put " + n + " failed: " + error);
                            }
                            window.release();
                        });
            }
        }
    }
}
