package io.quire.mount.vfs;

/**
 * Thread-safe (immutable by convention: nobody writes into {@code name}). One entry handed out by
 * readdir.
 *
 * @param name       the entry's name, its bytes as stored
 * @param type       the file type bits of the entry's mode (S_IFDIR, S_IFREG, ...)
 * @param nextOffset the offset to pass to readdir to continue after this entry
 */
public record DirEntry(byte[] name, long ino, int type, long nextOffset) {
}
