package io.quire.mount.vfs;

import io.quire.mount.Errno;
import io.quire.mount.Modes;
import io.quire.mount.testing.VfsFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static io.quire.mount.testing.VfsFixture.assertErrno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Confined to the JUnit thread (background threads only in the code under test). Names: mkdir,
 * rmdir, link, symlink, mknod, readdir, link counts, inode numbers.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NamespaceTest {
    @TempDir
    Path dir;
    VfsFixture fx;
    Vfs vfs;
    final Caller root = Caller.ROOT;

    @BeforeEach
    void open() {
        fx = new VfsFixture(dir);
        vfs = fx.vfs;
    }

    @AfterEach
    void close() {
        fx.close();
    }

    @Test
    void rootIsADirectoryWithTwoLinks() {
        Attr a = vfs.getattr(Vfs.ROOT_INO);
        assertTrue(Modes.isDir(a.mode()));
        assertEquals(2, a.nlink());
        assertEquals(List.of(".", ".."), fx.list("/"));
    }

    @Test
    void mkdirBumpsParentLinkCountAndRmdirDropsIt() {
        fx.mkdir("/a");
        assertEquals(3, vfs.getattr(Vfs.ROOT_INO).nlink());
        Attr a = vfs.getattr(fx.ino("/a"));
        assertEquals(2, a.nlink());
        assertEquals(Modes.S_IFDIR | 0755, a.mode());
        fx.mkdir("/a/b");
        assertEquals(3, vfs.getattr(fx.ino("/a")).nlink());
        assertErrno(Errno.ENOTEMPTY, () -> vfs.rmdir(root, Vfs.ROOT_INO, Names.of("a")));
        vfs.rmdir(root, fx.ino("/a"), Names.of("b"));
        vfs.rmdir(root, Vfs.ROOT_INO, Names.of("a"));
        assertEquals(2, vfs.getattr(Vfs.ROOT_INO).nlink());
        assertErrno(Errno.ENOENT, () -> fx.ino("/a"));
    }

    @Test
    void errorsOfNamespaceOperations() {
        fx.mkdir("/d");
        fx.write("/f", new byte[] {1});
        assertErrno(Errno.EEXIST, () -> fx.mkdir("/d"));
        assertErrno(Errno.EEXIST, () -> vfs.mkdir(root, Vfs.ROOT_INO, Names.of("f"), 0755));
        assertErrno(Errno.ENOENT, () -> vfs.rmdir(root, Vfs.ROOT_INO, Names.of("nope")));
        assertErrno(Errno.ENOTDIR, () -> vfs.rmdir(root, Vfs.ROOT_INO, Names.of("f")));
        assertErrno(Errno.EISDIR, () -> vfs.unlink(root, Vfs.ROOT_INO, Names.of("d")));
        assertErrno(Errno.ENOTDIR, () -> fx.ino("/f/x"));
        assertErrno(Errno.ENOTDIR, () -> vfs.mkdir(root, fx.ino("/f"), Names.of("x"), 0755));
        assertErrno(Errno.ENAMETOOLONG, () -> vfs.mkdir(root, Vfs.ROOT_INO, Names.of("x".repeat(256)), 0755));
        assertErrno(Errno.EINVAL, () -> vfs.mkdir(root, Vfs.ROOT_INO, Names.of(".."), 0755));
        vfs.mkdir(root, Vfs.ROOT_INO, Names.of("y".repeat(255)), 0755);
    }

    @Test
    void hardLinksCountNamesAndDirectoriesCannotBeLinked() {
        long f = fx.write("/f", "hello".getBytes(StandardCharsets.UTF_8));
        fx.mkdir("/d");
        Attr a = vfs.link(root, f, fx.ino("/d"), Names.of("g"));
        assertEquals(2, a.nlink());
        assertEquals(f, fx.ino("/d/g"));
        assertArrayEquals(fx.read("/f"), fx.read("/d/g"));
        assertErrno(Errno.EPERM, () -> vfs.link(root, fx.ino("/d"), Vfs.ROOT_INO, Names.of("d2")));
        assertErrno(Errno.EEXIST, () -> vfs.link(root, f, Vfs.ROOT_INO, Names.of("d")));
        vfs.unlink(root, Vfs.ROOT_INO, Names.of("f"));
        assertEquals(1, vfs.getattr(f).nlink());
        assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), fx.read("/d/g"));
        vfs.unlink(root, fx.ino("/d"), Names.of("g"));
        assertErrno(Errno.ENOENT, () -> vfs.getattr(f));
    }

    @Test
    void symlinksKeepTheirTarget() {
        Attr s = vfs.symlink(root, Names.of("../some/where"), Vfs.ROOT_INO, Names.of("ln"));
        assertEquals(Modes.S_IFLNK | 0777, s.mode());
        assertEquals("../some/where".length(), s.size());
        assertEquals("../some/where", new String(vfs.readlink(fx.ino("/ln")), StandardCharsets.UTF_8));
        fx.write("/f", new byte[0]);
        assertErrno(Errno.EINVAL, () -> vfs.readlink(fx.ino("/f")));
        assertErrno(Errno.ENOENT, () -> vfs.symlink(root, Names.of(""), Vfs.ROOT_INO, Names.of("empty")));
        assertErrno(Errno.ENAMETOOLONG, () -> vfs.symlink(root, Names.of("x".repeat(4096)), Vfs.ROOT_INO, Names.of("long")));
        assertErrno(Errno.ELOOP, () -> vfs.open(root, fx.ino("/ln"), Modes.O_RDONLY));
        vfs.unlink(root, Vfs.ROOT_INO, Names.of("ln"));
        assertErrno(Errno.ENOENT, () -> fx.ino("/ln"));
    }

    @Test
    void mknodMakesFifosAndRefusesDevicesToOthers() {
        Attr fifo = vfs.mknod(root, Vfs.ROOT_INO, Names.of("pipe"), Modes.S_IFIFO | 0640, 0);
        assertEquals(Modes.S_IFIFO | 0640, fifo.mode());
        assertEquals(Modes.S_IFIFO | 0640, vfs.getattr(fx.ino("/pipe")).mode());
        Caller user = Caller.of(1000, 1000);
        vfs.chmod(root, Vfs.ROOT_INO, 0777);
        assertErrno(Errno.EPERM, () -> vfs.mknod(user, Vfs.ROOT_INO, Names.of("dev"), Modes.S_IFCHR | 0600, 0x0501));
        Attr dev = vfs.mknod(root, Vfs.ROOT_INO, Names.of("dev"), Modes.S_IFCHR | 0600, 0x0501);
        assertEquals(0x0501, dev.rdev());
        assertErrno(Errno.EINVAL, () -> vfs.mknod(root, Vfs.ROOT_INO, Names.of("d"), Modes.S_IFDIR | 0755, 0));
        Attr reg = vfs.mknod(root, Vfs.ROOT_INO, Names.of("plain"), 0644, 0);
        assertEquals(Modes.S_IFREG | 0644, reg.mode());
        vfs.unlink(root, Vfs.ROOT_INO, Names.of("pipe"));
    }

    @Test
    void inodeNumbersAreStableAndNeverReused() {
        long a = fx.write("/a", new byte[] {1});
        vfs.unlink(root, Vfs.ROOT_INO, Names.of("a"));
        long b = fx.write("/a", new byte[] {1});
        assertNotEquals(a, b);
        fx.reopen();
        vfs = fx.vfs;
        assertEquals(b, fx.ino("/a"));
        long c = fx.write("/c", new byte[] {1});
        assertTrue(c > b);
    }

    @Test
    void readdirListsEverythingWithTypesAndInodes() {
        fx.mkdir("/d");
        long f = fx.write("/d/file", new byte[] {1});
        vfs.mkdir(root, fx.ino("/d"), Names.of("sub"), 0700);
        vfs.symlink(root, Names.of("file"), fx.ino("/d"), Names.of("ln"));
        List<DirEntry> all = fx.entries(fx.ino("/d"), 0, 100);
        assertEquals(List.of(".", "..", "file", "sub", "ln"), all.stream().map(e -> Names.show(e.name())).toList());
        assertEquals(fx.ino("/d"), all.get(0).ino());
        assertEquals(Vfs.ROOT_INO, all.get(1).ino());
        assertEquals(f, all.get(2).ino());
        assertEquals(Modes.S_IFREG, all.get(2).type());
        assertEquals(Modes.S_IFDIR, all.get(3).type());
        assertEquals(Modes.S_IFLNK, all.get(4).type());
    }

    @Test
    void readdirOffsetsSurviveConcurrentChanges() {
        fx.mkdir("/d");
        long d = fx.ino("/d");
        for (int i = 0; i < 20; i++) {
            fx.write("/d/f" + i, new byte[0]);
        }
        List<DirEntry> first = fx.entries(d, 0, 7); // ., .., f0..f4
        assertEquals("f4", Names.show(first.get(6).name()));
        long resume = first.get(6).nextOffset();
        // Behind the reader: f0 removed, g added after it; ahead: f10 removed.
        vfs.unlink(root, d, Names.of("f0"));
        vfs.unlink(root, d, Names.of("f10"));
        fx.write("/d/late", new byte[0]);
        List<String> rest = new ArrayList<>();
        vfs.readdir(d, resume, e -> rest.add(Names.show(e.name())));
        List<String> expected = new ArrayList<>();
        for (int i = 5; i < 20; i++) {
            if (i != 10) {
                expected.add("f" + i);
            }
        }
        expected.add("late");
        assertEquals(expected, rest);
        // Offsets 1 and 2 resume after "." and "..".
        assertEquals("..", Names.show(fx.entries(d, 1, 1).get(0).name()));
        assertEquals("f1", Names.show(fx.entries(d, 2, 1).get(0).name()));
    }

    @Test
    void lookupHandlesDotAndDotDot() {
        fx.mkdir("/a");
        fx.mkdir("/a/b");
        long a = fx.ino("/a");
        long b = fx.ino("/a/b");
        assertEquals(a, vfs.lookup(root, b, Names.of("..")));
        assertEquals(b, vfs.lookup(root, b, Names.of(".")));
        assertEquals(b, fx.ino("//a///b/"));
    }

    @Test
    void statfsReportsTheVolumeSize() {
        fx.write("/f", new byte[10_000]);
        StatFs s = vfs.statfs();
        assertEquals(fx.config.volumeSizeBytes().getAsLong() / s.fragmentSize(), s.blocks());
        assertTrue(s.blocksFree() < s.blocks());
        assertEquals(255, s.nameMax());
        assertEquals(4096, s.blockSize());
    }
}
