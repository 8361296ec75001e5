package io.quire.mount.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Thread-safe (immutable). Who holds a read-write lease: {@code host:pid:mountpoint}, so that the
 * message of a refused second mount says where the volume is mounted, and so that a mount can
 * tell that the holder is a dead daemon of this very host.
 */
public record LeaseHolder(String host, long pid, String mountPoint) {
    /** The catalog's limit on a holder's length. */
    static final int HOLDER_MAX_CHARS = 256;

    /** This process, mounting at {@code mountPoint}. */
    public static LeaseHolder of(Path mountPoint) {
        return new LeaseHolder(hostName(), ProcessHandle.current().pid(), mountPoint.toString());
    }

    /** Parses {@code host:pid:mountpoint} (the mount point may hold colons); empty if not ours. */
    public static Optional<LeaseHolder> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String[] f = text.split(":", 3);
        if (f.length != 3) {
            return Optional.empty();
        }
        try {
            return Optional.of(new LeaseHolder(f[0], Long.parseLong(f[1]), f[2]));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The catalog's form, cut to its limit (the mount point's tail is what is cut). */
    @Override
    public String toString() {
        String s = host + ":" + pid + ":" + mountPoint;
        return s.length() <= HOLDER_MAX_CHARS ? s : s.substring(0, HOLDER_MAX_CHARS);
    }

    /** True when this holder is a process of this host that no longer runs. */
    public boolean isDeadHereOn(String thisHost) {
        return host.equals(thisHost) && ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
    }

    /** The kernel's host name (no DNS lookup, which may hang), else $HOSTNAME, else "localhost". */
    public static String hostName() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            if (!h.isEmpty()) {
                return h.replace(':', '_');
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        String env = System.getenv("HOSTNAME");
        return env != null && !env.isBlank() ? env.replace(':', '_') : "localhost";
    }
}
