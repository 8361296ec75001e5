package io.quire.mount.vfs;

import io.quire.mount.store.Inode;

/**
 * Thread-safe (immutable). A snapshot of an inode's attributes, as stat(2) reports them.
 *
 * @param blocks 512-byte blocks: for a regular file, of the pages holding data (holes use
 *               none); for others, the size rounded up
 */
public record Attr(long ino, int mode, int nlink, int uid, int gid, long rdev, long size, long blocks,
                   long atimeNs, long mtimeNs, long ctimeNs) {

    static Attr of(Inode n) {
        long used = n.isRegular() && n.allocated >= 0 ? n.allocated : n.size;
        return new Attr(n.ino, n.mode, n.nlink, n.uid, n.gid, n.rdev, n.size, (used + 511) / 512,
                n.atimeNs, n.mtimeNs, n.ctimeNs);
    }
}
