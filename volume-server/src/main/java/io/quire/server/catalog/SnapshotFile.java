package io.quire.server.catalog;

import io.quire.proto.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Confined to the proposer thread (and the recovering thread before it starts): {@code
 * snapshot.json}, the catalog state at one log index.
 *
 * <p>Written to a temporary file, fsynced, renamed over the old one and the directory fsynced, so
 * that a crash leaves either the old or the new snapshot, never a mix.
 */
final class SnapshotFile {
    static final String NAME = "snapshot.json";
    private static final String TMP_NAME = NAME + ".tmp";

    private final Path dir;

    SnapshotFile(Path dir) {
        this.dir = dir;
    }

    /** The last snapshot written, if any; an unreadable one fails (it holds history the log no longer has). */
    Optional<CatalogSnapshot> read() throws IOException {
        Files.deleteIfExists(dir.resolve(TMP_NAME));
        Path file = dir.resolve(NAME);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Json.MAPPER.readValue(file.toFile(), CatalogSnapshot.class));
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException("catalog snapshot " + file + " is unreadable (" + e.getMessage()
                    + "); refusing to start rather than lose the catalog: restore it from a backup", e);
        }
    }

    void write(CatalogSnapshot snapshot) throws IOException {
        Path tmp = dir.resolve(TMP_NAME);
        ByteBuffer bytes = ByteBuffer.wrap(Json.MAPPER.writeValueAsBytes(snapshot));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        CatalogLog.fsyncDirectory(dir);
    }
}
