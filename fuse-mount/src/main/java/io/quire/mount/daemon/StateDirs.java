package io.quire.mount.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;

/**
 * Thread-safe (immutable). Where the mount daemon keeps its state on this host.
 *
 * <pre>
 * STATE/cache/VOLUME/         default cache of a volume (LMDB files and the cache token)
 * STATE/run/KEY.json          runtime file of the daemon serving one mount point
 * STATE/log/KEY.log           log of a daemon started in the background
 * STATE/up/server-N/          data of the servers of {@code quire up}
 * STATE/up/cache/             cache of {@code quire up}'s volume
 * </pre>
 *
 * STATE is {@code $QUIRE_STATE_DIR} if set, else {@code /var/lib/quire} for root and
 * {@code $XDG_STATE_HOME/quire} (or {@code ~/.local/state/quire}) for anyone else. KEY names a
 * mount point ({@link RuntimeFiles#keyOf}).
 */
public record StateDirs(Path root) {
    public static final String ENV_STATE_DIR = "QUIRE_STATE_DIR";
    static final Path ROOT_STATE_DIR = Path.of("/var/lib/quire");

    public StateDirs {
        root = root.toAbsolutePath().normalize();
    }

    /** The state directory of this process: {@code explicit} when given, else the standard one. */
    public static StateDirs resolve(Path explicit) {
        return new StateDirs(explicit != null ? explicit : standardRoot(System.getenv(), isRoot(),
                Path.of(System.getProperty("user.home"))));
    }

    /** The rules above, as a pure function for tests. */
    static Path standardRoot(Map<String, String> env, boolean root, Path home) {
        String override = env.get(ENV_STATE_DIR);
        if (override != null && !override.isBlank()) {
            return Path.of(override);
        }
        if (root) {
            return ROOT_STATE_DIR;
        }
        String xdg = env.get("XDG_STATE_HOME");
        // The XDG spec says to ignore a relative value.
        if (xdg != null && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "quire");
        }
        return home.resolve(".local/state/quire");
    }

    /** True when this process runs as root (the owner of /proc/self is the effective uid). */
    public static boolean isRoot() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid", LinkOption.NOFOLLOW_LINKS))
                    .intValue() == 0;
        } catch (IOException | RuntimeException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    public Path cacheOf(String volumeName) {
        return root.resolve("cache").resolve(volumeName);
    }

    public Path runDir() {
        return root.resolve("run");
    }

    public Path logDir() {
        return root.resolve("log");
    }

    public Path upDir() {
        return root.resolve("up");
    }

    /** The log of the background daemon serving {@code mountPoint}. */
    public Path logOf(Path mountPoint) {
        return logDir().resolve(RuntimeFiles.keyOf(mountPoint) + ".log");
    }
}
