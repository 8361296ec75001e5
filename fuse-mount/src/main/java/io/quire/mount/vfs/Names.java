package io.quire.mount.vfs;

import io.quire.mount.Errno;
import io.quire.mount.MountLimits;
import io.quire.mount.PosixException;
import java.nio.charset.StandardCharsets;

/**
 * Thread-safe (stateless). Checks and encodes directory entry names.
 */
final class Names {
    private Names() {
    }

    /** The UTF-8 bytes of a name an entry may have ("." and ".." may not). */
    static byte[] entry(String name) {
        if (name.equals(".") || name.equals("..")) {
            throw new PosixException(Errno.EINVAL, "'" + name + "' cannot name an entry");
        }
        return any(name);
    }

    /** The UTF-8 bytes of a name to look up. */
    static byte[] any(String name) {
        if (name.isEmpty()) {
            throw new PosixException(Errno.ENOENT, "empty name");
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            throw new PosixException(Errno.EINVAL, "name contains '/' or NUL");
        }
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        if (b.length > MountLimits.NAME_MAX_BYTES) {
            throw new PosixException(Errno.ENAMETOOLONG, "name of " + b.length + " bytes");
        }
        return b;
    }

    static String decode(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
