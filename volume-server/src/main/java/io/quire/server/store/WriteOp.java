package io.quire.server.store;

import io.quire.page.PageKey;
import io.quire.page.PageVersion;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * Thread-safe (immutable), except {@link VolumeDeletion}'s progress, which is confined to the
 * writer thread. The changes the writer thread applies, one kind per record.
 */
sealed interface WriteOp {

    /** Page bytes the op adds to a transaction (for the batch byte bound). */
    int bytes();

    /** Completes the op's future with a failure (the op was not applied). */
    void fail(Throwable cause);

    /** A page version, or a tombstone when {@code data} is null. */
    record PageWrite(PageKey key, PageVersion version, int crc32c, ByteBuffer data, boolean repair,
                     CompletableFuture<Void> done) implements WriteOp {
        boolean tombstone() {
            return data == null;
        }

        @Override
        public int bytes() {
            return data == null ? 0 : data.remaining();
        }

        @Override
        public void fail(Throwable cause) {
            done.completeExceptionally(cause);
        }
    }

    record FenceRaise(long volumeId, long epoch, CompletableFuture<Void> done) implements WriteOp {
        @Override
        public int bytes() {
            return 0;
        }

        @Override
        public void fail(Throwable cause) {
            done.completeExceptionally(cause);
        }
    }

    /** Removes a volume in steps, one per transaction, until none of its entries remain. */
    final class VolumeDeletion implements WriteOp {
        final long volumeId;
        final CompletableFuture<Long> done;
        /** Live pages removed by committed steps; written by the writer thread only. */
        long removedPages;

        VolumeDeletion(long volumeId, CompletableFuture<Long> done) {
            this.volumeId = volumeId;
            this.done = done;
        }

        @Override
        public int bytes() {
            return 0;
        }

        @Override
        public void fail(Throwable cause) {
            done.completeExceptionally(cause);
        }
    }
}
