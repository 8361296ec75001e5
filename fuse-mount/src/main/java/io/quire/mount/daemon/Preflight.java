package io.quire.mount.daemon;

import io.quire.client.ClusterMapCache;
import io.quire.cluster.ClusterMap;
import io.quire.cluster.Volume;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe (stateless). Checks made before a mount starts (the mount point, with a stale mount
 * there removed; the catalog; the volume; its lease), each failing with one line a user can act
 * on. The CLI runs them before it starts a background daemon, so that a wrong volume name or
 * catalog address is reported by the command itself; the daemon runs them again.
 */
public final class Preflight {
    private static final Logger log = LoggerFactory.getLogger(Preflight.class);
    static final Path FUSE_CONF = Path.of("/etc/fuse.conf");

    private Preflight() {
    }

    /**
     * The active volume {@code name} from a fresh cluster map.
     *
     * @throws QuireException UNAVAILABLE (or the pool's status) naming the catalog when it does
     *                        not answer; NO_SUCH_VOLUME when there is no such volume
     */
    public static Volume findVolume(ClusterMapCache maps, String name, String catalogAddress) {
        ClusterMap map;
        try {
            map = maps.refresh().map();
        } catch (QuireException e) {
            throw new QuireException(e.status(), "cannot reach the catalog at " + catalogAddress + ": " + e.getMessage(), e);
        }
        return map.volume(name).orElseThrow(() -> new QuireException(Status.NO_SUCH_VOLUME, "no volume '" + name
                + "' in the catalog at " + catalogAddress + " (quire volume list shows them, quire volume create makes one)"));
    }

    /**
     * Refuses a read-write mount at once when the map shows another live holder of the lease; the
     * daemon's ACQUIRE_LEASE is what decides, this only spares starting a daemon to be told so. A
     * holder that is a dead daemon of this host passes: the daemon waits for its lease to lapse.
     */
    public static void checkLeaseFree(ClusterMap map, Volume v) {
        String holder = v.leaseHolder();
        if (holder == null || holder.isEmpty() || map.catalogTimeMs() >= v.leaseExpiresAtMs()) {
            return;
        }
        boolean deadHere = LeaseHolder.parse(holder).map(h -> h.isDeadHereOn(LeaseHolder.hostName())).orElse(false);
        if (!deadHere) {
            throw new QuireException(Status.LEASE_HELD, "a second read-write mount is refused: volume '" + v.name()
                    + "' is mounted read-write by '" + holder + "' (lease epoch " + v.leaseEpoch()
                    + "); unmount it there first, or mount with --read-only");
        }
    }

    /** Checks the mount point and removes a stale FUSE mount left there by a dead daemon. */
    public static void prepareMountPoint(Path mountPoint, RuntimeFiles runtime) {
        Path mp = MountPoints.normalize(mountPoint);
        if (MountPoints.mountedType(mp).isPresent()) {
            var live = runtime.live(mp);
            if (live.isPresent()) {
                throw new IllegalStateException(mp + " is already mounted: volume '" + live.get().volume()
                        + "' served by mount daemon pid " + live.get().pid() + " (quire umount " + mp + " stops it)");
            }
            if (MountPoints.isStaleFuse(mp)) {
                log.warn("removing the stale FUSE mount at {} (its daemon is gone)", mp);
                MountPoints.unmount(mp);
                runtime.deleteStale(mp);
            } else if (MountPoints.isMounted(mp)) {
                throw new IllegalStateException("something is already mounted at " + mp + " ("
                        + MountPoints.mountedType(mp).orElse("?") + "); unmount it first");
            }
        }
        if (!Files.exists(mp)) {
            throw new IllegalArgumentException("mount point " + mp + " does not exist");
        }
        if (!Files.isDirectory(mp)) {
            throw new IllegalArgumentException("mount point " + mp + " is not a directory");
        }
    }

    /** True when the FUSE option allow_other will be accepted: root, or user_allow_other set. */
    static boolean mayAllowOther() {
        if (StateDirs.isRoot()) {
            return true;
        }
        try {
            return Files.readAllLines(FUSE_CONF).stream().map(String::trim).anyMatch("user_allow_other"::equals);
        } catch (IOException e) {
            return false;
        }
    }
}
