package io.quire.mount.journal;

import io.quire.mount.Modes;
import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.DirTable;
import io.quire.mount.store.Inode;
import io.quire.mount.store.MetaTable;
import io.quire.mount.vfs.Caller;
import io.quire.mount.vfs.Names;
import io.quire.mount.vfs.Vfs;
import io.quire.page.PageKey;
import io.quire.page.ReservedInodes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.SortedMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static io.quire.mount.journal.Tree.mkdir;
import static io.quire.mount.journal.Tree.utf8;
import static io.quire.mount.journal.Tree.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Confined to the JUnit thread (background threads only in the code under test). A mount with an
 * empty cache rebuilds the tree from the journal and checkpoints other mounts left on the
 * servers (promise 3), and a journal kept in a closed cache goes out after the next start.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RebuildTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Caller ROOT = Caller.ROOT;
    @TempDir
    Path dir;
    Mounts mounts;

    @BeforeEach
    void start() {
        mounts = new Mounts(dir);
    }

    @AfterEach
    void stop() {
        mounts.close();
    }

    private static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A bit of everything a tree can hold, built through the POSIX layer. */
    private void buildTree(Vfs v) {
        mkdir(v, "/d");
        mkdir(v, "/d/e");
        mkdir(v, "/gone");
        write(v, "/d/f", random(1, 3 * Mounts.PAGE + 500));
        write(v, "/g", utf8("hello"));
        write(v, "/h", random(2, 10 * Mounts.PAGE));
        Tree.rename(v, "/d/f", "/d/e/f2", 0);
        v.link(ROOT, Tree.ino(v, "/d/e/f2"), Vfs.ROOT_INO, Names.of("hard"));
        v.symlink(ROOT, Names.of("d/e/f2"), Vfs.ROOT_INO, Names.of("s"));
        v.setxattr(ROOT, Tree.ino(v, "/g"), "user.color", utf8("blue"), 0);
        v.setxattr(ROOT, Tree.ino(v, "/d"), "trusted.big", random(3, 6000), 0);
        v.chmod(ROOT, Tree.ino(v, "/g"), 0600);
        v.chown(ROOT, Tree.ino(v, "/g"), 1000, 100);
        v.truncate(ROOT, Tree.ino(v, "/h"), 2 * Mounts.PAGE + 7);
        v.truncate(ROOT, Tree.ino(v, "/g"), 3 * Mounts.PAGE); // grows: a hole after "hello"
        v.mknod(ROOT, Vfs.ROOT_INO, Names.of("fifo"), Modes.S_IFIFO | 0640, 0);
        write(v, "/tmp", utf8("short-lived"));
        v.unlink(ROOT, Vfs.ROOT_INO, Names.of("tmp"));
        v.rmdir(ROOT, Vfs.ROOT_INO, Names.of("gone"));
        Tree.rename(v, "/g", "/d/e/f2", Modes.RENAME_EXCHANGE);
        long fh = v.open(ROOT, Tree.ino(v, "/h"), Modes.O_RDWR);
        v.write(ROOT, fh, 40L * Mounts.PAGE, utf8("far"), 0, 3); // sparse
        v.release(fh);
        v.removexattr(ROOT, Tree.ino(v, "/d/e/f2"), "user.color");
    }

    @Test
    void aFreshCacheRebuildsTheWholeTreeAfterTheHostIsLost() {
        Vfs a = mounts.mount("a", 3);
        buildTree(a);
        a.syncfs();
        SortedMap<String, String> live = Tree.listing(a, true);
        var statfs = a.statfs();
        mounts.crash(a);

        Vfs b = mounts.mount("b", 4);
        assertEquals(live, Tree.listing(b, true));
        assertEquals(statfs, b.statfs(), "counters (used bytes, live inodes) come back too");
        assertArrayEquals(utf8("hello"), Arrays.copyOf(Tree.read(b, Tree.ino(b, "/d/e/f2")), 5));
        // The rebuilt mount goes on: new inode numbers above every old one, new records durable.
        long next = mkdir(b, "/new");
        assertTrue(live.values().stream().noneMatch(d -> d.startsWith("ino=" + next + " ")));
        b.syncfs();
    }

    /** Names are bytes in the journal and in the rebuilt tree: nothing decodes them on the way. */
    @Test
    void namesThatAreNotUtf8SurviveARebuild() {
        Vfs a = mounts.mount("a", 3);
        byte[] x80 = {(byte) 0x80, 'X'};
        byte[] x81 = {(byte) 0x81, 'X'};
        byte[] longName = new byte[255];
        Arrays.fill(longName, (byte) 0xff);
        byte[] target = {'t', '/', (byte) 0xc3, '(', '/', 'x'};
        a.release(a.create(ROOT, Vfs.ROOT_INO, x80, 0644, Modes.O_WRONLY | Modes.O_CREAT).fh());
        long dir = a.mkdir(ROOT, Vfs.ROOT_INO, x81, 0755).ino();
        a.release(a.create(ROOT, dir, longName, 0644, Modes.O_WRONLY | Modes.O_CREAT).fh());
        a.symlink(ROOT, target, dir, x80);
        long file = a.lookup(ROOT, Vfs.ROOT_INO, x80);
        a.syncfs();
        mounts.crash(a);

        Vfs b = mounts.mount("b", 4);
        assertEquals(file, b.lookup(ROOT, Vfs.ROOT_INO, x80));
        assertEquals(dir, b.lookup(ROOT, Vfs.ROOT_INO, x81), "0x80 and 0x81 name two entries");
        b.lookup(ROOT, dir, longName);
        assertArrayEquals(target, b.readlink(b.lookup(ROOT, dir, x80)));
        java.util.List<byte[]> names = new java.util.ArrayList<>();
        b.readdir(Vfs.ROOT_INO, 2, e -> names.add(e.name()));
        assertEquals(2, names.size());
        assertTrue(names.stream().anyMatch(n -> Arrays.equals(n, x80)) && names.stream().anyMatch(n -> Arrays.equals(n, x81)));
    }

    @Test
    void rebuildAfterCheckpointsEqualsTheLiveTreeAndTheOldJournalIsDeleted() throws Exception {
        Vfs a = mounts.mount("a", 3, JournalConfig.defaults().withCheckpointAfterPages(2), x -> x);
        for (int i = 0; i < 120; i++) {
            long ino = write(a, "/f" + i, utf8("file " + i));
            a.setxattr(ROOT, ino, "user.n", utf8("n".repeat(i)), 0);
            if (i == 59) {
                // Half way: once the journal is uploaded, its full pages start a checkpoint by themselves.
                a.syncfs();
                await().atMost(WAIT).until(() -> a.journal().checkpointGeneration() >= 1);
            }
        }
        a.syncfs();
        long generation = a.journal().checkpoint().get(30, TimeUnit.SECONDS);
        assertTrue(generation >= 2, "several checkpoints ran, the last on demand: " + generation);
        Superblock sb = mounts.superblock().orElseThrow();
        assertTrue(sb.generation() >= generation);
        // Trimmed: every journal page before the start and the other area are gone.
        await().atMost(WAIT).until(() -> {
            Superblock s = mounts.superblock().orElseThrow();
            for (long p = 0; p < s.journalStart(); p++) {
                if (mounts.journalPage(p).isPresent()) {
                    return false;
                }
            }
            long other = Superblock.areaOf(s.generation() + 1);
            for (long p = 0; p < 64; p++) {
                if (mounts.stored(other, p).isPresent()) {
                    return false;
                }
            }
            return s.journalStart() > 0;
        });
        // More operations after the last checkpoint are replayed from the journal.
        Tree.rename(a, "/f1", "/f2", 0);
        a.unlink(ROOT, Vfs.ROOT_INO, Names.of("f3"));
        mkdir(a, "/after");
        Vfs b = mounts.crashAndRebuild(a, "b", 4);
        assertEquals(mounts.superblock().orElseThrow().generation(), b.journal().checkpointGeneration());
    }

    @Test
    void recordsKeptInAClosedCacheGoOutAfterItReopens() {
        JournalConfig quickClose = JournalConfig.defaults().withCloseFlushMs(300);
        Vfs a = mounts.mount("a", 3, quickClose, x -> x);
        await().atMost(WAIT).until(() -> a.journal().durableSeq() == a.journal().currentSeq());
        long before = a.journal().durableSeq();
        mounts.view(a).hold(k -> true); // from now on nothing reaches the cluster
        buildTree(a);
        SortedMap<String, String> live = Tree.listing(a, false);
        long last = a.journal().currentSeq();
        mounts.close(a);
        assertEquals(before, a.journal().durableSeq());
        PageKey page0 = new PageKey(Mounts.VOLUME_ID, ReservedInodes.JOURNAL, 0);
        assertEquals(before, mounts.cluster.stored(page0).orElseThrow().version().seq(), "nothing more was uploaded");

        Vfs again = mounts.mount("a", 4); // the same cache, as the daemon reopens it with the next lease
        assertEquals(live, Tree.listing(again, false));
        await().atMost(WAIT).until(() -> again.journal().durableSeq() >= last && again.dirtyPages() == 0);
        SortedMap<String, String> full = Tree.listing(again, true);
        mounts.crash(again);

        Vfs b = mounts.mount("b", 5);
        assertEquals(full, Tree.listing(b, true));
    }

    @Test
    void aRebuiltMountContinuesTheJournalForTheNextOne() {
        Vfs a = mounts.mount("a", 3);
        buildTree(a);
        a.syncfs();
        mounts.crash(a);
        Vfs b = mounts.mount("b", 4);
        Tree.rename(b, "/d/e", "/moved", 0);
        write(b, "/moved/new", random(9, 5 * Mounts.PAGE));
        b.unlink(ROOT, Vfs.ROOT_INO, Names.of("hard"));
        mounts.crashAndRebuild(b, "c", 5);
    }

    @Test
    void aRecordWhoseLastPagesWereLostIsLeftOutAndItsNumberReused() {
        Vfs a = mounts.mount("a", 3);
        mkdir(a, "/d");
        a.syncfs();
        long firstHeld = mounts.journalPagesPresent(1_000) + 1;
        mounts.view(a).hold(k -> k.inode() == ReservedInodes.JOURNAL && k.pageIndex() >= firstHeld);
        // A 60 KB value spans about fifteen 4 KiB journal pages: the first ones land, the rest not.
        a.setxattr(ROOT, Tree.ino(a, "/d"), "user.big", random(4, 60_000), 0);
        await().atMost(WAIT).until(() -> mounts.view(a).heldCount() > 0);
        assertTrue(mounts.journalPage(firstHeld - 1).isPresent());
        mounts.crash(a);

        Vfs b = mounts.mount("b", 4);
        assertEquals(0, b.listxattr(ROOT, Tree.ino(b, "/d"), null), "the half-written record is not applied");
        b.setxattr(ROOT, Tree.ino(b, "/d"), "user.small", utf8("x"), 0);
        mkdir(b, "/after");
        mounts.crashAndRebuild(b, "c", 5);
    }

    @Test
    void anOpenUnlinkedFileIsPurgedByTheRebuiltMount() {
        Vfs a = mounts.mount("a", 3);
        long ino = write(a, "/open", random(5, 4 * Mounts.PAGE));
        a.syncfs();
        long fh = a.open(ROOT, ino, Modes.O_RDONLY);
        a.unlink(ROOT, Vfs.ROOT_INO, Names.of("open"));
        a.syncfs(); // the orphan is durable; its handle dies with the host
        long liveInodes = a.statfs().files() - a.statfs().filesFree();
        mounts.crash(a);

        Vfs b = mounts.mount("b", 4);
        assertEquals(liveInodes - 1, b.statfs().files() - b.statfs().filesFree());
        await().atMost(WAIT).until(() -> mounts.cluster.livePages(Mounts.VOLUME_ID, ino).isEmpty());
        assertEquals(0, a.getattr(ino).nlink(), "still open on the lost host");
        a.release(fh);
    }

    @Test
    void aCacheMadeBeforeTheJournalIsCheckpointedWhole() throws Exception {
        // A cache as the mount wrote it before the journal existed: root and one directory, no
        // journal state, nothing on the servers.
        try (CacheEnv env = CacheEnv.open(dir.resolve("old"), 64L << 20)) {
            env.write(w -> {
                env.meta.put(w.txn, MetaTable.FORMAT, 1);
                env.meta.put(w.txn, MetaTable.VOLUME_ID, Mounts.VOLUME_ID);
                env.meta.put(w.txn, MetaTable.PAGE_SIZE, Mounts.PAGE);
                env.meta.put(w.txn, MetaTable.NEXT_INO, 3);
                env.meta.put(w.txn, MetaTable.LIVE_INODES, 2);
                Inode root = directory(Vfs.ROOT_INO, 3);
                Inode d = directory(2, 2);
                d.parent = Vfs.ROOT_INO;
                env.dirs.add(w.txn, root, utf8("kept"), 2, Modes.S_IFDIR);
                env.inodes.put(w.txn, root);
                env.inodes.put(w.txn, d);
                return null;
            });
        }
        Vfs a = mounts.mount("old", 3);
        assertTrue(a.journal().checkpoint().get(30, TimeUnit.SECONDS) >= 1);
        mkdir(a, "/kept/new");
        a.syncfs();
        SortedMap<String, String> live = Tree.listing(a, true);
        assertEquals(2, live.size() - 1);
        mounts.crash(a);

        Vfs b = mounts.mount("b", 4);
        assertEquals(live, Tree.listing(b, true));
    }

    private static Inode directory(long ino, int nlink) {
        Inode n = new Inode(ino);
        n.mode = Modes.S_IFDIR | 0755;
        n.nlink = nlink;
        n.parent = ino;
        n.nextCookie = DirTable.FIRST_COOKIE;
        return n;
    }

    @Test
    void aRebuildNeedsANewerEpochThanTheMetadataOnTheServers() {
        Vfs a = mounts.mount("a", 3);
        mkdir(a, "/d");
        a.syncfs();
        mounts.crash(a);
        assertThrows(IllegalStateException.class, () -> mounts.mount("b", 3));
        assertThrows(IllegalStateException.class, () -> mounts.mount("c", 2));
        Vfs d = mounts.mount("d", 4); // the failed attempts left nothing half-done behind
        Tree.ino(d, "/d");
    }
}
