package io.quire.mount.vfs;

import io.quire.mount.Errno;
import io.quire.mount.MountLimits;
import io.quire.mount.PosixException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Thread-safe (stateless). Directory entry names, which are byte strings as on any Linux file
 * system: any bytes but '/' and NUL, up to {@link MountLimits#NAME_MAX_BYTES}, stored and returned
 * exactly as given (never decoded, so two names that differ in a byte are two names).
 */
public final class Names {
    private Names() {
    }

    /** The bytes of a name an entry may have ("." and ".." may not). */
    static byte[] entry(byte[] name) {
        if (isDot(name) || isDotDot(name)) {
            throw new PosixException(Errno.EINVAL, "'" + show(name) + "' cannot name an entry");
        }
        return any(name);
    }

    /** The bytes of a name to look up. */
    static byte[] any(byte[] name) {
        if (name.length == 0) {
            throw new PosixException(Errno.ENOENT, "empty name");
        }
        for (byte b : name) {
            if (b == '/' || b == 0) {
                throw new PosixException(Errno.EINVAL, "name contains '/' or NUL");
            }
        }
        if (name.length > MountLimits.NAME_MAX_BYTES) {
            throw new PosixException(Errno.ENAMETOOLONG, "name of " + name.length + " bytes");
        }
        return name;
    }

    static boolean isDot(byte[] name) {
        return name.length == 1 && name[0] == '.';
    }

    static boolean isDotDot(byte[] name) {
        return name.length == 2 && name[0] == '.' && name[1] == '.';
    }

    /** UTF-8 bytes of a name held as text (tests, tools). */
    public static byte[] of(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A name or path for messages and logs: as text when it is UTF-8, with each other byte as
     * {@code \xNN} otherwise. Never used to store or compare names.
     */
    public static String show(byte[] name) {
        if (name == null) {
            return "(none)";
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(name)).toString();
        } catch (CharacterCodingException e) {
            StringBuilder b = new StringBuilder(name.length * 2);
            for (byte x : name) {
                if (x >= 0x20 && x < 0x7f && x != '\\') {
                    b.append((char) x);
                } else {
                    b.append(String.format("\\x%02x", x & 0xff));
                }
            }
            return b.toString();
        }
    }
}
