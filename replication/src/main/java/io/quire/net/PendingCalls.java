package io.quire.net;

import io.quire.proto.Frame;
import io.quire.proto.Limits;
import io.quire.proto.Opcode;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe. The requests of one connection that await their response, by request id, bounded
 * by {@link Limits#CONNECTION_IN_FLIGHT_MAX} permits.
 *
 * <p>A call ends exactly once, by whoever removes it from the map first: its response, its
 * deadline, a failed write or the connection's close. That remover returns the call's permit and
 * completes its future; the others find nothing and, for a response, release the frame.
 */
final class PendingCalls {
    private static final Logger LOG = LoggerFactory.getLogger(PendingCalls.class);

    private final String target;
    private final ConcurrentHashMap<Long, Call> calls = new ConcurrentHashMap<>();
    private final Semaphore permits = new Semaphore(Limits.CONNECTION_IN_FLIGHT_MAX);
    /** Ids start at 1: id 0 is what a server answers framing errors with. */
    private final AtomicLong lastId = new AtomicLong();
    /** Why the connection closed; null while it is open. */
    private volatile String closedReason;

    PendingCalls(String target) {
        this.target = target;
    }

    /** Thread-safe (final fields and a volatile deadline). One request in flight. */
    static final class Call {
        final long id;
        final Opcode op;
        final CompletableFuture<Frame> future = new CompletableFuture<>();
        /** The deadline task; set before the request is written, so before any response. */
        volatile Future<?> deadline;

        Call(long id, Opcode op) {
            this.id = id;
            this.op = op;
        }
    }

    /** Takes a permit, waiting at most {@code waitMs} (0: do not wait). */
    boolean acquire(long waitMs) throws InterruptedException {
        return waitMs <= 0 ? permits.tryAcquire() : permits.tryAcquire(waitMs, TimeUnit.MILLISECONDS);
    }

    void releasePermit() {
        permits.release();
    }

    int inFlight() {
        return calls.size();
    }

    /**
     * Registers a call holding a permit. When the connection has closed meanwhile, the call is
     * already failed with {@link Status#CLOSED} (and its permit returned) on return.
     */
    Call open(Opcode op) {
        Call call = new Call(lastId.incrementAndGet(), op);
        calls.put(call.id, call);
        // Read after the put: either closeAll sees this call or we see its reason.
        String reason = closedReason;
        if (reason != null) {
            fail(call.id, Status.CLOSED, reason);
        }
        return call;
    }

    /** Routes a response to its call; takes ownership of the frame. */
    void complete(Frame response) {
        Call call = take(response.requestId());
        if (call == null) {
            LOG.debug("dropping a response nobody waits for (late or unknown) from {}: {}", target, response);
            response.release();
            return;
        }
        if (response.opcodeByte() != call.op.code) {
            String message = "response " + response + " from " + target + " to a " + call.op + " request";
            response.release();
            call.future.completeExceptionally(new QuireException(Status.INTERNAL_ERROR, message));
            return;
        }
        if (response.status() != Status.OK) {
            QuireException error = new QuireException(response.status(), response.bodyText());
            response.release();
            call.future.completeExceptionally(error);
            return;
        }
        if (!call.future.complete(response)) {
            // The caller cancelled the future: nobody else will release the frame.
            response.release();
        }
    }

    /** Fails a call if it is still pending. */
    void fail(long id, Status status, String message) {
        Call call = take(id);
        if (call != null) {
            call.future.completeExceptionally(new QuireException(status, message));
        }
    }

    /** Marks the connection closed and fails every pending call with {@link Status#CLOSED}. */
    void closeAll(String reason) {
        closedReason = reason;
        for (Long id : calls.keySet()) {
            fail(id, Status.CLOSED, reason);
        }
    }

    boolean isClosed() {
        return closedReason != null;
    }

    private Call take(long id) {
        Call call = calls.remove(id);
        if (call != null) {
            permits.release();
            Future<?> deadline = call.deadline;
            if (deadline != null) {
                deadline.cancel(false);
            }
        }
        return call;
    }
}
