package io.quire.net;

import static org.junit.jupiter.api.Assertions.fail;

import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Thread-safe (stateless); test helper. Waits on futures with a bound. */
final class Calls {
    static final long WAIT_MS = 10_000;

    private Calls() {
    }

    static <T> T join(CompletableFuture<T> f) throws Exception {
        try {
            return f.get(WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("call failed: " + e.getCause(), e.getCause());
        }
    }

    /** The status the future failed with; fails the test if it succeeded. */
    static Status failure(CompletableFuture<?> f) throws InterruptedException, TimeoutException {
        try {
            Object value = f.get(WAIT_MS, TimeUnit.MILLISECONDS);
            io.netty.util.ReferenceCountUtil.release(value);
            fail("expected a failure, got " + value);
            return null;
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof QuireException)) {
                throw new AssertionError("not a QuireException: " + e.getCause(), e.getCause());
            }
            return QuireException.statusOf(e.getCause());
        }
    }

    static String message(CompletableFuture<?> f) throws InterruptedException, TimeoutException {
        try {
            f.get(WAIT_MS, TimeUnit.MILLISECONDS);
            fail("expected a failure");
            return null;
        } catch (ExecutionException e) {
            return e.getCause().getMessage();
        }
    }
}
