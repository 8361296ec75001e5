package io.quire.mount.store;

import io.quire.mount.Modes;
import java.nio.ByteBuffer;

/**
 * Not thread-safe: a value read in one transaction, changed, and written back in the same one. One
 * inode as stored in the {@code inode} DBI.
 *
 * <p>Encoding (big-endian, {@value #ENCODED_BYTES} bytes): format u8 = 2; mode, uid, gid, nlink
 * u32; rdev, size, atime, mtime, ctime (ns since the epoch), parent (directories: the inode of
 * "..", 0 otherwise), nextCookie (directories: the next readdir position to hand out), allocated
 * (regular files: bytes of the pages holding data, a whole page each, see {@link ExtentTable})
 * u64. Format 1, written before pages were counted, is the same without {@code allocated}: it
 * reads as {@link #ALLOCATED_UNKNOWN} until the mount's start-up upgrade counts them.
 */
public final class Inode {
    public static final int ENCODED_BYTES = 1 + 4 * Integer.BYTES + 8 * Long.BYTES;
    private static final int FORMAT_1_BYTES = ENCODED_BYTES - Long.BYTES;
    private static final byte FORMAT = 2;
    private static final byte FORMAT_1 = 1;
    /** {@link #allocated} of a record written before pages were counted. */
    public static final long ALLOCATED_UNKNOWN = -1;

    public final long ino;
    public int mode;
    public int uid;
    public int gid;
    public int nlink;
    public long rdev;
    public long size;
    public long atimeNs;
    public long mtimeNs;
    public long ctimeNs;
    public long parent;
    public long nextCookie;
    /** Regular files: bytes of the pages holding data (page size × pages), what the file uses. */
    public long allocated;

    public Inode(long ino) {
        this.ino = ino;
    }

    public boolean isDir() {
        return Modes.isDir(mode);
    }

    public boolean isRegular() {
        return Modes.isRegular(mode);
    }

    public int type() {
        return Modes.type(mode);
    }

    public void touchMtimeCtime(long nowNs) {
        mtimeNs = nowNs;
        ctimeNs = nowNs;
    }

    void encode(ByteBuffer b) {
        b.put(0, FORMAT);
        int p = 1;
        b.putInt(p, mode).putInt(p + 4, uid).putInt(p + 8, gid).putInt(p + 12, nlink);
        p += 16;
        b.putLong(p, rdev).putLong(p + 8, size).putLong(p + 16, atimeNs).putLong(p + 24, mtimeNs)
                .putLong(p + 32, ctimeNs).putLong(p + 40, parent).putLong(p + 48, nextCookie).putLong(p + 56, allocated);
    }

    static Inode decode(long ino, ByteBuffer b) {
        boolean current = b.remaining() == ENCODED_BYTES && b.get(0) == FORMAT;
        if (!current && !(b.remaining() == FORMAT_1_BYTES && b.get(0) == FORMAT_1)) {
            throw new IllegalStateException("inode " + ino + ": unknown record format (" + b.remaining() + " bytes)");
        }
        Inode n = new Inode(ino);
        int p = 1;
        n.mode = b.getInt(p);
        n.uid = b.getInt(p + 4);
        n.gid = b.getInt(p + 8);
        n.nlink = b.getInt(p + 12);
        p += 16;
        n.rdev = b.getLong(p);
        n.size = b.getLong(p + 8);
        n.atimeNs = b.getLong(p + 16);
        n.mtimeNs = b.getLong(p + 24);
        n.ctimeNs = b.getLong(p + 32);
        n.parent = b.getLong(p + 40);
        n.nextCookie = b.getLong(p + 48);
        n.allocated = current ? b.getLong(p + 56) : ALLOCATED_UNKNOWN;
        return n;
    }

    @Override
    public String toString() {
        return "inode " + ino + " mode " + Integer.toOctalString(mode) + " nlink " + nlink + " size " + size;
    }
}
