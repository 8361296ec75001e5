package io.quire.mount.journal;

import io.quire.mount.Worker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quire.client.ReplicatedPages;
import io.quire.mount.MountConfig;
import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.JournaledDbi;
import io.quire.page.PageKey;
import io.quire.page.PageVersion;
import io.quire.page.ReservedInodes;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * State confined to the checkpointer thread; {@link #wake()} and {@link #request(long)} are
 * thread-safe. Writes checkpoints, publishes them in the superblock, and deletes what the
 * superblock no longer needs.
 *
 * <p>One step at a time, each resumable after a crash from the local state ({@link LocalState}):
 * <ol>
 *   <li>publish: a superblock decided but maybe not written ({@code ckpt.published} = 0) is written
 *       first, unchanged, before anything else may touch the checkpoint areas;
 *   <li>trim: once published, the previous generation's area, pages of this area past its count,
 *       and the journal pages before its start are deleted (tombstones newer than what they hit);
 *   <li>checkpoint: when the journal holds {@code checkpointAfterPages} pages past the current
 *       start, or someone asked: a snapshot of every journaled DBI from one LMDB read transaction
 *       (the state after record S, the newest in that transaction) is staged to a local file,
 *       written to the other area as version (epoch, S), and, once all of it has W acks, the new
 *       superblock is decided and published.
 * </ol>
 * The areas alternate, so the area the published superblock names is never written: a crash at
 * any point leaves one complete checkpoint and the journal after it.
 */
final class Checkpointer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Checkpointer.class);
    static final String STAGING_FILE = "checkpoint.staging";
    /** Local: pages attempts wrote to the other area since the last publish (may need deleting). */
    static final String ATTEMPT_PAGES = "ckpt.attempt.pages";

    private final CacheEnv env;
    private final LocalState state;
    private final ReplicatedPages replicas;
    private final MountConfig config;
    private final JournalConfig journalConfig;
    private final Path staging;
    private final Worker worker;
    private final Counter checkpoints;
    private final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();

    /** Someone waits for a published checkpoint holding every record up to {@code seq}. */
    private record Request(long seq, CompletableFuture<Long> done) {
    }

    /** A snapshot staged to the local file. */
    private record Snapshot(long seq, long journalStart, CheckpointStaging file, CheckpointStaging.Staged staged) {
    }

    Checkpointer(CacheEnv env, LocalState state, ReplicatedPages replicas, MountConfig config,
                 JournalConfig journalConfig, MeterRegistry registry) {
        this.env = env;
        this.state = state;
        this.replicas = replicas;
        this.config = config;
        this.journalConfig = journalConfig;
        this.staging = env.dir().resolve(STAGING_FILE);
        this.checkpoints = Counter.builder("quire.journal.checkpoints").register(registry);
        this.worker = new Worker("quire-checkpoint-" + config.volumeName(),
                "checkpointer of volume " + config.volumeName(), this::run);
    }

    void start() {
        worker.start();
    }

    void wake() {
        worker.wake();
    }

    /** Completes with the generation of a published checkpoint holding every record up to seq. */
    CompletableFuture<Long> request(long seq) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        requests.add(new Request(seq, f));
        worker.wake();
        return f;
    }

    private void run() {
        int failuresInARow = 0;
        while (!worker.stopped()) {
            boolean worked;
            try {
                worked = step();
                failuresInARow = 0;
            } catch (RuntimeException e) {
                if (worker.stopped()) {
                    break;
                }
                failuresInARow++;
                if (Integer.bitCount(failuresInARow) == 1) {
                    log.warn("checkpoint of volume {} epoch {} failed {} times in a row; retrying: {}",
                            config.volumeName(), config.epoch(), failuresInARow, e.toString());
                }
                worker.await(Math.min(config.retryBackoffMaxMs(),
                        JournalLimits.RETRY_FIRST_MS << Math.min(20, failuresInARow - 1)));
                continue;
            }
            if (!worked) {
                worker.await(JournalLimits.IDLE_WAIT_MS);
            }
        }
        for (Request r; (r = requests.poll()) != null; ) {
            r.done.cancel(false);
        }
    }

    /** Does the next thing due; false when there was nothing. */
    boolean step() {
        Superblock cur = env.read(state::checkpoint);
        if (!env.read(state::published)) {
            publish(cur);
            return true;
        }
        if (needsTrim(cur)) {
            trim(cur);
            return true;
        }
        answerRequests(cur);
        if (!requests.isEmpty() || due(cur)) {
            return checkpoint(cur);
        }
        return false;
    }

    private boolean due(Superblock cur) {
        return env.read(txn -> state.start(txn).page() - cur.journalStart() >= journalConfig.checkpointAfterPages()
                && state.next(txn) - 1 > cur.seq());
    }

    private static boolean needsTrim(Superblock cur) {
        return cur.generation() > 0
                && (cur.otherPages() > 0 || cur.areaSpill() > cur.pages() || cur.trimmedBelow() < cur.journalStart());
    }

    private void answerRequests(Superblock cur) {
        for (Request r : requests) {
            if (r.seq <= cur.seq() && cur.generation() > 0) {
                requests.remove(r);
                r.done.complete(cur.generation());
            }
        }
    }

    /** Stages, uploads and publishes a new generation; false when there is nothing new. */
    private boolean checkpoint(Superblock cur) {
        long generation = cur.generation() + 1;
        Snapshot snap = snapshot(generation, cur);
        if (snap == null) {
            return false;
        }
        try {
            CheckpointStaging.Staged st = snap.staged;
            long attempted = env.write(w -> {
                long pages = Math.max(env.meta.get(w.txn, ATTEMPT_PAGES, 0), st.pages());
                env.meta.put(w.txn, ATTEMPT_PAGES, pages);
                return pages;
            });
            long area = Superblock.areaOf(generation);
            PageVersion version = new PageVersion(config.epoch(), snap.seq);
            PageWindow window = new PageWindow(replicas, worker::stopped);
            for (long i = 0; i < st.pages(); i++) {
                if (!window.write(new PageKey(config.volumeId(), area, i), version, snap.file.page(i))) {
                    return false;
                }
            }
            if (!window.drain()) {
                return false;
            }
            Superblock next = new Superblock(generation, config.epoch(), st.pages(), st.bytes(), st.crc(), snap.seq,
                    snap.journalStart, config.epoch(), cur.trimmedBelow(), Math.max(st.pages(), attempted),
                    cur.generation() == 0 ? 0 : cur.areaSpill());
            env.write(w -> {
                state.checkpoint(w.txn, next, false);
                env.meta.put(w.txn, ATTEMPT_PAGES, 0);
                return null;
            });
            log.info("checkpoint generation {} of volume {} staged and written: {} entries, {} pages, state after "
                    + "record {}, journal from page {}", generation, config.volumeName(), st.entries(), st.pages(),
                    snap.seq, snap.journalStart);
            publish(next);
            checkpoints.increment();
            return true;
        } finally {
            snap.file.close();
            CheckpointStaging.delete(staging);
        }
    }

    /** Stages the state of one read transaction; null when it holds nothing newer than {@code cur}. */
    private Snapshot snapshot(long generation, Superblock cur) {
        return env.read(txn -> {
            long seq = state.next(txn) - 1;
            if (cur.generation() > 0 && seq <= cur.seq()) {
                return null;
            }
            long journalStart = state.start(txn).page();
            CheckpointStaging file = new CheckpointStaging(staging, config.volumeId(), generation, seq,
                    config.pageSizeBytes());
            try {
                for (JournaledDbi d : env.journaledDbis()) {
                    d.forEach(txn, (k, v) -> {
                        file.entry(d.id(), k, v);
                        return true;
                    });
                }
                return new Snapshot(seq, journalStart, file, file.finish());
            } catch (RuntimeException e) {
                file.close();
                throw e;
            }
        });
    }

    /** Writes the decided superblock (again, if need be) and marks it published. */
    private void publish(Superblock sb) {
        PageWindow window = new PageWindow(replicas, worker::stopped);
        window.write(new PageKey(config.volumeId(), ReservedInodes.SUPERBLOCK, 0),
                new PageVersion(config.epoch(), sb.generation()), sb.encode(config.volumeId(), config.pageSizeBytes()));
        if (!window.drain()) {
            return;
        }
        env.write(w -> {
            state.checkpoint(w.txn, sb, true);
            return null;
        });
        log.info("superblock of volume {} names checkpoint generation {} (state after record {}, journal from page {})",
                config.volumeName(), sb.generation(), sb.seq(), sb.journalStart());
    }

    /** Deletes what the published superblock no longer needs, then forgets it. */
    private void trim(Superblock cur) {
        // Newer than anything there: the other area holds an older generation (smaller seq), and
        // pages of this area past its count come from attempts at a smaller seq.
        PageVersion areaTombstone = new PageVersion(config.epoch(), cur.seq());
        // Journal pages below the start are never written again.
        PageVersion journalTombstone = new PageVersion(config.epoch(), Long.MAX_VALUE);
        long other = Superblock.areaOf(cur.generation() + 1);
        PageWindow window = new PageWindow(replicas, worker::stopped);
        if (!deleteRange(window, other, 0, cur.otherPages(), areaTombstone)
                || !deleteRange(window, cur.areaInode(), cur.pages(), cur.areaSpill(), areaTombstone)
                || !deleteRange(window, ReservedInodes.JOURNAL, cur.trimmedBelow(), cur.journalStart(), journalTombstone)
                || !window.drain()) {
            return;
        }
        Superblock trimmed = new Superblock(cur.generation(), cur.epoch(), cur.pages(), cur.bytes(), cur.crc(), cur.seq(),
                cur.journalStart(), cur.epochFloor(), cur.journalStart(), cur.pages(), 0);
        env.write(w -> {
            state.checkpoint(w.txn, trimmed, true);
            return null;
        });
        log.debug("volume {}: deleted journal pages [{}, {}) and stale checkpoint pages", config.volumeName(),
                cur.trimmedBelow(), cur.journalStart());
    }

    private boolean deleteRange(PageWindow window, long inode, long from, long to, PageVersion version) {
        for (long i = from; i < to; i++) {
            if (!window.delete(new PageKey(config.volumeId(), inode, i), version)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        worker.stop();
    }
}
