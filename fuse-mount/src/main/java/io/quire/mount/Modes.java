package io.quire.mount;

/**
 * Thread-safe (constants). POSIX file mode bits and the Linux open/rename/xattr flag values the
 * mount understands.
 */
public final class Modes {
    public static final int S_IFMT = 0170000;
    public static final int S_IFSOCK = 0140000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFIFO = 0010000;
    public static final int S_ISUID = 04000;
    public static final int S_ISGID = 02000;
    public static final int S_ISVTX = 01000;
    public static final int S_IXGRP = 00010;
    /** Permission and special bits: everything chmod may set. */
    public static final int PERMISSION_BITS = 07777;

    /** access(2) masks. */
    public static final int R_OK = 4;
    public static final int W_OK = 2;
    public static final int X_OK = 1;
    public static final int F_OK = 0;

    /** open(2) flags (Linux, x86-64 and arm64 share them). */
    public static final int O_ACCMODE = 03;
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 01;
    public static final int O_RDWR = 02;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_DIRECTORY = 0200000;
    /**
     * The kernel's {@code __FMODE_EXEC}: set in the flags of the open that execve(2) makes. Such an
     * open needs execute permission, not read (an execute-only program runs).
     */
    public static final int FMODE_EXEC = 040;

    /** renameat2(2) flags. */
    public static final int RENAME_NOREPLACE = 1;
    public static final int RENAME_EXCHANGE = 2;

    /** setxattr(2) flags. */
    public static final int XATTR_CREATE = 1;
    public static final int XATTR_REPLACE = 2;

    /** utimensat(2) special nanosecond values. */
    public static final long UTIME_NOW = (1L << 30) - 1;
    public static final long UTIME_OMIT = (1L << 30) - 2;

    private Modes() {
    }

    public static int type(int mode) {
        return mode & S_IFMT;
    }

    public static boolean isDir(int mode) {
        return type(mode) == S_IFDIR;
    }

    public static boolean isRegular(int mode) {
        return type(mode) == S_IFREG;
    }

    public static boolean isSymlink(int mode) {
        return type(mode) == S_IFLNK;
    }
}
