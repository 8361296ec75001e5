package io.quire.mount.daemon;

import io.quire.proto.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Thread-safe (immutable). The token that ties a cache directory to its volume and to the lease
 * epoch it was last written under ({@code DIR/quire-cache.token}, JSON, replaced atomically).
 *
 * <p>A cache may hold changes not yet uploaded. Uploading them is right only if nobody else wrote
 * the volume since: the read-write lease's epoch rises by exactly one per grant, so a cache last
 * written under epoch E may be used by the mount that was granted E+1 and by no other. Anything
 * else means another mount held the volume in between, and the cache is refused rather than
 * silently mixed in.
 *
 * @param format     of this file, {@value #FORMAT}
 * @param volumeName for messages (volumes are identified by id)
 */
public record CacheToken(int format, long volumeId, String volumeName, long epoch) {
    public static final String FILE_NAME = "quire-cache.token";
    static final int FORMAT = 1;

    /** The token in {@code cacheDir}, if there is one; an unreadable token is an error. */
    public static Optional<CacheToken> read(Path cacheDir) {
        Path f = cacheDir.resolve(FILE_NAME);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            CacheToken t = Json.MAPPER.readValue(Files.readAllBytes(f), CacheToken.class);
            if (t.format != FORMAT) {
                throw new IllegalStateException("cache token " + f + " has format " + t.format + ", expected "
                        + FORMAT + ": remove " + cacheDir + " or pick another --cache-dir");
            }
            return Optional.of(t);
        } catch (IOException e) {
            throw new IllegalStateException("cache token " + f + " is unreadable (" + e.getMessage()
                    + "): remove " + cacheDir + " or pick another --cache-dir", e);
        }
    }

    /**
     * Checks that {@code cacheDir} may serve volume {@code volumeId} as the mount granted
     * {@code epoch}, and records that epoch (durably) before anything else touches the cache.
     *
     * @throws IllegalStateException with a message for the user when the cache belongs to another
     *                               volume, holds files but no token, or is stale
     */
    public static CacheToken claim(Path cacheDir, long volumeId, String volumeName, long epoch) {
        check(cacheDir, volumeId, volumeName, epoch);
        CacheToken next = new CacheToken(FORMAT, volumeId, volumeName, epoch);
        try {
            AtomicFiles.write(cacheDir.resolve(FILE_NAME), Json.MAPPER.writeValueAsBytes(next));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the cache token in " + cacheDir, e);
        }
        return next;
    }

    /**
     * The rules of {@link #claim} without writing anything: run before the lease is taken with
     * the epoch the next grant will carry, so that a cache refused for sure does not cost an
     * epoch (which would make every other cache of the volume stale too).
     */
    public static void check(Path cacheDir, long volumeId, String volumeName, long epoch) {
        Optional<CacheToken> found = read(cacheDir);
        if (found.isEmpty()) {
            List<String> files = entries(cacheDir);
            if (!files.isEmpty()) {
                throw new IllegalStateException("cache directory " + cacheDir + " holds files (" + String.join(", ", files)
                        + ") but no " + FILE_NAME + ": it is not a Quire cache; remove it or pick another --cache-dir");
            }
        } else {
            CacheToken t = found.get();
            if (t.volumeId != volumeId) {
                throw new IllegalStateException("cache directory " + cacheDir + " belongs to volume '" + t.volumeName
                        + "' (id " + t.volumeId + "), not to volume '" + volumeName + "' (id " + volumeId
                        + "): pick another --cache-dir");
            }
            if (epoch != t.epoch + 1) {
                throw new IllegalStateException("cache directory " + cacheDir + " is stale: it was last written under lease epoch "
                        + t.epoch + ", but this mount's lease epoch is " + epoch + ", so another read-write mount used volume '"
                        + volumeName + "' in between and changes left in this cache could overwrite newer data."
                        + " Remove " + cacheDir + " (the volume's data is on the servers) or pick another --cache-dir");
            }
        }
    }

    /** The names in {@code dir} other than our own temporary file (absent dir: none). */
    private static List<String> entries(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("." + FILE_NAME + ".tmp"))
                    .sorted().limit(5).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list cache directory " + dir, e);
        }
    }
}
