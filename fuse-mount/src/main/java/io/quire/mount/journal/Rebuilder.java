package io.quire.mount.journal;

import io.quire.client.ReplicatedPages;
import io.quire.mount.MountConfig;
import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.JournaledDbi;
import io.quire.page.Page;
import io.quire.page.PageKey;
import io.quire.page.ReservedInodes;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Confined to the opening thread. Rebuilds the metadata of an empty cache from the servers: the
 * superblock, the checkpoint it names, then the journal after it (see {@link JournalReplay}),
 * and sets the journal up to continue on the first page the replay did not apply.
 *
 * <p>Nothing on the servers (no superblock, no journal page 0) means a brand-new volume. Any
 * metadata found must have been written under an older lease epoch than this mount's: the new
 * journal overwrites the stale tail a lost mount may have left, and only a newer version does.
 */
final class Rebuilder {
    private static final Logger log = LoggerFactory.getLogger(Rebuilder.class);

    /** What a rebuild found. Thread-safe (immutable). */
    record Report(boolean found, long generation, long checkpointEntries, long records, long lastSeq, long nextPage,
                  String stopReason) {
    }

    private Rebuilder() {
    }

    static Report rebuild(CacheEnv env, LocalState state, MountConfig config, ReplicatedPages replicas) {
        env.write(w -> {
            for (JournaledDbi d : env.journaledDbis()) {
                d.clear(w);
            }
            env.journal.clear(w.txn);
            return null;
        });
        ChangeBatch batch = new ChangeBatch(env);
        Optional<Page> sbPage = Remote.get(replicas.read(new PageKey(config.volumeId(), ReservedInodes.SUPERBLOCK, 0)),
                config.readTimeoutMs(), "read of the superblock of volume " + config.volumeName());
        Superblock sb = Superblock.NONE;
        long maxEpoch = 0;
        long entries = 0;
        if (sbPage.isPresent()) {
            maxEpoch = sbPage.get().version().epoch();
            requireNewerEpoch(config, maxEpoch);
            try {
                sb = Superblock.decode(sbPage.get().data(), config.volumeId(), config.pageSizeBytes());
                CheckpointLoader.Loaded loaded = CheckpointLoader.load(replicas, sb, config, batch);
                entries = loaded.entries();
                maxEpoch = Math.max(maxEpoch, loaded.maxEpoch());
            } catch (DamagedPageException e) {
                throw new IllegalStateException("cannot rebuild the metadata of volume " + config.volumeName() + ": "
                        + e.getMessage(), e);
            }
        }
        JournalReplay.Result r = JournalReplay.replay(replicas, sb, config, batch);
        boolean found = sbPage.isPresent() || r.sawPage();
        if (found) {
            requireNewerEpoch(config, Math.max(maxEpoch, r.maxEpoch()));
        }
        Superblock published = sb;
        JournalLayout.Start start = new JournalLayout.Start(r.stopPage(), r.lastSeq() + 1, 0, found);
        env.write(w -> {
            state.init(w.txn, r.lastSeq() + 1, start, published);
            env.meta.put(w.txn, Checkpointer.ATTEMPT_PAGES, 0);
            return null;
        });
        if (found) {
            log.info("volume {} (id {}) epoch {}: metadata rebuilt from the servers: checkpoint generation {} ({} entries, "
                    + "state after record {}), then {} journal records from page {} ({} pages); stopped at page {}: {}; "
                    + "the journal continues there with record {}", config.volumeName(), config.volumeId(), config.epoch(),
                    sb.generation(), entries, sb.seq(), r.records(), sb.journalStart(), r.pagesApplied(), r.stopPage(),
                    r.stopReason(), r.lastSeq() + 1);
        } else {
            log.info("volume {} (id {}) epoch {}: no metadata on the servers, a new volume", config.volumeName(),
                    config.volumeId(), config.epoch());
        }
        return new Report(found, sb.generation(), entries, r.records(), r.lastSeq(), r.stopPage(), r.stopReason());
    }

    private static void requireNewerEpoch(MountConfig config, long seen) {
        if (config.epoch() <= seen) {
            throw new IllegalStateException("volume " + config.volumeName() + ": its metadata on the servers was written "
                    + "under lease epoch " + seen + ", and rebuilding it needs a newer epoch than that, not " + config.epoch()
                    + " (a new read-write lease grants one)");
        }
    }
}
