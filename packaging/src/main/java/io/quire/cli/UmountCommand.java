package io.quire.cli;

import io.quire.mount.daemon.DaemonStopper;
import io.quire.mount.daemon.StateDirs;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Confined to the main thread (picocli fills it). {@code quire umount MOUNTPOINT} stops the
 * daemon serving a mount point and returns once it has flushed, unmounted and exited.
 */
@Command(name = "umount", aliases = "unmount", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Unmount a volume: the daemon flushes pending writes, unmounts and releases its lease.",
            "Returns once it has finished. A stale mount left by a killed daemon is removed."})
final class UmountCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MOUNTPOINT")
    Path mountPoint;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "State directory the daemon was started with (default: as quire mount).")
    Path stateDir;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "" + DaemonStopper.TIMEOUT_DEFAULT_MS / 1000,
            description = "How long to wait for the daemon to finish (default: ${DEFAULT-VALUE}).")
    long timeoutS;

    @Override
    public Integer call() {
        if (timeoutS <= 0) {
            throw new IllegalArgumentException("--timeout must be positive");
        }
        String done = DaemonStopper.stop(mountPoint, StateDirs.resolve(stateDir), timeoutS * 1000);
        PrintWriter out = spec.commandLine().getOut();
        out.println(done);
        out.flush();
        return 0;
    }
}
