package io.quire.mount.vfs;

/**
 * Thread-safe (immutable). One entry handed out by readdir.
 *
 * @param type       the file type bits of the entry's mode (S_IFDIR, S_IFREG, ...)
 * @param nextOffset the offset to pass to readdir to continue after this entry
 */
public record DirEntry(String name, long ino, int type, long nextOffset) {
}
