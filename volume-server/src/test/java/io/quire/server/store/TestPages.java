package io.quire.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quire.page.Checksums;
import io.quire.page.PageKey;
import io.quire.page.PageVersion;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Thread-safe (stateless). Helpers shared by the page store tests. */
final class TestPages {
    static final long WAIT_SECONDS = 30;

    private TestPages() {
    }

    static LmdbPageStore open(Path dir, long capacityBytes) {
        return LmdbPageStore.open(dir, capacityBytes, new SimpleMeterRegistry());
    }

    static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    static PageVersion v(long epoch, long seq) {
        return new PageVersion(epoch, seq);
    }

    static CompletableFuture<Void> put(PageStore store, PageKey key, PageVersion version, byte[] data) {
        return store.put(key, version, Checksums.crc32c(data), ByteBuffer.wrap(data), false);
    }

    static CompletableFuture<Void> repair(PageStore store, PageKey key, PageVersion version, byte[] data) {
        return store.put(key, version, Checksums.crc32c(data), ByteBuffer.wrap(data), true);
    }

    /** Waits for {@code f} and returns OK or the status it failed with. */
    static Status status(CompletableFuture<?> f) {
        try {
            f.get(WAIT_SECONDS, TimeUnit.SECONDS);
            return Status.OK;
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof QuireException)) {
                throw new AssertionError("unexpected failure", e.getCause());
            }
            return QuireException.statusOf(e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("no completion within " + WAIT_SECONDS + " s", e);
        }
    }

    static <T> T ok(CompletableFuture<T> f) {
        try {
            return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return fail("expected OK, got " + e.getCause(), e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            return fail("no completion within " + WAIT_SECONDS + " s", e);
        }
    }

    static void assertStatus(Status expected, CompletableFuture<?> f) {
        assertEquals(expected, status(f));
    }

    /** The status a synchronous call throws, or OK. */
    static Status statusOf(Runnable call) {
        try {
            call.run();
            return Status.OK;
        } catch (QuireException e) {
            return e.status();
        }
    }
}
