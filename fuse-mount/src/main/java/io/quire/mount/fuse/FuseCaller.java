package io.quire.mount.fuse;

import io.quire.mount.vfs.Caller;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Thread-safe (stateless; each caller's group test is confined to its request). Builds the {@link
 * Caller} of a FUSE request.
 *
 * <p>libfuse 2 passes uid, gid and pid but not supplementary groups. They are read from
 * {@code /proc/PID/status} only when a permission check asks about a group other than the
 * primary one, which is rare: most checks are decided by the owner bits or the primary group.
 */
final class FuseCaller {
    private FuseCaller() {
    }

    static Caller of(long uid, long gid, long pid) {
        return new Caller((int) uid, (int) gid, new ProcGroups((int) pid));
    }

    /** Supplementary groups of a process, read once on first use. Confined to one request. */
    private static final class ProcGroups implements IntPredicate {
        private final int pid;
        private int[] groups;

        ProcGroups(int pid) {
            this.pid = pid;
        }

        @Override
        public boolean test(int gid) {
            if (groups == null) {
                groups = read(pid);
            }
            return Arrays.binarySearch(groups, gid) >= 0;
        }

        private static int[] read(int pid) {
            if (pid <= 0) {
                return new int[0];
            }
            try {
                List<String> lines = Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status"));
                for (String line : lines) {
                    if (line.startsWith("Groups:")) {
                        String rest = line.substring("Groups:".length()).trim();
                        if (rest.isEmpty()) {
                            return new int[0];
                        }
                        int[] out = Arrays.stream(rest.split("\\s+")).mapToInt(Integer::parseInt).toArray();
                        Arrays.sort(out);
                        return out;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // The process is gone or /proc is not mounted: judge by the primary group alone.
            }
            return new int[0];
        }
    }
}
