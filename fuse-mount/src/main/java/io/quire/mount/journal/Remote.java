package io.quire.mount.journal;

import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Thread-safe (stateless). Waiting for the replicas' futures: either until a deadline (rebuild
 * reads), or for as long as it takes unless the waiting thread is told to stop (background
 * writes: the client's own deadline ends a write that cannot complete).
 */
final class Remote {
    private Remote() {
    }

    /**
     * Waits for {@code f} unless {@code stopped} turns true first (checked every idle interval).
     *
     * @return false when stopped first
     * @throws RuntimeException the future's failure (a {@link QuireException} as such)
     */
    static boolean await(CompletableFuture<?> f, BooleanSupplier stopped) {
        while (true) {
            try {
                f.get(JournalLimits.IDLE_WAIT_MS, TimeUnit.MILLISECONDS);
                return true;
            } catch (TimeoutException e) {
                if (stopped.getAsBoolean()) {
                    return false;
                }
            } catch (ExecutionException e) {
                throw unwrap(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** The future's value within {@code timeoutMs}; a timeout fails with status TIMEOUT. */
    static <T> T get(CompletableFuture<T> f, long timeoutMs, String what) {
        try {
            return f.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new QuireException(Status.TIMEOUT, what + ": no answer within " + timeoutMs + " ms");
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QuireException(Status.CLOSED, what + ": interrupted");
        }
    }

    static RuntimeException unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof RuntimeException r ? r : new IllegalStateException(t);
    }
}
