package io.quire.mount.journal;

import io.quire.mount.Modes;
import io.quire.mount.PosixException;
import io.quire.mount.vfs.Caller;
import io.quire.mount.vfs.Names;
import io.quire.mount.vfs.TimeSpec;
import io.quire.mount.vfs.Vfs;
import java.util.List;
import java.util.Random;

/**
 * Confined to the test thread. Random metadata operations over a small set of paths, so that
 * renames, links and removals keep running into each other; an operation the file system refuses
 * (ENOENT, EEXIST, ENOTEMPTY...) is simply skipped, as it changes nothing.
 */
final class Workload {
    private static final Caller ROOT = Caller.ROOT;
    private static final List<String> PATHS = List.of("/a", "/b", "/c", "/d", "/a/x", "/a/y", "/b/x", "/b/z",
            "/c/w", "/a/x/q", "/a/x/r", "/d/v");
    /** The first names of {@link #PATHS} are at the top level. */
    private static final int TOP_LEVEL = 4;
    /** Largest xattr value written: above the 4 KiB page, so records span journal pages. */
    private static final int XATTR_MAX_BYTES = 6000;
    /** Largest size a truncate sets (no data is written: holes). */
    private static final int TRUNCATE_MAX_BYTES = 100_000;

    private final Random rnd;
    /** The last operation tried, for failure messages. */
    String last = "";

    Workload(Random rnd) {
        this.rnd = rnd;
    }

    private String path() {
        // Top-level names half the time, so that the deeper ones have parents often enough.
        String p = PATHS.get(rnd.nextInt(rnd.nextBoolean() ? TOP_LEVEL : PATHS.size()));
        last += " " + p;
        return p;
    }

    /** Runs one random metadata operation; returns false when the file system refused it. */
    boolean metadataOp(Vfs v) {
        int kind = rnd.nextInt(13);
        last = "op " + kind;
        try {
            switch (kind) {
                case 0, 1 -> Tree.mkdir(v, path());
                case 2, 3 -> {
                    String p = path();
                    v.release(v.create(ROOT, Tree.parent(v, p), Names.of(Tree.name(p)), 0644,
                            Modes.O_WRONLY | Modes.O_CREAT | Modes.O_EXCL).fh());
                }
                case 4, 5 -> Tree.rename(v, path(), path(),
                        new int[] {0, 0, Modes.RENAME_NOREPLACE, Modes.RENAME_EXCHANGE}[rnd.nextInt(4)]);
                case 6 -> {
                    String to = path();
                    v.link(ROOT, Tree.ino(v, path()), Tree.parent(v, to), Names.of(Tree.name(to)));
                }
                case 7 -> {
                    String p = path();
                    v.symlink(ROOT, Names.of("target-" + rnd.nextInt(1000)), Tree.parent(v, p), Names.of(Tree.name(p)));
                }
                case 8 -> {
                    String p = path();
                    v.unlink(ROOT, Tree.parent(v, p), Names.of(Tree.name(p)));
                }
                case 9 -> {
                    String p = path();
                    v.rmdir(ROOT, Tree.parent(v, p), Names.of(Tree.name(p)));
                }
                case 10 -> v.chmod(ROOT, Tree.ino(v, path()), rnd.nextInt(01000));
                case 11 -> {
                    byte[] value = new byte[rnd.nextInt(XATTR_MAX_BYTES)];
                    rnd.nextBytes(value);
                    v.setxattr(ROOT, Tree.ino(v, path()), "user.k" + rnd.nextInt(3), value, 0);
                }
                default -> {
                    long ino = Tree.ino(v, path());
                    if (rnd.nextBoolean()) {
                        v.truncate(ROOT, ino, rnd.nextInt(TRUNCATE_MAX_BYTES));
                    } else {
                        v.utimens(ROOT, ino, TimeSpec.OMIT, TimeSpec.ofNanos(rnd.nextLong(1L << 50)));
                    }
                }
            }
            return true;
        } catch (PosixException e) {
            return false;
        }
    }
}
