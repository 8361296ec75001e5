package io.quire.e2e.fsx;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import jnr.ffi.Pointer;
import jnr.ffi.byref.LongLongByReference;

/**
 * Confined to one thread. A seeded, replayable, model-based file exerciser in the manner of fsx:
 * random reads, writes, mmap reads and writes (MAP_SHARED, msync or not), truncates up and down,
 * fallocate, copy_file_range, fsync, close and reopen on two files of a mount, each checked
 * against an in-memory model of the files. Between operations the host under test can be made
 * to evict (a ballast file pushes the mount's cache past its size) and to remount (with its
 * cache kept or emptied, so that everything is read back from the servers).
 *
 * <p>The operation sequence depends on the seed alone, never on what the file system answered,
 * so a failure replays with the same seed (timing may still differ). On the first difference it
 * throws an {@link AssertionError} naming the seed, the operation, the offset and the bytes, and
 * the last {@link Options#logTail} operations. Written bytes are {@code tag ^ (offset & 0xff)},
 * with a tag per operation, so a wrong byte tells which write it came from.
 */
public final class FileExerciser {
    /** A host of the mount under test, asked between operations. */
    public interface Host {
        /**
         * Unmounts and mounts again (every file is closed first); {@code emptyCache} starts the
         * new mount with an empty cache directory.
         */
        void remount(boolean emptyCache) throws Exception;
    }

    /** A host that cannot remount (a plain directory, for checking the exerciser itself). */
    public static final Host NO_REMOUNT = emptyCache -> { };

    /**
     * Thread-safe (immutable).
     *
     * @param maxFileBytes   files never grow past this
     * @param maxOpBytes     largest single read, write or copy
     * @param pageBytes      the volume's page size: offsets are biased to its boundaries
     * @param remountEvery   a remount every this many operations (0: never); every other one
     *                       empties the cache
     * @param ballastBytes   bytes of the ballast file written (then removed) every
     *                       {@code ballastEvery} operations, to push the cache into eviction
     * @param fullCheckEvery a read of both whole files every this many operations
     */
    public record Options(long seed, long ops, int maxFileBytes, int maxOpBytes, int pageBytes, boolean mmap,
                          boolean copyRange, boolean fallocate, int remountEvery, int ballastEvery, long ballastBytes,
                          int fullCheckEvery, int logTail) {
        public static Options defaults(long seed, long ops, int pageBytes) {
            return new Options(seed, ops, 1 << 20, 128 * 1024, pageBytes, true, true, true, 0, 0, 0, 500, 60);
        }

        public Options withRemountEvery(int n) {
            return new Options(seed, ops, maxFileBytes, maxOpBytes, pageBytes, mmap, copyRange, fallocate, n,
                    ballastEvery, ballastBytes, fullCheckEvery, logTail);
        }

        public Options withBallast(int every, long bytes) {
            return new Options(seed, ops, maxFileBytes, maxOpBytes, pageBytes, mmap, copyRange, fallocate,
                    remountEvery, every, bytes, fullCheckEvery, logTail);
        }

        public Options withMmap(boolean on) {
            return new Options(seed, ops, maxFileBytes, maxOpBytes, pageBytes, on, copyRange, fallocate,
                    remountEvery, ballastEvery, ballastBytes, fullCheckEvery, logTail);
        }
    }

    /** What a run did, by operation kind. Thread-safe (immutable). */
    public record Summary(long seed, long ops, long[] counts, long[] nanos, long remounts, long bytesChecked) {
        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("seed " + seed + ": " + ops + " ops clean (");
            for (Op op : Op.values()) {
                if (counts[op.ordinal()] > 0) {
                    b.append(op.name().toLowerCase()).append(' ').append(counts[op.ordinal()])
                            .append(String.format(" %.1f s", nanos[op.ordinal()] / 1e9)).append(", ");
                }
            }
            return b.append(remounts).append(" remounts, ").append(bytesChecked >> 20).append(" MiB checked)").toString();
        }
    }

    enum Op { READ, WRITE, MAPREAD, MAPWRITE, TRUNCATE, FALLOCATE, COPY, FSYNC, FDATASYNC, REOPEN, CHECK, BALLAST, REMOUNT }

    private static final Libc C = Libc.C;
    private static final String[] NAMES = {"fsx-a", "fsx-b"};
    private static final long MAP_FAILED = -1;
    private static final long OS_PAGE = 4096;
    private static final long PROGRESS_NS = 30_000_000_000L;

    private final Path dir;
    private final Options o;
    private final Host host;
    private final java.util.function.Consumer<String> progress;
    private final SplittableRandom random;
    private final byte[][] model = new byte[NAMES.length][];
    private final int[] length = new int[NAMES.length];
    private final int[] fd = {-1, -1};
    private final ArrayDeque<String> log = new ArrayDeque<>();
    private final long[] counts = new long[Op.values().length];
    private final long[] nanos = new long[Op.values().length];
    private long remounts;
    private long bytesChecked;
    private long opNo;
    private long lastProgressNs = System.nanoTime();

    public FileExerciser(Path dir, Options options, Host host) {
        this(dir, options, host, System.out::println);
    }

    /** @param progress receives a line every 30 s of a long run */
    public FileExerciser(Path dir, Options options, Host host, java.util.function.Consumer<String> progress) {
        this.progress = progress;
        this.dir = dir;
        this.o = options;
        this.host = host;
        this.random = new SplittableRandom(options.seed());
        for (int f = 0; f < NAMES.length; f++) {
            model[f] = new byte[options.maxFileBytes()];
        }
    }

    /** Runs the operations; throws AssertionError at the first difference from the model. */
    public Summary run() throws Exception {
        for (int f = 0; f < NAMES.length; f++) {
            fd[f] = open(f, Libc.O_CREAT | Libc.O_TRUNC);
        }
        try {
            for (opNo = 1; opNo <= o.ops(); opNo++) {
                long[] before = counts.clone();
                long t0 = System.nanoTime();
                step();
                long dt = System.nanoTime() - t0;
                for (int i = 0; i < counts.length; i++) {
                    if (counts[i] != before[i]) {
                        nanos[i] += dt;
                    }
                }
                progress();
            }
            checkAll("end of run");
        } finally {
            closeAll();
        }
        return new Summary(o.seed(), o.ops(), counts.clone(), nanos.clone(), remounts, bytesChecked);
    }

    /** A line to the progress sink every {@value #PROGRESS_NS} ns of a long run. */
    private void progress() {
        long now = System.nanoTime();
        if (now - lastProgressNs >= PROGRESS_NS) {
            lastProgressNs = now;
            progress.accept(String.format("fsx: seed %d: %d of %d ops, %d remounts, %d MiB checked", o.seed(), opNo,
                    o.ops(), remounts, bytesChecked >> 20));
        }
    }

    private void step() throws Exception {
        if (o.remountEvery() > 0 && opNo % o.remountEvery() == 0) {
            remount();
            return;
        }
        if (o.ballastEvery() > 0 && opNo % o.ballastEvery() == 0) {
            ballast();
            return;
        }
        if (o.fullCheckEvery() > 0 && opNo % o.fullCheckEvery() == 0) {
            counts[Op.CHECK.ordinal()]++;
            checkAll("periodic check");
            return;
        }
        int f = random.nextInt(8) == 0 ? 1 : 0;
        int r = random.nextInt(100);
        if (r < 16) {
            read(f);
        } else if (r < 34) {
            write(f);
        } else if (r < 44) {
            if (o.mmap()) {
                mapRead(f);
            } else {
                read(f);
            }
        } else if (r < 56) {
            if (o.mmap()) {
                mapWrite(f);
            } else {
                write(f);
            }
        } else if (r < 70) {
            truncate(f);
        } else if (r < 76) {
            if (o.fallocate()) {
                fallocate(f);
            } else {
                truncate(f);
            }
        } else if (r < 86) {
            if (o.copyRange()) {
                copy();
            } else {
                write(f);
            }
        } else if (r < 90) {
            sync(f, false);
        } else if (r < 92) {
            sync(f, true);
        } else if (r < 96) {
            reopen(f);
        } else {
            read(f);
        }
    }

    // ---- operations ----

    private void read(int f) {
        if (length[f] == 0) {
            note("%s read skipped (empty)", NAMES[f]);
            return;
        }
        int off = offset(length[f] - 1);
        int len = Math.min(size(), length[f] - off);
        note("%s read 0x%x thru 0x%x (0x%x bytes)", NAMES[f], off, off + len, len);
        counts[Op.READ.ordinal()]++;
        byte[] got = new byte[len];
        long n = C.pread(fd[f], got, len, off);
        if (n != len) {
            fail(f, "pread returned " + n + " (errno " + Libc.errno() + "), want " + len);
        }
        compare(f, off, got, "read");
    }

    private void write(int f) {
        int off = offset(o.maxFileBytes() - 1);
        int len = Math.min(size(), o.maxFileBytes() - off);
        byte[] data = pattern(off, len);
        note("%s write 0x%x thru 0x%x (0x%x bytes) tag %d%s", NAMES[f], off, off + len, len, tag(),
                off > length[f] ? " HOLE" : off + len > length[f] ? " EXTEND" : "");
        counts[Op.WRITE.ordinal()]++;
        long n = C.pwrite(fd[f], data, len, off);
        if (n != len) {
            fail(f, "pwrite returned " + n + " (errno " + Libc.errno() + "), want " + len);
        }
        apply(f, off, data);
    }

    private void mapRead(int f) {
        if (length[f] == 0) {
            note("%s mapread skipped (empty)", NAMES[f]);
            return;
        }
        int off = offset(length[f] - 1);
        int len = Math.min(size(), length[f] - off);
        note("%s mapread 0x%x thru 0x%x (0x%x bytes)", NAMES[f], off, off + len, len);
        counts[Op.MAPREAD.ordinal()]++;
        checkSize(f, "before mapread"); // a mapping past the real end would be SIGBUS, not a report
        long base = off & ~(OS_PAGE - 1);
        long mapLen = off + len - base;
        Pointer p = map(f, base, mapLen, Libc.PROT_READ);
        byte[] got = new byte[len];
        p.get(off - base, got, 0, len);
        unmap(f, p, mapLen);
        compare(f, off, got, "mapread");
    }

    private void mapWrite(int f) {
        int off = offset(o.maxFileBytes() - 1);
        int len = Math.min(size(), o.maxFileBytes() - off);
        boolean sync = random.nextBoolean();
        byte[] data = pattern(off, len);
        int end = off + len;
        note("%s mapwrite 0x%x thru 0x%x (0x%x bytes) tag %d%s%s", NAMES[f], off, end, len, tag(),
                end > length[f] ? " (ftruncate up to 0x" + Integer.toHexString(end) + " first)" : "",
                sync ? " msync" : "");
        counts[Op.MAPWRITE.ordinal()]++;
        if (end > length[f]) {
            if (C.ftruncate(fd[f], end) != 0) {
                fail(f, "ftruncate before mapwrite failed, errno " + Libc.errno());
            }
            setLength(f, end);
        }
        checkSize(f, "before mapwrite");
        long base = off & ~(OS_PAGE - 1);
        long mapLen = end - base;
        Pointer p = map(f, base, mapLen, Libc.PROT_READ | Libc.PROT_WRITE);
        p.put(off - base, data, 0, len);
        if (sync && C.msync(p, mapLen, Libc.MS_SYNC) != 0) {
            fail(f, "msync failed, errno " + Libc.errno());
        }
        unmap(f, p, mapLen);
        apply(f, off, data);
    }

    private void truncate(int f) {
        int to = random.nextInt(4) == 0 ? 0 : offset(o.maxFileBytes());
        note("%s truncate %s from 0x%x to 0x%x", NAMES[f], to < length[f] ? "DOWN" : "UP", length[f], to);
        counts[Op.TRUNCATE.ordinal()]++;
        if (C.ftruncate(fd[f], to) != 0) {
            fail(f, "ftruncate to " + to + " failed, errno " + Libc.errno());
        }
        setLength(f, to);
    }

    private void fallocate(int f) {
        int off = offset(o.maxFileBytes() - 1);
        int len = Math.max(1, Math.min(size(), o.maxFileBytes() - off));
        int end = off + len;
        note("%s falloc 0x%x thru 0x%x (0x%x bytes) %s", NAMES[f], off, end, len,
                end <= length[f] ? "INTERIOR" : off >= length[f] ? "PAST_EOF" : "EXTENDING");
        counts[Op.FALLOCATE.ordinal()]++;
        if (C.fallocate(fd[f], 0, off, len) != 0) {
            fail(f, "fallocate mode 0 failed, errno " + Libc.errno());
        }
        if (end > length[f]) {
            setLength(f, end);
        }
    }

    private void copy() {
        int from = random.nextInt(4) == 0 ? 1 : 0;
        int to = random.nextInt(3) == 0 ? 1 - from : from;
        if (length[from] == 0) {
            note("copy skipped (%s empty)", NAMES[from]);
            return;
        }
        int src = offset(length[from] - 1);
        int len = Math.min(size(), length[from] - src);
        int dst = offset(o.maxFileBytes() - 1);
        len = Math.min(len, o.maxFileBytes() - dst);
        if (from == to && src < dst + len && dst < src + len) {
            dst = src + len <= o.maxFileBytes() - len ? src + len : Math.max(0, src - len);
            if (src < dst + len && dst < src + len) {
                note("copy skipped (ranges overlap)");
                return;
            }
        }
        note("copy %s 0x%x thru 0x%x to %s 0x%x (0x%x bytes)", NAMES[from], src, src + len, NAMES[to], dst, len);
        counts[Op.COPY.ordinal()]++;
        byte[] data = Arrays.copyOfRange(model[from], src, src + len);
        LongLongByReference in = new LongLongByReference(src);
        LongLongByReference out = new LongLongByReference(dst);
        long left = len;
        for (int rounds = 0; left > 0; rounds++) {
            long n = C.copy_file_range(fd[from], in, fd[to], out, left, 0);
            if (n <= 0 || rounds > 1000) {
                fail(to, "copy_file_range returned " + n + " with " + left + " bytes left, errno " + Libc.errno());
            }
            left -= n;
        }
        apply(to, dst, data);
    }

    private void sync(int f, boolean data) {
        note("%s %s", NAMES[f], data ? "fdatasync" : "fsync");
        counts[(data ? Op.FDATASYNC : Op.FSYNC).ordinal()]++;
        if ((data ? C.fdatasync(fd[f]) : C.fsync(fd[f])) != 0) {
            fail(f, (data ? "fdatasync" : "fsync") + " failed, errno " + Libc.errno());
        }
    }

    private void reopen(int f) {
        note("%s close and reopen", NAMES[f]);
        counts[Op.REOPEN.ordinal()]++;
        closeFile(f);
        fd[f] = open(f, 0);
        checkSize(f, "after reopen");
    }

    private void ballast() throws Exception {
        note("ballast: write and remove 0x%x bytes to push the cache into eviction", o.ballastBytes());
        counts[Op.BALLAST.ordinal()]++;
        Path p = dir.resolve("fsx-ballast");
        byte[] chunk = new byte[1 << 20];
        random.nextBytes(chunk);
        try (var out = Files.newOutputStream(p)) {
            for (long done = 0; done < o.ballastBytes(); done += chunk.length) {
                out.write(chunk, 0, (int) Math.min(chunk.length, o.ballastBytes() - done));
            }
        }
        Files.delete(p);
    }

    private void remount() throws Exception {
        boolean empty = remounts % 2 == 1;
        note("remount%s", empty ? " with an empty cache directory" : "");
        counts[Op.REMOUNT.ordinal()]++;
        remounts++;
        closeAll();
        host.remount(empty);
        for (int f = 0; f < NAMES.length; f++) {
            fd[f] = open(f, 0);
        }
        checkAll("after remount");
    }

    // ---- model and checks ----

    private void checkAll(String when) {
        for (int f = 0; f < NAMES.length; f++) {
            checkSize(f, when);
            byte[] got = new byte[length[f]];
            long n = C.pread(fd[f], got, length[f], 0);
            if (n != length[f]) {
                fail(f, when + ": reading the whole file returned " + n + " of " + length[f] + " bytes");
            }
            compare(f, 0, got, when);
        }
    }

    private void checkSize(int f, String when) {
        long size;
        try {
            size = Files.size(dir.resolve(NAMES[f]));
        } catch (java.io.IOException e) {
            fail(f, when + ": stat failed: " + e);
            return;
        }
        if (size != length[f]) {
            fail(f, when + ": size is 0x" + Long.toHexString(size) + ", want 0x" + Integer.toHexString(length[f]));
        }
    }

    private void compare(int f, int off, byte[] got, String what) {
        bytesChecked += got.length;
        for (int i = 0; i < got.length; i++) {
            if (got[i] != model[f][off + i]) {
                int at = off + i;
                int end = i;
                while (end < got.length && got[end] != model[f][off + end]) {
                    end++;
                }
                byte[] want = Arrays.copyOfRange(model[f], at, Math.min(at + 16, off + got.length));
                byte[] have = Arrays.copyOfRange(got, i, Math.min(i + 16, got.length));
                int tagGot = (got[i] ^ at) & 0xff;
                fail(f, String.format("%s: mismatch at 0x%x (page %d of %d bytes), 0x%x bytes differ from there%n"
                                + "  want %s%n  got  %s%n  (a written byte is tag ^ (offset & 0xff): the wrong byte"
                                + " is tag %d's, i.e. a write of an op whose number is %d mod 250)",
                        what, at, at / o.pageBytes(), o.pageBytes(), end - i, hex(want), hex(have),
                        tagGot, tagGot == 0 ? 0 : tagGot - 1));
            }
        }
    }

    private void apply(int f, int off, byte[] data) {
        if (off + data.length > length[f]) {
            setLength(f, off + data.length);
        }
        System.arraycopy(data, 0, model[f], off, data.length);
    }

    /** Cuts or grows the model: bytes past a cut are zeros when the file grows again. */
    private void setLength(int f, int n) {
        if (n < length[f]) {
            Arrays.fill(model[f], n, length[f], (byte) 0);
        }
        length[f] = n;
    }

    private int tag() {
        return (int) (opNo % 250) + 1;
    }

    private byte[] pattern(int off, int len) {
        byte[] b = new byte[len];
        int t = tag();
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (t ^ ((off + i) & 0xff));
        }
        return b;
    }

    /** An offset below {@code bound}, half the time near a page boundary of the volume. */
    private int offset(int bound) {
        if (bound <= 0) {
            return 0;
        }
        if (random.nextBoolean()) {
            int pages = bound / o.pageBytes() + 1;
            int at = random.nextInt(pages) * o.pageBytes() + random.nextInt(3) - 1;
            if (at >= 0 && at < bound) {
                return at;
            }
        }
        return random.nextInt(bound);
    }

    /** A length in [1, maxOpBytes], small ones more often. */
    private int size() {
        int max = o.maxOpBytes();
        return 1 + (random.nextInt(3) == 0 ? random.nextInt(max) : random.nextInt(Math.max(1, max / 16)));
    }

    private int open(int f, int flags) {
        int d = C.open(dir.resolve(NAMES[f]).toString(), Libc.O_RDWR | flags, 0644);
        if (d < 0) {
            fail(f, "open failed, errno " + Libc.errno());
        }
        return d;
    }

    private Pointer map(int f, long base, long len, int prot) {
        Pointer p = C.mmap(null, len, prot, Libc.MAP_SHARED, fd[f], base);
        if (p == null || p.address() == MAP_FAILED) {
            fail(f, "mmap failed, errno " + Libc.errno());
        }
        return p;
    }

    private void unmap(int f, Pointer p, long len) {
        if (C.munmap(p, len) != 0) {
            fail(f, "munmap failed, errno " + Libc.errno());
        }
    }

    private void closeFile(int f) {
        if (fd[f] >= 0) {
            C.close(fd[f]);
            fd[f] = -1;
        }
    }

    private void closeAll() {
        for (int f = 0; f < NAMES.length; f++) {
            closeFile(f);
        }
    }

    private void note(String format, Object... args) {
        if (log.size() == o.logTail()) {
            log.removeFirst();
        }
        log.addLast(String.format("%7d ", opNo) + String.format(format, args));
    }

    private void fail(int f, String what) {
        List<String> lines = new ArrayList<>(log);
        throw new AssertionError(String.format("file exerciser: seed %d, op %d, file %s (size 0x%x): %s%n"
                        + "replay: the same seed and op count (tests/fsx --seed %d --ops %d)%n"
                        + "last %d ops:%n%s", o.seed(), opNo, NAMES[f], length[f], what, o.seed(), o.ops(),
                lines.size(), String.join("\n", lines)));
    }

    private static String hex(byte[] b) {
        return HexFormat.ofDelimiter(" ").formatHex(b);
    }
}
