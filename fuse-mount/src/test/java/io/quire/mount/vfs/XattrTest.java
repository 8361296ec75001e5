package io.quire.mount.vfs;

import io.quire.mount.Errno;
import io.quire.mount.Modes;
import io.quire.mount.testing.VfsFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static io.quire.mount.testing.VfsFixture.assertErrno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Confined to the JUnit thread (background threads only in the code under test). Extended
 * attributes: flags, sizes, namespaces, permissions.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class XattrTest {
    @TempDir
    Path dir;
    VfsFixture fx;
    Vfs vfs;
    long f;
    final Caller root = Caller.ROOT;

    @BeforeEach
    void open() {
        fx = new VfsFixture(dir);
        vfs = fx.vfs;
        f = fx.write("/f", new byte[0]);
    }

    @AfterEach
    void close() {
        fx.close();
    }

    private byte[] get(Caller c, String name) {
        int n = vfs.getxattr(c, f, name, null);
        byte[] out = new byte[Math.max(1, n)];
        assertEquals(n, vfs.getxattr(c, f, name, out));
        return Arrays.copyOf(out, n);
    }

    private String list(Caller c) {
        int n = vfs.listxattr(c, f, null);
        byte[] out = new byte[Math.max(1, n)];
        assertEquals(n, vfs.listxattr(c, f, out));
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    @Test
    void setGetListRemove() {
        vfs.setxattr(root, f, "user.a", "one".getBytes(StandardCharsets.UTF_8), 0);
        vfs.setxattr(root, f, "user.b", new byte[0], 0);
        assertArrayEquals("one".getBytes(StandardCharsets.UTF_8), get(root, "user.a"));
        assertArrayEquals(new byte[0], get(root, "user.b"));
        assertEquals("user.a\0user.b\0", list(root));
        vfs.setxattr(root, f, "user.a", "two!".getBytes(StandardCharsets.UTF_8), 0);
        assertArrayEquals("two!".getBytes(StandardCharsets.UTF_8), get(root, "user.a"));
        vfs.removexattr(root, f, "user.a");
        assertErrno(Errno.ENODATA, () -> vfs.getxattr(root, f, "user.a", null));
        assertErrno(Errno.ENODATA, () -> vfs.removexattr(root, f, "user.a"));
        assertEquals("user.b\0", list(root));
    }

    @Test
    void createAndReplaceFlags() {
        byte[] v = {1};
        assertErrno(Errno.ENODATA, () -> vfs.setxattr(root, f, "user.k", v, Modes.XATTR_REPLACE));
        vfs.setxattr(root, f, "user.k", v, Modes.XATTR_CREATE);
        assertErrno(Errno.EEXIST, () -> vfs.setxattr(root, f, "user.k", v, Modes.XATTR_CREATE));
        vfs.setxattr(root, f, "user.k", new byte[] {2}, Modes.XATTR_REPLACE);
        assertArrayEquals(new byte[] {2}, get(root, "user.k"));
    }

    @Test
    void smallBuffersGetErange() {
        vfs.setxattr(root, f, "user.k", new byte[10], 0);
        assertEquals(10, vfs.getxattr(root, f, "user.k", new byte[0]));
        assertErrno(Errno.ERANGE, () -> vfs.getxattr(root, f, "user.k", new byte[9]));
        assertEquals(7, vfs.listxattr(root, f, null));
        assertErrno(Errno.ERANGE, () -> vfs.listxattr(root, f, new byte[6]));
    }

    @Test
    void limitsAndNamespaces() {
        assertErrno(Errno.E2BIG, () -> vfs.setxattr(root, f, "user.big", new byte[64 * 1024 + 1], 0));
        vfs.setxattr(root, f, "user.max", new byte[64 * 1024], 0);
        assertErrno(Errno.ERANGE, () -> vfs.setxattr(root, f, "user." + "n".repeat(251), new byte[1], 0));
        assertErrno(Errno.EOPNOTSUPP, () -> vfs.setxattr(root, f, "system.posix_acl_access", new byte[1], 0));
        assertErrno(Errno.EOPNOTSUPP, () -> vfs.setxattr(root, f, "other.k", new byte[1], 0));
        assertErrno(Errno.EOPNOTSUPP, () -> vfs.getxattr(root, f, "user.", null));
    }

    @Test
    void permissionsAndPrivilegedNamespaces() {
        Caller bob = Caller.of(1001, 1001);
        vfs.chmod(root, f, 0644);
        vfs.setxattr(root, f, "user.k", new byte[] {1}, 0);
        vfs.setxattr(root, f, "trusted.t", new byte[] {2}, 0);
        assertArrayEquals(new byte[] {1}, get(bob, "user.k"));
        assertErrno(Errno.EACCES, () -> vfs.setxattr(bob, f, "user.k", new byte[] {3}, 0));
        assertErrno(Errno.EACCES, () -> vfs.removexattr(bob, f, "user.k"));
        assertErrno(Errno.EPERM, () -> vfs.setxattr(bob, f, "trusted.x", new byte[] {3}, 0));
        assertErrno(Errno.ENODATA, () -> vfs.getxattr(bob, f, "trusted.t", null));
        assertEquals("user.k\0", list(bob));
        assertEquals("trusted.t\0user.k\0", list(root));
        vfs.chmod(root, f, 0600);
        assertErrno(Errno.EACCES, () -> vfs.getxattr(bob, f, "user.k", null));
    }

    @Test
    void userAttributesOnlyOnFilesAndDirectories() {
        long ln = vfs.symlink(root, Names.of("f"), Vfs.ROOT_INO, Names.of("ln")).ino();
        assertErrno(Errno.EPERM, () -> vfs.setxattr(root, ln, "user.k", new byte[1], 0));
        long d = fx.mkdir("/d");
        vfs.setxattr(root, d, "user.k", new byte[] {9}, 0);
        assertEquals(1, vfs.getxattr(root, d, "user.k", null));
    }

    @Test
    void attributesGoAwayWithTheirInodeAndSurviveReopen() {
        vfs.setxattr(root, f, "user.k", new byte[] {4}, 0);
        fx.reopen();
        vfs = fx.vfs;
        assertArrayEquals(new byte[] {4}, get(root, "user.k"));
        vfs.unlink(root, Vfs.ROOT_INO, Names.of("f"));
        long g = fx.write("/f", new byte[0]);
        assertEquals(0, vfs.listxattr(root, g, null));
    }
}
