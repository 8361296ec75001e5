package io.quire.mount.testing;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quire.mount.Errno;
import io.quire.mount.Modes;
import io.quire.mount.MountConfig;
import io.quire.mount.PosixException;
import io.quire.mount.journal.JournalConfig;
import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.MetaTable;
import io.quire.mount.vfs.Caller;
import io.quire.mount.vfs.DirEntry;
import io.quire.mount.vfs.Names;
import io.quire.mount.vfs.Vfs;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Confined to the test thread (the Vfs itself is thread-safe). A {@link Vfs} over an in-memory
 * cluster in a temp directory, with path helpers for tests.
 */
public final class VfsFixture implements AutoCloseable {
    public static final long VOLUME_ID = 7;
    public static final long EPOCH = 3;

    public final InMemoryReplicatedPages replicas = new InMemoryReplicatedPages();
    public final ManualClock clock = new ManualClock();
    public final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    public final MountConfig config;
    private final JournalConfig journalConfig;
    public Vfs vfs;

    public VfsFixture(Path cacheDir) {
        this(cacheDir, b -> b);
    }

    public VfsFixture(Path cacheDir, UnaryOperator<MountConfig.Builder> tune) {
        this(cacheDir, tune, JournalConfig.defaults());
    }

    public VfsFixture(Path cacheDir, UnaryOperator<MountConfig.Builder> tune, JournalConfig journalConfig) {
        this.journalConfig = journalConfig;
        MountConfig.Builder b = MountConfig.builder(VOLUME_ID, "test", EPOCH, cacheDir)
                .pageSizeBytes(4096)
                .cacheBytesMax(64L << 20)
                .dirtyBytesMax(16L << 20)
                .fsyncTimeoutMs(20_000)
                .readTimeoutMs(20_000)
                .dirtyWaitMs(20_000)
                .retryBackoffMaxMs(50)
                .writebackDelayMs(0) // every page due at once; WriteBackTest tunes the delay
                .clockNs(clock);
        config = tune.apply(b).build();
        vfs = Vfs.open(config, replicas, registry, journalConfig);
    }

    /** Closes the Vfs (as a daemon stop would) and opens it again on the same cache. */
    public void reopen() {
        vfs.close();
        vfs = Vfs.open(config, replicas, registry, journalConfig);
    }

    /**
     * Reopens the cache as a mount started after a crash of this one finds it. Call it after a
     * write failed between its two commits ({@link Vfs#betweenCacheCommits}): the disk then holds
     * what a crash at that point leaves. The Vfs is closed first (its threads must stop), and the
     * cache is marked as not closed cleanly again, as a crash leaves it.
     */
    public void crashAndReopen() {
        vfs.close();
        try (CacheEnv env = CacheEnv.open(config.cacheDir(), 64L << 20)) {
            env.write(w -> {
                env.meta.put(w.txn, MetaTable.OPEN, 1);
                return null;
            });
        }
        vfs = Vfs.open(config, replicas, registry, journalConfig);
    }

    /** The file as the replicas hold it (pages concatenated, holes as zeros), cut to {@code size}. */
    public byte[] remoteFile(long ino, long size) {
        int ps = config.pageSizeBytes();
        byte[] out = new byte[(int) size];
        replicas.livePages(VOLUME_ID, ino).forEach((idx, data) -> {
            long at = idx * ps;
            if (at < size) {
                System.arraycopy(data, 0, out, (int) at, (int) Math.min(data.length, size - at));
            }
        });
        return out;
    }

    public long ino(String path) {
        return vfs.resolve(Caller.ROOT, Names.of(path));
    }

    public long parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return ino(slash <= 0 ? "/" : path.substring(0, slash));
    }

    public static String nameOf(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    public long mkdir(String path) {
        return vfs.mkdir(Caller.ROOT, parentOf(path), Names.of(nameOf(path)), 0755).ino();
    }

    /** Creates (or truncates) a file with these bytes as root, mode 0644. */
    public long write(String path, byte[] data) {
        return write(Caller.ROOT, path, data);
    }

    public long write(Caller c, String path, byte[] data) {
        Vfs.Opened o = vfs.create(c, parentOf(path), Names.of(nameOf(path)), 0644, Modes.O_WRONLY | Modes.O_CREAT | Modes.O_TRUNC);
        try {
            assertEquals(data.length, vfs.write(c, o.fh(), 0, data, 0, data.length));
        } finally {
            vfs.release(o.fh());
        }
        return o.attr().ino();
    }

    public byte[] read(String path) {
        return read(Caller.ROOT, path);
    }

    public byte[] read(Caller c, String path) {
        long fh = vfs.open(c, ino(path), Modes.O_RDONLY);
        try {
            return readAll(fh);
        } finally {
            vfs.release(fh);
        }
    }

    public byte[] readAll(long fh) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[50_000];
        long off = 0;
        for (int i = 0; i < 100_000; i++) {
            int n = vfs.read(fh, off, buf, 0, buf.length);
            if (n == 0) {
                return out.toByteArray();
            }
            out.write(buf, 0, n);
            off += n;
        }
        throw new AssertionError("file too long for a test");
    }

    public List<String> list(String path) {
        List<String> names = new ArrayList<>();
        long dh = vfs.opendir(Caller.ROOT, ino(path));
        vfs.readdir(dh, 0, e -> names.add(Names.show(e.name())));
        return names;
    }

    public List<DirEntry> entries(long dirIno, long offset, int max) {
        List<DirEntry> out = new ArrayList<>();
        vfs.readdir(dirIno, offset, e -> {
            out.add(e);
            return out.size() < max;
        });
        return out;
    }

    public static void assertErrno(Errno expected, Executable op) {
        PosixException e = assertThrows(PosixException.class, op);
        assertEquals(expected, e.errno(), e.getMessage());
    }

    @Override
    public void close() {
        try {
            vfs.close();
        } finally {
            replicas.close();
        }
    }
}
