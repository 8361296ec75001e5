package io.quire.client;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.quire.cluster.ServerEntry;
import io.quire.cluster.Volume;
import io.quire.net.ConnectionPool;
import io.quire.page.Checksums;
import io.quire.page.Page;
import io.quire.page.PageKey;
import io.quire.page.PageVersion;
import io.quire.proto.Opcode;
import io.quire.proto.PageMessages;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pages replicated by quorum: writes go to the R replicas that placement names and complete after
 * W durable acknowledgements; reads ask R-W+1 replicas (so they always overlap the last write
 * quorum) and return the newest version, failing over to the other replicas. Thread-safe.
 *
 * <p>Each replica attempt has its own timeout; a failed attempt is retried with backoff until the
 * operation's deadline, after which the call fails with {@code UNAVAILABLE}: a read returns only
 * what R-W+1 replicas answered, never a lone replica's copy, which may be the one that missed the
 * newest write. Once the quorum is
 * reached, late replicas are not retried: anti-entropy repair on the servers restores them.
 * Statuses that no retry can change (FENCED, CHECKSUM_MISMATCH, NO_SUCH_VOLUME, ...) fail the call
 * at once.
 */
public final class QuorumReplicatedPages implements ReplicatedPages {
    private static final Logger log = LoggerFactory.getLogger(QuorumReplicatedPages.class);

    /**
     * @param attemptTimeoutMs one request to one replica
     * @param deadlineMs       the whole operation, retries included
     * @param retryBackoffMs   first pause before retrying a replica (doubles, capped at 1 s)
     */
    public record Config(long attemptTimeoutMs, long deadlineMs, long retryBackoffMs) {
        public static final Config DEFAULT = new Config(5_000, 30_000, 50);

        public Config {
            if (attemptTimeoutMs <= 0 || deadlineMs < attemptTimeoutMs || retryBackoffMs <= 0) {
                throw new IllegalArgumentException("need 0 < attemptTimeoutMs <= deadlineMs and retryBackoffMs > 0");
            }
        }
    }

    private static final long RETRY_BACKOFF_MS_MAX = 1_000;

    private final ConnectionPool pool;
    private final ClusterMapCache maps;
    private final Config config;
    private final MeterRegistry registry;
    private final ScheduledExecutorService retries;

    public QuorumReplicatedPages(ConnectionPool pool, ClusterMapCache maps, Config config, MeterRegistry registry) {
        this.pool = pool;
        this.maps = maps;
        this.config = config;
        this.registry = registry == null ? new SimpleMeterRegistry() : registry;
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "quire-replica-retry");
            t.setDaemon(true);
            return t;
        });
        timers.setRemoveOnCancelPolicy(true); // a read's deadline timer is cancelled when it answers
        this.retries = timers;
    }

    @Override
    public CompletableFuture<Void> write(PageKey key, PageVersion version, ByteBuffer data) {
        int crc = Checksums.crc32c(data);
        ByteBuf payload = Unpooled.copiedBuffer(data); // the caller's buffer is free once we return
        return quorumWrite("write", key, payload, alloc -> new PageMessages.PutPage(key, version, 0, crc,
                payload.retainedDuplicate()).encode(alloc), Opcode.PUT_PAGE);
    }

    @Override
    public CompletableFuture<Void> delete(PageKey key, PageVersion version) {
        return quorumWrite("delete", key, Unpooled.EMPTY_BUFFER,
                alloc -> new PageMessages.DeletePage(key, version, 0).encode(alloc), Opcode.DELETE_PAGE);
    }

    private CompletableFuture<Void> quorumWrite(String opName, PageKey key, ByteBuf payload,
                                                Function<ByteBufAllocator, ByteBuf> encoder, Opcode op) {
        long start = System.nanoTime();
        CompletableFuture<Void> result = new CompletableFuture<>();
        try {
            Target target = target(key);
            new WriteOp(key, op, encoder, payload, target.replicas, target.volume.writeQuorum(), result).start();
        } catch (QuireException e) {
            payload.release();
            result.completeExceptionally(e);
        }
        return timed(opName, result, start);
    }

    @Override
    public CompletableFuture<Optional<Page>> read(PageKey key) {
        long start = System.nanoTime();
        CompletableFuture<Optional<Page>> result = new CompletableFuture<>();
        try {
            Target target = target(key);
            int quorum = Math.max(1, Math.min(target.replicas.size(),
                    target.volume.replicas() - target.volume.writeQuorum() + 1));
            new ReadOp(key, target.replicas, quorum, result).start();
        } catch (QuireException e) {
            result.completeExceptionally(e);
        }
        return timed("read", result, start);
    }

    @Override
    public void close() {
        retries.shutdownNow();
    }

    private record Target(Volume volume, List<ServerEntry> replicas) {
    }

    private Target target(PageKey key) {
        ClusterMapCache.Snapshot snap = maps.snapshot();
        Optional<Volume> volume = snap.map().volume(key.volumeId()).filter(Volume::active);
        if (volume.isEmpty()) {
            snap = maps.refresh();
            volume = snap.map().volume(key.volumeId()).filter(Volume::active);
        }
        Volume v = volume.orElseThrow(() -> new QuireException(Status.NO_SUCH_VOLUME,
                "volume id " + key.volumeId() + " does not exist"));
        List<ServerEntry> replicas = new ArrayList<>(snap.placement().replicasFor(v.id(), key.group(), v.replicas()));
        if (replicas.size() < v.writeQuorum()) {
            throw new QuireException(Status.UNAVAILABLE, "volume " + v.name() + " needs " + v.writeQuorum()
                    + " replicas but only " + replicas.size() + " servers are placed");
        }
        // Live replicas first, so reads rarely wait on a dead one; placement order otherwise.
        replicas.sort(Comparator.comparing(s -> !s.live()));
        return new Target(v, replicas);
    }

    private <T> CompletableFuture<T> timed(String op, CompletableFuture<T> f, long startNanos) {
        return f.whenComplete((v, e) -> Timer.builder("quire.client.ops")
                .tag("op", op)
                .tag("status", e == null ? Status.OK.name() : QuireException.statusOf(e).name())
                .register(registry)
                .record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS));
    }

    private long backoff(int attempt) {
        return Math.min(RETRY_BACKOFF_MS_MAX, config.retryBackoffMs() << Math.min(attempt, 10));
    }

    private static boolean isFinal(Status s) {
        return switch (s) {
            case FENCED, CHECKSUM_MISMATCH, NO_SUCH_VOLUME, VOLUME_FULL, BAD_REQUEST, INVALID_ARGUMENT,
                 UNKNOWN_OPCODE, UNSUPPORTED_VERSION, FRAME_TOO_LARGE -> true;
            default -> false;
        };
    }

    /** One quorum write; its counters are guarded by {@code this}. */
    private final class WriteOp {
        private final PageKey key;
        private final Opcode op;
        private final Function<ByteBufAllocator, ByteBuf> encoder;
        private final ByteBuf payload;
        private final List<ServerEntry> replicas;
        private final int quorum;
        private final CompletableFuture<Void> result;
        private final long deadlineNanos;
        private final List<String> errors = new ArrayList<>();
        private int acks;
        private int outstanding;

        WriteOp(PageKey key, Opcode op, Function<ByteBufAllocator, ByteBuf> encoder, ByteBuf payload,
                List<ServerEntry> replicas, int quorum, CompletableFuture<Void> result) {
            this.key = key;
            this.op = op;
            this.encoder = encoder;
            this.payload = payload;
            this.replicas = replicas;
            this.quorum = quorum;
            this.result = result;
            this.deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.deadlineMs());
        }

        void start() {
            synchronized (this) {
                outstanding = replicas.size();
            }
            for (ServerEntry replica : replicas) {
                attempt(replica, 0);
            }
        }

        private void attempt(ServerEntry replica, int attemptNo) {
            ByteBuf body = encoder.apply(ByteBufAllocator.DEFAULT);
            long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            long timeout = Math.max(1, Math.min(config.attemptTimeoutMs(), remainingMs));
            pool.call(replica.address(), op, body, timeout).whenComplete((frame, err) -> {
                if (err == null) {
                    frame.release();
                    onAck();
                } else {
                    onError(replica, attemptNo, err);
                }
            });
        }

        private void onAck() {
            boolean done;
            synchronized (this) {
                acks++;
                done = acks == quorum;
                outstanding--;
            }
            if (done) {
                result.complete(null);
            }
            finishIfIdle();
        }

        private void onError(ServerEntry replica, int attemptNo, Throwable err) {
            Status status = QuireException.statusOf(err);
            if (isFinal(status)) {
                result.completeExceptionally(err instanceof QuireException ? err
                        : new QuireException(status, String.valueOf(err.getMessage()), err));
            }
            boolean retry = !result.isDone() && System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff(attemptNo)) < deadlineNanos;
            if (retry) {
                log.debug("{} {} on {} failed ({}), retrying", op, key, replica.id(), err.getMessage());
                try {
                    retries.schedule(() -> attempt(replica, attemptNo + 1), backoff(attemptNo), TimeUnit.MILLISECONDS);
                    return;
                } catch (java.util.concurrent.RejectedExecutionException closed) {
                    // closing: fall through and give up on this replica
                }
            }
            boolean failNow;
            synchronized (this) {
                errors.add(replica.id() + ": " + status + " " + err.getMessage());
                outstanding--;
                failNow = outstanding == 0 && acks < quorum;
            }
            if (failNow) {
                result.completeExceptionally(new QuireException(Status.UNAVAILABLE, op + " " + key + ": "
                        + acks + " of " + quorum + " replicas acknowledged before the deadline; " + errors));
            }
            finishIfIdle();
        }

        private void finishIfIdle() {
            synchronized (this) {
                if (outstanding != 0) {
                    return;
                }
                outstanding = -1; // release exactly once
            }
            payload.release();
        }
    }

    /**
     * What one replica holds of a page: a version, and the page, or null for a tombstone (a
     * deleted page). Thread-safe (immutable).
     */
    private record Held(PageVersion version, Page page) {
    }

    /**
     * One quorum read; its state is guarded by {@code this}. The newest version among the answers
     * wins, and a tombstone is a version like any other: a delete acknowledged by W replicas
     * beats an older copy that a lagging replica still holds (the read overlaps the delete's
     * quorum), so the read answers "no page".
     *
     * <p>It works in rounds: a round asks {@code quorum} replicas and replaces each one that
     * fails by the next; it is done when {@code quorum} distinct replicas answered in the same
     * round. When a round runs out of replicas, the next starts after a backoff, forgetting the
     * answers of the last (late answers of an old round are ignored, so one replica never counts
     * twice). A timer fails the read at its deadline whatever is still in flight: with fewer
     * answers than the quorum no copy is safe to return, since the replicas that did answer may
     * be exactly those that missed the newest write (it needed only W of the R).
     */
    private final class ReadOp {
        private final PageKey key;
        private final List<ServerEntry> replicas;
        private final int quorum;
        private final CompletableFuture<Optional<Page>> result;
        private final long deadlineNanos;
        private final List<String> errors = new ArrayList<>();
        private final java.util.Set<String> answered = new java.util.HashSet<>();
        private int round;
        private int next;
        private int inFlight;
        private Held newest;
        private ScheduledFuture<?> timer;

        ReadOp(PageKey key, List<ServerEntry> replicas, int quorum, CompletableFuture<Optional<Page>> result) {
            this.key = key;
            this.replicas = replicas;
            this.quorum = quorum;
            this.result = result;
            this.deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.deadlineMs());
        }

        void start() {
            try {
                ScheduledFuture<?> t = retries.schedule(this::expire, config.deadlineMs(), TimeUnit.MILLISECONDS);
                synchronized (this) {
                    timer = t;
                }
            } catch (RejectedExecutionException closed) {
                result.completeExceptionally(new QuireException(Status.CLOSED, "read " + key + ": client closed"));
                return;
            }
            startRound(0);
        }

        private void startRound(int r) {
            for (int i = 0; i < quorum; i++) {
                launchNext(r);
            }
        }

        private void expire() {
            synchronized (this) {
                if (!result.isDone()) {
                    fail();
                }
            }
        }

        /** Asks the next replica of round {@code r}, or ends the round when none is left. */
        private void launchNext(int r) {
            ServerEntry replica;
            synchronized (this) {
                if (result.isDone() || r != round) {
                    return;
                }
                if (next >= replicas.size()) {
                    if (inFlight > 0) {
                        return; // the round ends with its last attempt
                    }
                    long pause = backoff(round);
                    if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pause) >= deadlineNanos) {
                        fail();
                        return;
                    }
                    round++;
                    next = 0;
                    answered.clear();
                    newest = null;
                    int nextRound = round;
                    try {
                        retries.schedule(() -> startRound(nextRound), pause, TimeUnit.MILLISECONDS);
                    } catch (RejectedExecutionException closed) {
                        fail();
                    }
                    return;
                }
                replica = replicas.get(next++);
                inFlight++;
            }
            ByteBuf body = new PageMessages.GetPageRequest(key).encode(ByteBufAllocator.DEFAULT);
            long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            pool.call(replica.address(), Opcode.GET_PAGE, body, Math.max(1, Math.min(config.attemptTimeoutMs(), remainingMs)))
                    .whenComplete((frame, err) -> {
                        if (err != null) {
                            onAnswer(r, replica, null, err);
                            return;
                        }
                        try {
                            PageMessages.GetPageResponse resp = PageMessages.GetPageResponse.decode(frame.body());
                            Page page = null;
                            if (!resp.tombstone()) {
                                byte[] data = resp.verifiedData(replica.id() + " (page " + key + ")");
                                page = new Page(key, resp.version(), ByteBuffer.wrap(data).asReadOnlyBuffer());
                            }
                            onAnswer(r, replica, new Held(resp.version(), page), null);
                        } catch (RuntimeException e) {
                            if (QuireException.statusOf(e) == Status.CORRUPT) {
                                registry.counter("quire.client.corrupt.transfers").increment();
                            }
                            onAnswer(r, replica, null, e);
                        } finally {
                            frame.release();
                        }
                    });
        }

        /** {@code held} is null when the replica has never had the page (NOT_FOUND) or failed. */
        private void onAnswer(int r, ServerEntry replica, Held held, Throwable err) {
            boolean launch;
            Optional<Page> done = null;
            synchronized (this) {
                if (result.isDone() || r != round) {
                    return;
                }
                inFlight--;
                if (err != null && QuireException.statusOf(err) != Status.NOT_FOUND) {
                    errors.add(replica.id() + ": " + err.getMessage());
                    if (QuireException.statusOf(err) == Status.NO_SUCH_VOLUME) {
                        timer.cancel(false);
                        result.completeExceptionally(err);
                        return;
                    }
                    launch = true;
                } else {
                    answered.add(replica.id());
                    if (held != null && (newest == null || held.version().isNewerThan(newest.version()))) {
                        newest = held;
                    }
                    if (answered.size() >= quorum) {
                        done = newest == null ? Optional.empty() : Optional.ofNullable(newest.page());
                        timer.cancel(false);
                    }
                    // Nothing else in flight and too few answers: ask another replica, or end the round.
                    launch = done == null && inFlight == 0;
                }
            }
            if (done != null) {
                result.complete(done);
            } else if (launch) {
                launchNext(r);
            }
        }

        private void fail() {
            // Called with the lock held. Out of time with fewer answers than the quorum.
            if (timer != null) {
                timer.cancel(false);
            }
            result.completeExceptionally(new QuireException(Status.UNAVAILABLE, "read " + key + ": only "
                    + answered.size() + " of " + quorum + " replicas answered before the deadline; " + errors));
        }
    }
}
