package io.quire.mount.journal;

import io.quire.mount.Modes;
import io.quire.mount.PosixException;
import io.quire.mount.vfs.Attr;
import io.quire.mount.vfs.Caller;
import io.quire.mount.vfs.Names;
import io.quire.mount.vfs.Vfs;
import io.quire.page.PageKey;
import io.quire.page.PageVersion;
import io.quire.page.ReservedInodes;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Confined to the JUnit thread (background threads only in the code under test). Whatever part
 * of the journal survives the loss of a host, a new mount rebuilds the state after some operation
 * of the history — never a half-applied rename — and at least the state the last fsync covered
 * (promise 3). Seeded: every run prints its seed; {@code -Dquire.test.seed=N} replays one.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CrashPrefixTest {
    private static final Caller ROOT = Caller.ROOT;
    /** Operations in the truncation test: enough for a couple of dozen 4 KiB journal pages. */
    private static final int PREFIX_OPS = 250;
    /** Journal lengths tried in the truncation test when there are more pages than this. */
    private static final int PREFIXES_TRIED_MAX = 14;
    /** Lost hosts simulated in the random-moment test, and operations before each loss at most. */
    private static final int CRASH_ROUNDS = 6;
    private static final int CRASH_OPS_MAX = 80;
    private static final int UPLOAD_DELAY_MS_MAX = 10;
    /** A tombstone no mount's write can outdo: the journal page stays gone. */
    private static final PageVersion GONE = new PageVersion(1L << 60, 0);

    @TempDir
    Path dir;

    private static long seed() {
        return Long.getLong("quire.test.seed", System.nanoTime());
    }

    @Test
    void everyLengthOfTheJournalRebuildsTheStateAfterItsLastWholeRecord() {
        long seed = seed();
        System.out.println("CrashPrefixTest truncation seed " + seed);
        Random rnd = new Random(seed);
        try (Mounts mounts = new Mounts(dir)) {
            Vfs a = mounts.mount("a", 3);
            Workload work = new Workload(rnd);
            Map<Long, SortedMap<String, String>> stateAfter = new HashMap<>();
            stateAfter.put(a.journal().currentSeq(), Tree.listing(a, false));
            for (int i = 0; i < PREFIX_OPS; i++) {
                mounts.clock.advance(1_000);
                long before = a.journal().currentSeq();
                work.metadataOp(a);
                long after = a.journal().currentSeq();
                // Most operations are one record; an unlink is two (the name goes and the inode
                // becomes an orphan, then the orphan is purged), and a state between them must
                // look the same as the one after both: a rebuilt mount purges orphans.
                SortedMap<String, String> state = Tree.listing(a, false);
                for (long seq = before + 1; seq <= after; seq++) {
                    stateAfter.put(seq, state);
                }
            }
            a.syncfs();
            mounts.crash(a);

            List<ByteBuffer> pages = new ArrayList<>();
            List<PageVersion> versions = new ArrayList<>();
            for (long p = 0; ; p++) {
                PageKey key = new PageKey(Mounts.VOLUME_ID, ReservedInodes.JOURNAL, p);
                Optional<ByteBuffer> page = mounts.journalPage(p);
                if (page.isEmpty()) {
                    break;
                }
                pages.add(page.get());
                versions.add(mounts.cluster.stored(key).orElseThrow().version());
            }
            assertTrue(pages.size() >= 3, "a journal of several pages: " + pages.size() + " (seed " + seed + ")");
            TreeSet<Integer> lengths = new TreeSet<>(List.of(1, pages.size()));
            while (lengths.size() < Math.min(pages.size(), PREFIXES_TRIED_MAX)) {
                lengths.add(1 + rnd.nextInt(pages.size()));
            }
            for (int k : lengths) {
                for (int p = 0; p < pages.size(); p++) {
                    PageKey key = new PageKey(Mounts.VOLUME_ID, ReservedInodes.JOURNAL, p);
                    if (p < k) {
                        byte[] bytes = new byte[pages.get(p).remaining()];
                        pages.get(p).duplicate().get(bytes);
                        mounts.cluster.put(key, versions.get(p), bytes);
                    } else {
                        mounts.cluster.delete(key, GONE).join();
                    }
                }
                long whole = lastWholeRecord(pages.subList(0, k));
                Vfs b = mounts.mount("b" + k, 4);
                long applied = b.journal().rebuiltThrough();
                assertEquals(whole, applied, "first " + k + " pages: records up to the last whole one (seed " + seed + ")");
                assertEquals(stateAfter.get(applied), Tree.listing(b, false),
                        "first " + k + " pages rebuild the state after record " + applied + " (seed " + seed + ")");
                mounts.close(b);
            }
        }
    }

    /** The seq of the last record whose last fragment lies in these pages. */
    private static long lastWholeRecord(List<ByteBuffer> pages) {
        long last = 0;
        for (int p = 0; p < pages.size(); p++) {
            JournalPage.Parsed parsed = JournalPage.parse(pages.get(p), Mounts.VOLUME_ID, p, Mounts.PAGE);
            for (JournalPage.Fragment f : parsed.fragments()) {
                if (f.endsRecord()) {
                    last = f.seq();
                }
            }
        }
        return last;
    }

    @Test
    void aHostLostAtARandomMomentLeavesAPrefixThatHoldsEveryFsync() {
        long base = seed();
        for (int round = 0; round < CRASH_ROUNDS; round++) {
            long seed = base + round;
            System.out.println("CrashPrefixTest crash seed " + seed);
            try (Mounts mounts = new Mounts(dir.resolve("round" + round))) {
                crashOnce(mounts, new Random(seed), seed);
            }
        }
    }

    private void crashOnce(Mounts mounts, Random rnd, long seed) {
        Vfs a = mounts.mount("a", 3);
        // Every answer of the cluster takes a few ms: the journal trails the operations, so the
        // host is lost with records and pages on the way.
        mounts.cluster.delay(1 + rnd.nextInt(UPLOAD_DELAY_MS_MAX));
        Workload work = new Workload(rnd);
        List<SortedMap<String, String>> states = new ArrayList<>();
        Map<Long, byte[]> content = new HashMap<>();
        Map<Long, byte[]> synced = new HashMap<>();
        int lastSync = 0;
        states.add(Tree.listing(a, false));
        int ops = 1 + rnd.nextInt(CRASH_OPS_MAX);
        // Half the time the network goes first: from some call on nothing more leaves the host
        // (so no fsync can complete), and the operations go on in the cache until it dies.
        int partitionAt = rnd.nextBoolean() ? rnd.nextInt(ops) : ops;
        for (int i = 0; i < ops; i++) {
            mounts.clock.advance(1_000);
            if (i == partitionAt) {
                mounts.view(a).hold(k -> true);
            }
            int kind = rnd.nextInt(i < partitionAt ? 10 : 9);
            if (kind < 6) {
                work.metadataOp(a);
            } else if (kind < 9) {
                // open(O_CREAT) and write() are two calls: the state between them is history too
                writeSome(a, rnd, content, synced, () -> states.add(Tree.listing(a, false)));
            } else {
                Long ino = fsyncSome(a, rnd);
                if (ino != null) {
                    synced.put(ino, content.getOrDefault(ino, new byte[0]).clone());
                    lastSync = states.size() - 1;
                }
            }
            states.add(Tree.listing(a, false));
        }
        mounts.crash(a);
        mounts.cluster.delay(0);

        Vfs b = mounts.mount("b", 4);
        SortedMap<String, String> rebuilt = Tree.listing(b, false);
        int match = states.lastIndexOf(rebuilt);
        System.out.println("CrashPrefixTest: rebuilt the state after call " + match + " of " + (states.size() - 1)
                + ", the last fsync covered call " + lastSync + (partitionAt < ops ? ", partitioned after operation "
                + partitionAt : ""));
        assertTrue(match >= 0, "the rebuilt tree is the state after some operation (seed " + seed + ")\n" + rebuilt);
        assertTrue(match >= lastSync, "the rebuilt state " + match + " holds the fsync after state " + lastSync
                + " (seed " + seed + ")");
        for (Map.Entry<Long, byte[]> e : synced.entrySet()) {
            Attr attr;
            try {
                attr = b.getattr(e.getKey());
            } catch (PosixException gone) {
                continue; // removed later, and the removal survived
            }
            assertTrue(Modes.isRegular(attr.mode()));
            assertEquals(e.getValue().length, attr.size(), "fsynced size of inode " + e.getKey() + " (seed " + seed + ")");
            assertArrayEquals(e.getValue(), Tree.read(b, e.getKey()), "fsynced data of inode " + e.getKey()
                    + " (seed " + seed + ")");
        }
    }

    /** Writes a few random bytes into one of a few files, creating it if need be. */
    private static void writeSome(Vfs v, Random rnd, Map<Long, byte[]> content, Map<Long, byte[]> synced,
                                  Runnable created) {
        String path = "/data" + rnd.nextInt(3);
        Vfs.Opened o;
        try {
            o = v.create(ROOT, Vfs.ROOT_INO, Names.of(path.substring(1)), 0644, Modes.O_RDWR | Modes.O_CREAT);
        } catch (PosixException e) {
            return;
        }
        created.run();
        try {
            long ino = o.attr().ino();
            byte[] old = content.getOrDefault(ino, new byte[0]);
            byte[] now = Arrays.copyOf(old, (int) Math.max(old.length, o.attr().size()));
            int off = rnd.nextInt(3 * Mounts.PAGE);
            byte[] data = new byte[1 + rnd.nextInt(2 * Mounts.PAGE)];
            rnd.nextBytes(data);
            v.write(ROOT, o.fh(), off, data, 0, data.length);
            if (now.length < off + data.length) {
                now = Arrays.copyOf(now, off + data.length);
            }
            System.arraycopy(data, 0, now, off, data.length);
            content.put(ino, now);
            synced.remove(ino); // changed since its last fsync
        } finally {
            v.release(o.fh());
        }
    }

    /** fsyncs one of the data files if it exists; returns its inode. */
    private static Long fsyncSome(Vfs v, Random rnd) {
        long ino;
        try {
            ino = Tree.ino(v, "/data" + rnd.nextInt(3));
        } catch (PosixException e) {
            return null;
        }
        long fh = v.open(ROOT, ino, Modes.O_RDONLY);
        try {
            v.fsync(fh, false);
        } finally {
            v.release(fh);
        }
        return ino;
    }
}
