package io.quire.mount.fuse;

import io.micrometer.core.instrument.MeterRegistry;
import io.quire.mount.vfs.Vfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe. One live FUSE mount of a {@link Vfs}: mounts on construction, unmounts on close.
 *
 * <p>jnr-fuse's non-blocking mount waits a hard-coded 2 s and then cannot report failures, and
 * its unmount is lazy and does not wait for the daemon. So the blocking {@code fuse_main} runs
 * on a thread of ours; {@link #mount} returns when the mount point's device differs from its
 * parent's (that, not a timer, is what "mounted" means), and fails if {@code fuse_main} returns
 * first or the deadline passes. {@link #close} unmounts and waits for {@code fuse_main} to
 * return. The {@link Vfs} stays open: its owner closes it after the mount.
 *
 * <p>Options: {@code big_writes,max_write=131072} (128 KiB writes instead of 4 KiB),
 * {@code use_ino} (our inode numbers reach stat),
 * {@code fsname=quire:VOLUME,subtype=quire} (what mount(8) and df show), and by choice
 * {@code allow_other} (other users, e.g. containers, see the volume) and {@code auto_unmount}
 * (no stale mount if the daemon dies).
 *
 * <p>{@code default_permissions}: the kernel checks every permission rule from the attributes
 * it caches, as for a local file system, before a request reaches us. It is the only way a rule
 * holds where the kernel never asks the file system: opening a FIFO is done by the kernel alone,
 * so without the option any user could open another's 0600 FIFO. The POSIX layer still enforces
 * every rule itself (it is the only check under other callers, and tests mount without the
 * option to prove it). The cost: after a create, unlink or rename in a directory the kernel
 * re-reads that directory's attributes before its next permission check, one more GETATTR round
 * trip per such operation (measured in the bench README).
 *
 * <p>Not {@code hard_remove}: with it, libfuse 2's path-based API fails fstat(2) of a file
 * unlinked while open (the kernel sends no handle with getattr, and libfuse cannot build a path
 * for a nameless node), which breaks programs that keep unlinked temporary files. Without it
 * libfuse renames such a file to {@code .fuse_hiddenNNN} in its directory and unlinks that on the
 * last release; the POSIX layer's own orphan handling then covers crashes in between only once
 * the hidden name is removed (a later slice can sweep stale hidden names at mount).
 */
public final class FuseMount implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FuseMount.class);
    /** How long mounting may take before it counts as failed. */
    public static final long MOUNT_TIMEOUT_MS = 15_000;
    /** How long close waits for fuse_main to return after the unmount. */
    public static final long UNMOUNT_TIMEOUT_MS = 15_000;
    private static final long POLL_INTERVAL_MS = 20;
    public static final int MAX_WRITE_BYTES = 128 * 1024;

    private final QuireFuse fs;
    private final Path mountPoint;
    private final CompletableFuture<Integer> main = new CompletableFuture<>();
    private volatile boolean closed;

    /**
     * Mount choices beyond the fixed options. Thread-safe (immutable).
     *
     * @param extra more {@code -o} options as the user gave them (e.g. {@code ro}, {@code nonempty}),
     *              appended after the fixed ones
     */
    public record Options(boolean allowOther, boolean autoUnmount, boolean debug, boolean defaultPermissions,
                          List<String> extra) {
        public static final Options DEFAULTS = new Options(true, true, false);

        public Options {
            extra = List.copyOf(extra);
        }

        public Options(boolean allowOther, boolean autoUnmount, boolean debug) {
            this(allowOther, autoUnmount, debug, true, List.of());
        }

        public Options(boolean allowOther, boolean autoUnmount, boolean debug, List<String> extra) {
            this(allowOther, autoUnmount, debug, true, extra);
        }

        /** The same options without the kernel's permission check (tests of the POSIX layer's own). */
        public Options withoutKernelPermissionChecks() {
            return new Options(allowOther, autoUnmount, debug, false, extra);
        }
    }

    private FuseMount(QuireFuse fs, Path mountPoint) {
        this.fs = fs;
        this.mountPoint = mountPoint;
    }

    /**
     * Mounts {@code vfs} at {@code mountPoint} (an existing empty directory) and waits until it is
     * mounted.
     */
    public static FuseMount mount(Vfs vfs, Path mountPoint, Options options, MeterRegistry registry) {
        Path mp = mountPoint.toAbsolutePath().normalize();
        if (!Files.isDirectory(mp)) {
            throw new IllegalArgumentException("mount point " + mp + " is not a directory");
        }
        Object parentDev = device(mp.getParent());
        QuireFuse fs = new QuireFuse(vfs, registry);
        FuseMount m = new FuseMount(fs, mp);
        String[] args = args(vfs.config().volumeName(), options);
        Thread t = new Thread(() -> {
            try {
                fs.mount(mp, true, options.debug(), args);
                m.main.complete(0);
            } catch (Throwable e) {
                m.main.completeExceptionally(e);
            }
        }, "quire-fuse-" + vfs.config().volumeName());
        t.setDaemon(true);
        t.start();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MOUNT_TIMEOUT_MS);
        while (true) {
            if (m.main.isDone()) {
                String why = m.main.isCompletedExceptionally() ? m.main.handle((v, e) -> e.toString()).join()
                        : "fuse_main returned " + m.main.join();
                throw new IllegalStateException("mount of " + mp + " failed: " + why);
            }
            Object dev = device(mp);
            if (dev != null && !dev.equals(parentDev)) {
                log.info("volume {} mounted at {} ({})", vfs.config().volumeName(), mp, String.join(" ", args));
                return m;
            }
            if (System.nanoTime() - deadline > 0) {
                m.close();
                throw new IllegalStateException("mount of " + mp + " not visible after " + MOUNT_TIMEOUT_MS + " ms");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL_INTERVAL_MS));
        }
    }

    static String[] args(String volumeName, Options options) {
        List<String> opts = new ArrayList<>(List.of("big_writes", "max_write=" + MAX_WRITE_BYTES, "use_ino",
                "fsname=quire:" + volumeName, "subtype=quire"));
        if (options.allowOther()) {
            opts.add("allow_other");
        }
        if (options.autoUnmount()) {
            opts.add("auto_unmount");
        }
        if (options.defaultPermissions()) {
            opts.add("default_permissions");
        }
        opts.addAll(options.extra());
        return new String[] {"-o", String.join(",", opts)};
    }

    /** The device of a path (the "unix:dev" attribute), or null when it cannot be read. */
    static Object device(Path p) {
        try {
            return Files.getAttribute(p, "unix:dev", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    public Path mountPoint() {
        return mountPoint;
    }

    /** True while the kernel shows our file system at the mount point. */
    public boolean isMounted() {
        Object dev = device(mountPoint);
        return !closed && !main.isDone() && dev != null && !dev.equals(device(mountPoint.getParent()));
    }

    /** Unmounts (lazily, so open files do not block it) and waits for libfuse to return. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        unmountIfMounted(mountPoint); // on SIGTERM jnr-fuse's own shutdown hook may have unmounted already
        fs.markUnmounted();
        try {
            main.get(UNMOUNT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            log.info("unmounted {}", mountPoint);
        } catch (Exception e) {
            log.warn("fuse_main for {} did not return cleanly within {} ms: {}", mountPoint, UNMOUNT_TIMEOUT_MS, e.toString());
        }
    }

    /**
     * Unmounts {@code mountPoint} if something is mounted there (for clean-up paths); never
     * throws.
     */
    public static void unmountIfMounted(Path mountPoint) {
        Path mp = mountPoint.toAbsolutePath().normalize();
        Object dev = device(mp);
        if (dev == null || !dev.equals(device(mp.getParent()))) {
            unmount(mp); // a stale FUSE mount cannot even be stat'ed: unmount that too
        }
    }

    /** {@code fusermount -u -z}, falling back to {@code umount -l}; never throws. */
    public static void unmount(Path mountPoint) {
        String mp = mountPoint.toAbsolutePath().toString();
        for (List<String> cmd : List.of(List.of("fusermount", "-u", "-z", mp), List.of("umount", "-l", mp))) {
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                if (p.waitFor(UNMOUNT_TIMEOUT_MS, TimeUnit.MILLISECONDS) && p.exitValue() == 0) {
                    return;
                }
                p.destroyForcibly();
            } catch (IOException e) {
                log.debug("{} not available: {}", cmd.get(0), e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        Object dev = device(mountPoint);
        if (dev != null && dev.equals(device(mountPoint.toAbsolutePath().getParent()))) {
            return; // someone else unmounted it meanwhile (jnr-fuse's shutdown hook on SIGTERM)
        }
        log.warn("could not unmount {}", mp);
    }

    QuireFuse fs() {
        return fs;
    }
}
