package io.quire.server.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Thread-safe (stateless), but meant to be called once at start-up. A server's persistent
 * identity, {@code srv-} and 12 lowercase hex digits, kept in {@code DATA_DIR/server.id} so that a
 * restarted server keeps its place in the cluster map.
 */
public final class ServerIdentity {
    public static final String FILE_NAME = "server.id";
    private static final String PREFIX = "srv-";
    private static final int RANDOM_BYTES = 6;
    private static final Pattern FORMAT = Pattern.compile("srv-[0-9a-f]{12}");
    /** A valid file is one id and a newline; anything much longer is not ours. */
    private static final long FILE_BYTES_MAX = 64;

    private ServerIdentity() {
    }

    /**
     * Reads the id in {@code dataDir}, or creates one. Creation is atomic (temp file, fsync,
     * rename, fsync of the directory): a crash leaves either no id or a complete one.
     *
     * @throws IllegalStateException when the file exists but does not hold a valid id (a startup
     *                               error for an operator: the file was edited or damaged)
     */
    public static String loadOrCreate(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        Path file = dataDir.resolve(FILE_NAME);
        String existing = read(file);
        if (existing != null) {
            return existing;
        }
        String id = PREFIX + HexFormat.of().formatHex(randomBytes());
        Path temp = dataDir.resolve(FILE_NAME + ".tmp");
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap((id + "\n").getBytes(StandardCharsets.US_ASCII));
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            ch.force(true);
        }
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("file system of " + dataDir + " cannot rename atomically", e);
        }
        fsyncDirectory(dataDir);
        return id;
    }

    /** True for a well-formed server id. */
    public static boolean isValid(String id) {
        return id != null && FORMAT.matcher(id).matches();
    }

    private static String read(Path file) throws IOException {
        String text;
        try {
            if (Files.size(file) > FILE_BYTES_MAX) {
                throw malformed(file, "a file of " + Files.size(file) + " bytes");
            }
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return null;
        } catch (MalformedInputException e) {
            throw malformed(file, "non-ASCII bytes");
        }
        String id = text.strip();
        if (!isValid(id)) {
            throw malformed(file, "'" + id + "'");
        }
        return id;
    }

    private static IllegalStateException malformed(Path file, String found) {
        return new IllegalStateException("malformed server id file " + file + ": expected 'srv-' and 12 lowercase hex"
                + " digits, found " + found + ". Restore the file, or delete it to join as a new server.");
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[RANDOM_BYTES];
        new SecureRandom().nextBytes(b);
        return b;
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
