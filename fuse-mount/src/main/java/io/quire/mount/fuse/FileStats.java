package io.quire.mount.fuse;

import io.quire.mount.vfs.Attr;
import io.quire.mount.vfs.StatFs;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.Statvfs;

/**
 * Thread-safe (stateless). Copies POSIX-layer attributes into jnr-fuse's native structs.
 */
final class FileStats {
    private static final long NS_PER_S = 1_000_000_000L;

    private FileStats() {
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
