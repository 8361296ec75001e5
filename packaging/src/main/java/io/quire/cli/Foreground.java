package io.quire.cli;

import io.quire.mount.daemon.MountDaemon;
import io.quire.mount.daemon.ShutdownSignals;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Confined to the command's main thread (signals arrive on the JVM's shutdown-hook thread and only
 * ask for a stop). Runs a mount daemon in the foreground until SIGTERM, Ctrl-C or an outside
 * unmount, then tears it down; the process exits 0 after a clean stop (everything flushed).
 */
final class Foreground {
    /** Beyond the flush wait (the I/O timeout): unmounting, closing the cache, releasing the lease. */
    static final long STOP_MARGIN_MS = 60_000;

    private Foreground() {
    }

    /** How long a signal waits for the teardown before the process exits anyway. */
    static long stopWaitMs(long ioTimeoutMs) {
        return 2 * ioTimeoutMs + STOP_MARGIN_MS;
    }

    /**
     * Starts a daemon with {@code start}, calls {@code onReady}, waits for a stop, closes the
     * daemon, then runs {@code afterStop} (also when the start failed). Returns the exit status.
     */
    static int run(Callable<MountDaemon> start, Consumer<MountDaemon> onReady, Runnable afterStop, long stopWaitMs)
            throws Exception {
        CountDownLatch stop = new CountDownLatch(1);
        AtomicReference<MountDaemon> daemon = new AtomicReference<>();
        ShutdownSignals signals = ShutdownSignals.install(() -> {
            stop.countDown();
            MountDaemon d = daemon.get();
            if (d != null) {
                d.requestStop();
            }
        }, stopWaitMs);
        int status = QuireCli.EXIT_FAILED;
        try {
            MountDaemon d = start.call();
            daemon.set(d);
            if (stop.getCount() == 0) {
                d.requestStop(); // a signal came while it was starting
            }
            try {
                onReady.accept(d);
                d.awaitStop();
            } finally {
                d.close();
            }
            status = d.closedClean() ? 0 : QuireCli.EXIT_FAILED;
            return status;
        } finally {
            try {
                afterStop.run();
            } finally {
                signals.done(status);
            }
        }
    }
}
