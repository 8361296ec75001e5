package io.quire.mount.vfs;

import io.quire.mount.Errno;
import io.quire.mount.Modes;
import io.quire.mount.PosixException;
import io.quire.mount.store.Inode;

/**
 * Thread-safe (stateless). The POSIX permission rules, as Linux applies them.
 *
 * <p>Root passes every read and write check, and an execute check if anyone may execute the
 * file (or it is a directory) — Linux's CAP_DAC_OVERRIDE. Everyone else is judged by exactly
 * one class of bits: owner if the uid matches, else group if in the group, else other.
 */
final class Permissions {
    private Permissions() {
    }

    static boolean allows(Caller c, Inode n, int mask) {
        if (c.isRoot()) {
            return (mask & Modes.X_OK) == 0 || n.isDir() || (n.mode & 0111) != 0;
        }
        int bits;
        if (c.uid() == n.uid) {
            bits = (n.mode >> 6) & 7;
        } else if (c.inGroup(n.gid)) {
            bits = (n.mode >> 3) & 7;
        } else {
            bits = n.mode & 7;
        }
        return (bits & mask) == mask;
    }

    static void require(Caller c, Inode n, int mask) {
        if (!allows(c, n, mask)) {
            throw new PosixException(Errno.EACCES, c + " lacks " + mask + " on inode " + n.ino);
        }
    }

    static boolean isOwnerOrRoot(Caller c, Inode n) {
        return c.isRoot() || c.uid() == n.uid;
    }

    /**
     * Removing or renaming {@code victim} out of {@code dir}: write+search, and the sticky rule.
     */
    static void requireRemovable(Caller c, Inode dir, Inode victim) {
        require(c, dir, Modes.W_OK | Modes.X_OK);
        if ((dir.mode & Modes.S_ISVTX) != 0 && !c.isRoot() && c.uid() != dir.uid && c.uid() != victim.uid) {
            throw new PosixException(Errno.EPERM, "sticky directory " + dir.ino + ": " + c + " owns neither it nor the entry");
        }
    }

    /** Clears set-user-ID, and set-group-ID if group-executable, as a write by non-root does. */
    static boolean killSuid(Caller c, Inode n) {
        if (c.isRoot()) {
            return false;
        }
        return clearSuid(n);
    }

    /**
     * True when {@code mode} is the file's mode with only what a write by non-root clears taken
     * away ({@link #clearSuid}), and that is something: the kernel asking for it.
     */
    static boolean dropsOnlySetIdBits(Inode n, int mode) {
        int before = n.mode;
        Inode probe = new Inode(n.ino);
        probe.mode = before;
        return clearSuid(probe) && (mode & Modes.PERMISSION_BITS) == (probe.mode & Modes.PERMISSION_BITS);
    }

    /** Clears set-user-ID, and set-group-ID if group-executable; true if anything changed. */
    static boolean clearSuid(Inode n) {
        int before = n.mode;
        n.mode &= ~Modes.S_ISUID;
        if ((n.mode & (Modes.S_ISGID | Modes.S_IXGRP)) == (Modes.S_ISGID | Modes.S_IXGRP)) {
            n.mode &= ~Modes.S_ISGID;
        }
        return n.mode != before;
    }
}
