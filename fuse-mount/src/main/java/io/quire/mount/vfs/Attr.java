package io.quire.mount.vfs;

import io.quire.mount.store.Inode;

/**
 * Thread-safe (immutable). A snapshot of an inode's attributes, as stat(2) reports them.
 *
 * @param blocks 512-byte blocks: the logical size rounded up (the volume is thin, so this is an
 *               upper bound of what it uses)
 */
public record Attr(long ino, int mode, int nlink, int uid, int gid, long rdev, long size, long blocks,
                   long atimeNs, long mtimeNs, long ctimeNs) {

    static Attr of(Inode n) {
        return new Attr(n.ino, n.mode, n.nlink, n.uid, n.gid, n.rdev, n.size, (n.size + 511) / 512,
                n.atimeNs, n.mtimeNs, n.ctimeNs);
    }
}
