package io.quire.mount.daemon;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe. Turns SIGTERM, SIGINT (Ctrl-C) and SIGHUP into an orderly stop of a foreground
 * daemon: the JVM's shutdown hook asks the main thread to stop, waits until it reports that it is
 * done, and ends the process with the status it reported.
 *
 * <p>Without this a JVM ended by SIGTERM exits with 143, which systemd counts as a failure, and
 * nothing would wait for the flush. (jnr-fuse's own hook may still unmount lazily at the same
 * time; that is harmless, our teardown unmounts first anyway.) The wait is bounded: a teardown
 * stuck past {@code waitMaxMs} ends the process with status 1 (the cache keeps what was not
 * flushed).
 */
public final class ShutdownSignals {
    private static final Logger log = LoggerFactory.getLogger(ShutdownSignals.class);
    static final int EXIT_STUCK = 1;

    private final CountDownLatch done = new CountDownLatch(1);
    private volatile int status;
    private Thread hook;

    private ShutdownSignals() {
    }

    /**
     * Installs the hook; {@code onStop} must only ask the main thread to stop (it runs on the hook
     * thread and must return at once).
     */
    public static ShutdownSignals install(Runnable onStop, long waitMaxMs) {
        ShutdownSignals s = new ShutdownSignals();
        Thread hook = new Thread(() -> {
            onStop.run();
            try {
                if (!s.done.await(waitMaxMs, TimeUnit.MILLISECONDS)) {
                    log.error("stop did not finish within {} ms; exiting anyway", waitMaxMs);
                    s.status = EXIT_STUCK;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Runtime.getRuntime().halt(s.status);
        }, "quire-shutdown");
        s.hook = hook;
        Runtime.getRuntime().addShutdownHook(hook);
        return s;
    }

    /**
     * Called by the main thread once the teardown is over. During a signal's shutdown the process
     * then exits with {@code exitStatus}; otherwise (the daemon stopped by itself, or a test) the
     * hook is removed and the caller decides.
     */
    public void done(int exitStatus) {
        status = exitStatus;
        done.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running: it exits with the status set above.
        }
    }
}
