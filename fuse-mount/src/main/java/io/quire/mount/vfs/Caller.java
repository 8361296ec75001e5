package io.quire.mount.vfs;

import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * Thread-safe if the test is. Who asks for an operation: uid, primary gid, and a test for
 * supplementary groups (which the FUSE adapter answers lazily, since libfuse 2 does not pass
 * them).
 */
public record Caller(int uid, int gid, IntPredicate supplementaryGroup) {
    public static final Caller ROOT = new Caller(0, 0, g -> false);

    public static Caller of(int uid, int gid, int... groups) {
        int[] sorted = groups.clone();
        Arrays.sort(sorted);
        return new Caller(uid, gid, g -> Arrays.binarySearch(sorted, g) >= 0);
    }

    public boolean isRoot() {
        return uid == 0;
    }

    public boolean inGroup(int g) {
        return g == gid || supplementaryGroup.test(g);
    }

    @Override
    public String toString() {
        return "uid " + uid + " gid " + gid;
    }
}
