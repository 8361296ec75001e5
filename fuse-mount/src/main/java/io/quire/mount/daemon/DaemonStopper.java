package io.quire.mount.daemon;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Thread-safe (stateless). {@code quire umount}: finds the daemon serving a mount point from its
 * runtime file, sends it SIGTERM (it flushes, unmounts and releases its lease) and waits until
 * the process has exited and the mount is gone. Without a live daemon, a FUSE mount left at the
 * mount point is unmounted directly.
 */
public final class DaemonStopper {
    public static final long TIMEOUT_DEFAULT_MS = 180_000;
    static final long POLL_MS = 50;

    private DaemonStopper() {
    }

    /**
     * Stops what serves {@code mountPoint} and returns what was done, for the user.
     *
     * @throws IllegalStateException when nothing is mounted there, it is not a FUSE mount, or the
     *                               daemon did not finish within {@code timeoutMs}
     */
    public static String stop(Path mountPoint, StateDirs dirs, long timeoutMs) {
        Path mp = MountPoints.normalize(mountPoint);
        RuntimeFiles runtime = new RuntimeFiles(dirs);
        Optional<RuntimeFiles.Entry> entry = runtime.read(mp);
        Optional<ProcessHandle> process = entry.flatMap(RuntimeFiles::process);
        if (process.isPresent()) {
            ProcessHandle p = process.get();
            if (!p.destroy()) { // SIGTERM
                throw new IllegalStateException("cannot signal mount daemon pid " + p.pid() + " of " + mp
                        + " (is it another user's? run quire umount as that user or root)");
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            while (p.isAlive() || MountPoints.mountedType(mp).isPresent() && MountPoints.isMounted(mp)) {
                if (System.nanoTime() - deadline > 0) {
                    String log = entry.get().logFile() == null ? "" : "; see " + entry.get().logFile();
                    throw new IllegalStateException("mount daemon pid " + p.pid() + " of " + mp + " did not finish within "
                            + timeoutMs + " ms (it may still be flushing" + log + "); run quire umount again to keep"
                            + " waiting");
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL_MS));
            }
            if (MountPoints.mountedType(mp).isPresent()) {
                MountPoints.unmount(mp); // it died without unmounting (killed during its stop)
            }
            runtime.deleteStale(mp);
            return "unmounted " + mp + " (volume " + entry.get().volume() + ", daemon pid " + p.pid() + " stopped)";
        }
        Optional<String> type = MountPoints.mountedType(mp);
        if (type.isEmpty()) {
            entry.ifPresent(e -> runtime.deleteStale(mp));
            throw new IllegalStateException("nothing is mounted at " + mp);
        }
        if (!type.get().startsWith("fuse")) {
            throw new IllegalStateException(mp + " is a " + type.get() + " mount, not a Quire mount; use umount(8)");
        }
        boolean stale = MountPoints.isStaleFuse(mp);
        MountPoints.unmount(mp);
        runtime.deleteStale(mp);
        if (MountPoints.mountedType(mp).isPresent()) {
            throw new IllegalStateException("cannot unmount " + mp);
        }
        return stale ? "removed the stale mount at " + mp + " (its daemon was gone)"
                : "unmounted " + mp + " (no daemon of this state directory served it; its daemon stops by itself)";
    }
}
