package io.quire.mount.daemon;

import io.quire.proto.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * Thread-safe (stateless but for the files). The runtime files of mount daemons: one per mount
 * point, {@code STATE/run/KEY.json}, written by the daemon once its mount is ready and removed
 * when it stops, so that {@code quire umount MOUNTPOINT} finds the process to stop.
 *
 * <p>A file outlives a daemon killed with -9, and its pid may be reused by then: a runtime file
 * counts only while its process is alive and has the start time recorded in it.
 */
public final class RuntimeFiles {
    /** Readable characters of a mount point kept in its key; the hash keeps keys distinct. */
    static final int KEY_READABLE_CHARS_MAX = 100;
    private static final long FNV64_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV64_PRIME = 0x100000001b3L;

    private final Path runDir;

    /**
     * What a runtime file says. Thread-safe (immutable).
     *
     * @param processStartMs the daemon's process start time (-1 when unknown), against pid reuse
     * @param logFile        where a background daemon logs (null in the foreground)
     */
    public record Entry(long pid, long processStartMs, String mountPoint, String volume, long volumeId,
                        long epoch, boolean readOnly, String catalog, String cacheDir, String logFile) {
    }

    public RuntimeFiles(StateDirs dirs) {
        this.runDir = dirs.runDir();
    }

    /**
     * A file name for a mount point: its path with anything but {@code [A-Za-z0-9._-]} as
     * {@code _} (at most {@value #KEY_READABLE_CHARS_MAX} characters), then the FNV-1a 64 hash of
     * the whole path, since different paths may read the same.
     */
    public static String keyOf(Path mountPoint) {
        String path = mountPoint.toAbsolutePath().normalize().toString();
        StringBuilder readable = new StringBuilder();
        for (int i = 0; i < path.length() && readable.length() < KEY_READABLE_CHARS_MAX; i++) {
            char c = path.charAt(i);
            boolean safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '-' || c == '_';
            readable.append(safe ? c : '_');
        }
        long h = FNV64_OFFSET;
        for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= FNV64_PRIME;
        }
        return readable + "-" + String.format("%016x", h);
    }

    public Path fileOf(Path mountPoint) {
        return runDir.resolve(keyOf(mountPoint) + ".json");
    }

    /** The current process as an entry's identity: pid and start time. */
    public static long currentProcessStartMs() {
        return ProcessHandle.current().info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
    }

    public void write(Entry e) {
        try {
            AtomicFiles.write(fileOf(Path.of(e.mountPoint())), Json.MAPPER.writerWithDefaultPrettyPrinter()
                    .writeValueAsBytes(e));
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write the runtime file of " + e.mountPoint(), ex);
        }
    }

    /** The entry for {@code mountPoint}, alive or not; empty when there is none or it is unreadable. */
    public Optional<Entry> read(Path mountPoint) {
        Path f = fileOf(mountPoint);
        try {
            return Optional.of(Json.MAPPER.readValue(Files.readAllBytes(f), Entry.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // a torn or foreign file cannot name a live daemon
        }
    }

    /** The entry for {@code mountPoint} if its daemon is alive. */
    public Optional<Entry> live(Path mountPoint) {
        return read(mountPoint).filter(RuntimeFiles::isAlive);
    }

    /** True while the entry's process runs and is the one that wrote it (not a reused pid). */
    public static boolean isAlive(Entry e) {
        return process(e).isPresent();
    }

    /** The entry's process while it runs and is the one that wrote it. */
    public static Optional<ProcessHandle> process(Entry e) {
        return ProcessHandle.of(e.pid()).filter(ProcessHandle::isAlive).filter(p -> {
            long started = p.info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
            return e.processStartMs() < 0 || started < 0 || started == e.processStartMs();
        });
    }

    /** Removes the file of {@code mountPoint} if it is {@code pid}'s (never a newer daemon's). */
    public void delete(Path mountPoint, long pid) {
        Optional<Entry> e = read(mountPoint);
        if (e.isPresent() && e.get().pid() != pid) {
            return;
        }
        try {
            Files.deleteIfExists(fileOf(mountPoint));
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot remove the runtime file of " + mountPoint, ex);
        }
    }

    /** Removes the file of {@code mountPoint} whoever wrote it (its daemon is known to be gone). */
    public void deleteStale(Path mountPoint) {
        try {
            Files.deleteIfExists(fileOf(mountPoint));
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot remove the runtime file of " + mountPoint, ex);
        }
    }
}
