package io.quire.mount.daemon;

import io.quire.mount.fuse.FuseMount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Thread-safe (stateless). What the kernel says about a mount point: {@code /proc/self/mountinfo}
 * and the devices of a directory and its parent.
 *
 * <p>A FUSE mount whose daemon died ("Transport endpoint is not connected") cannot even be
 * stat'ed, so it is recognized from the mount table, not from the error text of a failed stat.
 */
public final class MountPoints {
    static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private MountPoints() {
    }

    /** The absolute, normalized form every daemon file and message uses. */
    public static Path normalize(Path mountPoint) {
        return mountPoint.toAbsolutePath().normalize();
    }

    /** True when something is mounted at {@code mountPoint}: its device differs from its parent's. */
    public static boolean isMounted(Path mountPoint) {
        Object dev = device(mountPoint);
        Object parent = device(mountPoint.getParent());
        return dev != null && parent != null && !dev.equals(parent);
    }

    /** The file-system type the mount table lists at {@code mountPoint} (the last mount wins). */
    public static Optional<String> mountedType(Path mountPoint) {
        String target = normalize(mountPoint).toString();
        try {
            return mountedType(Files.readString(MOUNTINFO), target);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Parses mountinfo text (proc(5)): field 5 is the mount point, the type follows " - ". */
    static Optional<String> mountedType(String mountinfo, String target) {
        String type = null;
        for (String line : mountinfo.split("\n")) {
            String[] f = line.split(" ");
            int sep = line.indexOf(" - ");
            if (f.length < 5 || sep < 0 || !unescape(f[4]).equals(target)) {
                continue;
            }
            String[] tail = line.substring(sep + 3).split(" ");
            type = tail.length > 0 ? tail[0] : "";
        }
        return Optional.ofNullable(type);
    }

    /** Undoes mountinfo's octal escapes of space, tab, newline and backslash. */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** True for a FUSE mount at {@code mountPoint} whose daemon is gone (it cannot be stat'ed). */
    public static boolean isStaleFuse(Path mountPoint) {
        return mountedType(mountPoint).filter(t -> t.startsWith("fuse")).isPresent() && device(mountPoint) == null;
    }

    /** Unmounts {@code mountPoint} lazily ({@code fusermount -u -z}, then {@code umount -l}). */
    public static void unmount(Path mountPoint) {
        FuseMount.unmount(mountPoint);
    }

    /** The device of a path, or null when it cannot be stat'ed. */
    static Object device(Path p) {
        if (p == null) {
            return null;
        }
        try {
            return Files.getAttribute(p, "unix:dev", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
