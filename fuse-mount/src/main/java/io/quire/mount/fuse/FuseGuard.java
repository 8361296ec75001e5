package io.quire.mount.fuse;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quire.mount.Errno;
import io.quire.mount.PosixException;
import io.quire.proto.QuireException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import jnr.ffi.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe. The one guard around every FUSE callback.
 *
 * <p>jnr-fuse turns an exception escaping a callback into a silent 0 (a write of nothing, a read
 * that looks like end of file), so nothing may escape: a {@link PosixException} is the
 * operation's answer (its negated errno), a {@link QuireException} goes through the one
 * status-to-errno mapping, and any other {@link Throwable} is counted ({@code quire.fuse.errors}),
 * logged with its stack trace and answered with -EIO. Every call is timed in
 * {@code quire.fuse.ops}, tagged by operation (a fixed set of names, never a path).
 */
final class FuseGuard {
    private static final Logger log = LoggerFactory.getLogger(FuseGuard.class);
    /** Operations slower than this are logged at WARN. */
    private static final long SLOW_OP_NS = TimeUnit.SECONDS.toNanos(5);

    private final MeterRegistry registry;
    private final String volume;
    private final ConcurrentHashMap<String, Timer> timers = new ConcurrentHashMap<>();
    private final Counter unexpected;
    private final Counter eio;

    /** A callback body: returns what the callback returns (0, a count, or a negated errno). */
    @FunctionalInterface
    interface Body {
        int run() throws Exception;
    }

    FuseGuard(MeterRegistry registry, String volume) {
        this.registry = registry;
        this.volume = volume;
        this.unexpected = Counter.builder("quire.fuse.errors").tag("kind", "unexpected").register(registry);
        this.eio = Counter.builder("quire.fuse.errors").tag("kind", "eio").register(registry);
    }

    /**
     * Runs one callback; {@code path} (libfuse's C string, may be null) only names it in log
     * lines, decoded there and nowhere else.
     */
    int call(String op, Pointer path, Body body) {
        long start = System.nanoTime();
        try {
            return body.run();
        } catch (PosixException e) {
            if (e.errno() == Errno.EIO) {
                eio.increment();
                log.warn("{} {} on volume {}: {}", op, CStrings.show(path), volume, e.toString(), e.getCause());
            } else if (log.isDebugEnabled()) {
                log.debug("{} {}: {}", op, CStrings.show(path), e.toString());
            }
            return -e.errno().code;
        } catch (QuireException e) {
            Errno errno = Errno.of(e.status());
            eio.increment();
            log.warn("{} {} on volume {}: {} -> {}", op, CStrings.show(path), volume, e.toString(), errno);
            return -errno.code;
        } catch (Throwable t) {
            try {
                unexpected.increment();
                log.error("{} {} on volume {} failed unexpectedly; answering EIO", op, CStrings.show(path), volume, t);
            } catch (Throwable ignored) {
                // Logging failed too: still never let anything reach native code.
            }
            return -Errno.EIO.code;
        } finally {
            long ns = System.nanoTime() - start;
            try {
                timers.computeIfAbsent(op, o -> Timer.builder("quire.fuse.ops").tag("op", o).register(registry))
                        .record(ns, TimeUnit.NANOSECONDS);
                if (ns > SLOW_OP_NS) {
                    log.warn("slow {} {} on volume {}: {} ms", op, CStrings.show(path), volume, TimeUnit.NANOSECONDS.toMillis(ns));
                }
            } catch (Throwable ignored) {
                // Metrics must not turn an answer into a crash.
            }
        }
    }
}
