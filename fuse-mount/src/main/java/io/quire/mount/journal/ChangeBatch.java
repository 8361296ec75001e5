package io.quire.mount.journal;

import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.JournaledDbi;
import io.quire.mount.store.Mutation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Confined to the rebuilding thread. Applies changes read back from the servers — checkpoint
 * entries and journal records — to the cache in LMDB transactions of at most
 * {@link JournalLimits#REBUILD_TXN_BYTES_MAX} bytes, without journaling them again.
 *
 * <p>Batches need not follow record boundaries: a rebuild is all or nothing (the cache counts as
 * empty until it completes), so a crash half-way starts it over.
 */
final class ChangeBatch {
    private final CacheEnv env;
    private final Map<Integer, JournaledDbi> byId = new HashMap<>();
    private final List<Mutation> pending = new ArrayList<>();
    private long bytes;
    private long applied;

    ChangeBatch(CacheEnv env) {
        this.env = env;
        for (JournaledDbi d : env.journaledDbis()) {
            byId.put(d.id(), d);
        }
    }

    /** @throws IllegalArgumentException for a DBI or key the journal never carries */
    void check(Mutation m) {
        JournaledDbi d = byId.get(m.dbi());
        if (d == null) {
            throw new IllegalArgumentException("unknown DBI id " + m.dbi());
        }
        if (m.key().length == 0 || m.key().length > JournaledDbi.KEY_MAX_BYTES || !d.journals(m.key())) {
            throw new IllegalArgumentException("DBI " + d.name() + " does not journal a key of " + m.key().length + " bytes");
        }
    }

    /** Queues checked changes, applying a batch once it is large enough. */
    void add(List<Mutation> changes) {
        for (Mutation m : changes) {
            pending.add(m);
            bytes += m.key().length + (m.value() == null ? 0 : m.value().length) + 16;
        }
        if (bytes >= JournalLimits.REBUILD_TXN_BYTES_MAX) {
            flush();
        }
    }

    void flush() {
        if (pending.isEmpty()) {
            return;
        }
        env.write(w -> {
            for (Mutation m : pending) {
                byId.get(m.dbi()).apply(w, m.key(), m.value());
            }
            return null;
        });
        applied += pending.size();
        pending.clear();
        bytes = 0;
    }

    long applied() {
        return applied;
    }
}
