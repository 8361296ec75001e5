package io.quire.mount.fuse;

import io.quire.mount.Errno;
import io.quire.mount.MountLimits;
import io.quire.mount.PosixException;
import io.quire.mount.vfs.Names;
import jnr.ffi.Pointer;

/**
 * Thread-safe (stateless). The C strings libfuse passes: paths, names and symlink targets, read
 * as the bytes they are.
 */
final class CStrings {
    private CStrings() {
    }

    /**
     * The bytes before the NUL; null for a null pointer. ENAMETOOLONG past
     * {@link MountLimits#PATH_MAX_BYTES}.
     */
    static byte[] bytes(Pointer p) {
        if (p == null || p.address() == 0) {
            return null;
        }
        int n = p.indexOf(0, (byte) 0, MountLimits.PATH_MAX_BYTES + 1);
        if (n < 0) {
            throw new PosixException(Errno.ENAMETOOLONG, "path or name longer than " + MountLimits.PATH_MAX_BYTES + " bytes");
        }
        byte[] b = new byte[n];
        p.get(0, b, 0, n);
        return b;
    }

    /** The string for a log line; never throws. */
    static String show(Pointer p) {
        try {
            return Names.show(bytes(p));
        } catch (RuntimeException e) {
            return "(unreadable path: " + e + ")";
        }
    }
}
