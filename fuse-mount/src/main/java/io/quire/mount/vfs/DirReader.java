package io.quire.mount.vfs;

import io.quire.mount.Modes;
import io.quire.mount.store.CacheEnv;
import io.quire.mount.store.DirTable;
import io.quire.mount.store.Inode;
import java.util.function.Predicate;

/**
 * Thread-safe (each call runs in its own read transaction). opendir and readdir.
 *
 * <p>Offsets: 0 is ".", 1 is "..", then each entry's cookie (see {@link DirTable}); the offset
 * handed out with an entry is its cookie plus one. An offset therefore survives any change to
 * the directory: entries removed are simply not there, entries added after the reader's
 * position appear, entries added behind it do not.
 */
final class DirReader {
    private static final byte[] DOT = {'.'};
    private static final byte[] DOTDOT = {'.', '.'};

    private final CacheEnv env;

    DirReader(CacheEnv env) {
        this.env = env;
    }

    /** Checks that the caller may list the directory; returns the handle (the inode number). */
    long opendir(Caller c, long ino) {
        Inode d = env.read(txn -> Lookup.directory(env, txn, ino));
        Permissions.require(c, d, Modes.R_OK);
        return ino;
    }

    /** Hands entries from {@code offset} on to {@code sink} until it returns false. */
    void readdir(long ino, long offset, Predicate<DirEntry> sink) {
        env.read(txn -> {
            Inode d = Lookup.directory(env, txn, ino);
            if (offset <= 0 && !sink.test(new DirEntry(DOT, d.ino, Modes.S_IFDIR, 1))) {
                return null;
            }
            if (offset <= 1 && !sink.test(new DirEntry(DOTDOT, d.parent, Modes.S_IFDIR, 2))) {
                return null;
            }
            env.dirs.list(txn, ino, Math.max(offset, DirTable.FIRST_COOKIE),
                    (name, child, type, cookie) -> sink.test(new DirEntry(name, child, type, cookie + 1)));
            return null;
        });
    }
}
