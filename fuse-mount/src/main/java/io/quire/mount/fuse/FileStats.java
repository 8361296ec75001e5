package io.quire.mount.fuse;

import io.quire.mount.vfs.Attr;
import io.quire.mount.vfs.StatFs;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.Statvfs;

/**
 * Thread-safe (stateless after class load). Copies POSIX-layer attributes into the native structs
 * libfuse hands us.
 *
 * <p>{@code struct stat} is filled on every getattr, the most frequent callback. jnr-fuse's
 * {@link FileStat} builds a Java object per field for each struct, so when its layout is glibc's
 * x86-64 one ({@link #RAW_STAT}, checked once at class load by writing each field through
 * jnr-fuse and reading it back at the expected offset) the fields are written straight into the
 * memory; otherwise through {@link FileStat}. libfuse zeroes the struct before the call.
 */
final class FileStats {
    private static final long NS_PER_S = 1_000_000_000L;
    // glibc x86-64 struct stat: offsets of the fields we set (the struct is 144 bytes).
    private static final int INO = 8;
    private static final int NLINK = 16;
    private static final int MODE = 24;
    private static final int UID = 28;
    private static final int GID = 32;
    private static final int RDEV = 40;
    private static final int SIZE = 48;
    private static final int BLKSIZE = 56;
    private static final int BLOCKS = 64;
    private static final int ATIME = 72;
    private static final int MTIME = 88;
    private static final int CTIME = 104;
    private static final int STAT_BYTES = 144;
    /** True when jnr-fuse lays FileStat out as above. */
    static final boolean RAW_STAT = layoutIsGlibcX86();

    private FileStats() {
    }

    private static boolean layoutIsGlibcX86() {
        try {
            Runtime rt = Runtime.getSystemRuntime();
            if (rt.addressSize() != 8) {
                return false;
            }
            Pointer mem = rt.getMemoryManager().allocateDirect(512, true);
            fill(FileStat.of(mem), new Attr(0x0101010101L, 0x0202, 0x0303, 0x0404, 0x0505, 0x0606060606L,
                    0x0707070707L, 0x0808080808L, 0x09090909L * NS_PER_S + 11, 0x0a0a0a0aL * NS_PER_S + 12,
                    0x0b0b0b0bL * NS_PER_S + 13), 0x0c0c);
            return mem.getLong(INO) == 0x0101010101L && mem.getInt(MODE) == 0x0202 && mem.getLong(NLINK) == 0x0303
                    && mem.getInt(UID) == 0x0404 && mem.getInt(GID) == 0x0505 && mem.getLong(RDEV) == 0x0606060606L
                    && mem.getLong(SIZE) == 0x0707070707L && mem.getLong(BLKSIZE) == 0x0c0c
                    && mem.getLong(BLOCKS) == 0x0808080808L && mem.getLong(ATIME) == 0x09090909L
                    && mem.getLong(ATIME + 8) == 11 && mem.getLong(MTIME) == 0x0a0a0a0aL && mem.getLong(MTIME + 8) == 12
                    && mem.getLong(CTIME) == 0x0b0b0b0bL && mem.getLong(CTIME + 8) == 13
                    && mem.getLong(STAT_BYTES) == 0;
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** Fills the {@code struct stat} at {@code stat}. */
    static void fill(Pointer stat, Attr a, int blockSize) {
        if (!RAW_STAT) {
            fill(FileStat.of(stat), a, blockSize);
            return;
        }
        stat.putLong(INO, a.ino());
        stat.putLong(NLINK, a.nlink());
        stat.putInt(MODE, a.mode());
        stat.putInt(UID, a.uid());
        stat.putInt(GID, a.gid());
        stat.putLong(RDEV, a.rdev());
        stat.putLong(SIZE, a.size());
        stat.putLong(BLKSIZE, blockSize);
        stat.putLong(BLOCKS, a.blocks());
        stat.putLong(ATIME, Math.floorDiv(a.atimeNs(), NS_PER_S));
        stat.putLong(ATIME + 8, Math.floorMod(a.atimeNs(), NS_PER_S));
        stat.putLong(MTIME, Math.floorDiv(a.mtimeNs(), NS_PER_S));
        stat.putLong(MTIME + 8, Math.floorMod(a.mtimeNs(), NS_PER_S));
        stat.putLong(CTIME, Math.floorDiv(a.ctimeNs(), NS_PER_S));
        stat.putLong(CTIME + 8, Math.floorMod(a.ctimeNs(), NS_PER_S));
    }

    static void fill(FileStat st, Attr a, int blockSize) {
        st.st_ino.set(a.ino());
        st.st_mode.set(a.mode());
        st.st_nlink.set(a.nlink());
        st.st_uid.set(a.uid());
        st.st_gid.set(a.gid());
        st.st_rdev.set(a.rdev());
        st.st_size.set(a.size());
        st.st_blksize.set(blockSize);
        st.st_blocks.set(a.blocks());
        st.st_atim.tv_sec.set(Math.floorDiv(a.atimeNs(), NS_PER_S));
        st.st_atim.tv_nsec.set(Math.floorMod(a.atimeNs(), NS_PER_S));
        st.st_mtim.tv_sec.set(Math.floorDiv(a.mtimeNs(), NS_PER_S));
        st.st_mtim.tv_nsec.set(Math.floorMod(a.mtimeNs(), NS_PER_S));
        st.st_ctim.tv_sec.set(Math.floorDiv(a.ctimeNs(), NS_PER_S));
        st.st_ctim.tv_nsec.set(Math.floorMod(a.ctimeNs(), NS_PER_S));
    }

    static void fill(Statvfs st, StatFs s) {
        st.f_bsize.set(s.blockSize());
        st.f_frsize.set(s.fragmentSize());
        st.f_blocks.set(s.blocks());
        st.f_bfree.set(s.blocksFree());
        st.f_bavail.set(s.blocksAvailable());
        st.f_files.set(s.files());
        st.f_ffree.set(s.filesFree());
        st.f_favail.set(s.filesFree());
        st.f_namemax.set(s.nameMax());
    }
}
