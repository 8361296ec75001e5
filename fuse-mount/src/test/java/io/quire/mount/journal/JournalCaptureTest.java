package io.quire.mount.journal;

import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.Inode;
import io.quire.mount.store.JournaledDbi;
import io.quire.mount.store.MetaTable;
import io.quire.mount.store.Mutation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Confined to the JUnit thread. What a write transaction hands the journal: the net changes to
 * the journaled DBIs, nothing of the page cache or the cache's own bookkeeping; and the store
 * operations a rebuild and the uploader rely on.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JournalCaptureTest {
    @TempDir
    Path dir;

    private static Inode inode(long ino, int mode) {
        Inode n = new Inode(ino);
        n.mode = mode;
        n.nlink = 1;
        return n;
    }

    @Test
    void aTransactionHandsOverItsNetJournaledChangesOnly() {
        try (CacheEnv env = CacheEnv.open(dir, 64L << 20)) {
            List<List<Mutation>> records = new ArrayList<>();
            env.attachJournal((w, changes) -> {
                records.add(changes);
                return null;
            });
            env.write(w -> {
                env.inodes.put(w.txn, inode(5, 0100644));
                env.inodes.put(w.txn, inode(5, 0100600)); // the last value wins
                env.inodes.put(w.txn, inode(6, 0100644));
                env.inodes.delete(w.txn, 6);             // put then delete: a delete
                env.meta.put(w.txn, MetaTable.NEXT_INO, 7);
                env.meta.put(w.txn, MetaTable.VOLUME_ID, 9); // local: not journaled
                env.pages.put(w.data(), 5, 0, new byte[10], 0, 10); // the page cache: not journaled
                env.dirty.mark(w.data(), 5, 0, 1, 0);
                return null;
            });
            assertEquals(1, records.size(), "one record per transaction");
            List<Mutation> r = records.get(0);
            assertEquals(3, r.size());
            assertEquals(JournaledDbi.INODE, r.get(0).dbi());
            assertNotNull(r.get(0).value());
            assertEquals(JournaledDbi.INODE, r.get(1).dbi());
            assertTrue(r.get(1).isDelete());
            assertEquals(JournaledDbi.META, r.get(2).dbi());

            env.write(w -> {
                env.pages.put(w.data(), 5, 1, new byte[10], 0, 10);
                env.meta.put(w.txn, "journal.next", 3);
                env.inodes.delete(w.txn, 42); // deletes nothing: nothing to journal
                return null;
            });
            assertEquals(1, records.size(), "a transaction without journaled changes appends no record");
        }
    }

    /**
     * A wake-up sent after the commit (the trash collector's, the flusher's) must find the
     * record already counted as current, or the pages it sends could overtake the record.
     */
    @Test
    void theRecordIsCountedBeforeAnyAfterCommitActionRuns() {
        try (CacheEnv env = CacheEnv.open(dir, 64L << 20)) {
            List<String> order = new ArrayList<>();
            env.attachJournal((w, changes) -> {
                order.add("appended");
                return () -> order.add("counted");
            });
            env.write(w -> {
                w.afterCommit(() -> order.add("after-commit"));
                env.inodes.put(w.txn, inode(5, 0100644));
                return null;
            });
            assertEquals(List.of("appended", "counted", "after-commit"), order);
        }
    }

    @Test
    void clearingForARebuildKeepsTheCachesOwnBookkeeping() {
        try (CacheEnv env = CacheEnv.open(dir, 64L << 20)) {
            env.write(w -> {
                for (long i = 1; i <= 100; i++) {
                    env.inodes.put(w.txn, inode(i, 0100644));
                    env.journal.put(w.txn, i, new byte[] {1});
                }
                env.meta.put(w.txn, MetaTable.NEXT_INO, 101);
                env.meta.put(w.txn, "journal.next", 101);
                return null;
            });
            assertEquals(60, (int) env.write(w -> env.journal.deleteBelow(w.txn, 61, 1000)));
            assertEquals(40, env.read(env.journal::count));
            env.write(w -> {
                for (JournaledDbi d : env.journaledDbis()) {
                    d.clear(w);
                }
                return null;
            });
            env.read(txn -> {
                assertNull(env.inodes.get(txn, 1));
                assertNull(env.inodes.get(txn, 100));
                assertEquals(-1, env.meta.get(txn, MetaTable.NEXT_INO, -1));
                assertEquals(101, env.meta.get(txn, "journal.next", -1));
                return null;
            });
        }
    }
}
