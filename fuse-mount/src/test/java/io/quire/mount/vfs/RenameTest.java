package io.quire.mount.vfs;

import io.quire.mount.Errno;
import io.quire.mount.Modes;
import io.quire.mount.testing.VfsFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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

/**
 * Confined to the JUnit thread (background threads only in the code under test). rename(2) and
 * renameat2(2) cases.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RenameTest {
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

    private void rename(String from, String to) {
        rename(from, to, 0);
    }

    private void rename(String from, String to, int flags) {
        vfs.rename(root, fx.parentOf(from), Names.of(VfsFixture.nameOf(from)), fx.parentOf(to), Names.of(VfsFixture.nameOf(to)), flags);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void renameMovesAFileAndKeepsItsInode() {
        long f = fx.write("/a", b("data"));
        fx.mkdir("/d");
        rename("/a", "/d/b");
        assertEquals(f, fx.ino("/d/b"));
        assertErrno(Errno.ENOENT, () -> fx.ino("/a"));
        assertArrayEquals(b("data"), fx.read("/d/b"));
        assertEquals(List.of(".", ".."), fx.list("/").stream().filter(n -> n.startsWith(".")).toList());
    }

    @Test
    void renameReplacesAFileAndTheOldOneLosesItsLink() {
        long a = fx.write("/a", b("new"));
        long old = fx.write("/b", b("old"));
        rename("/a", "/b");
        assertEquals(a, fx.ino("/b"));
        assertArrayEquals(b("new"), fx.read("/b"));
        assertErrno(Errno.ENOENT, () -> vfs.getattr(old));
    }

    @Test
    void renameReplacesAnEmptyDirectoryButNotAFullOne() {
        fx.mkdir("/src");
        fx.mkdir("/empty");
        fx.mkdir("/full");
        fx.write("/full/x", new byte[0]);
        long src = fx.ino("/src");
        assertErrno(Errno.ENOTEMPTY, () -> rename("/src", "/full"));
        int rootLinks = vfs.getattr(Vfs.ROOT_INO).nlink();
        rename("/src", "/empty");
        assertEquals(src, fx.ino("/empty"));
        assertEquals(rootLinks - 1, vfs.getattr(Vfs.ROOT_INO).nlink());
    }

    @Test
    void typeMismatchesAreRefused() {
        fx.mkdir("/d");
        fx.write("/f", new byte[0]);
        assertErrno(Errno.ENOTDIR, () -> rename("/d", "/f"));
        assertErrno(Errno.EISDIR, () -> rename("/f", "/d"));
        assertErrno(Errno.ENOENT, () -> rename("/missing", "/x"));
    }

    @Test
    void aDirectoryCannotMoveIntoItselfOrBelow() {
        fx.mkdir("/a");
        fx.mkdir("/a/b");
        fx.mkdir("/a/b/c");
        assertErrno(Errno.EINVAL, () -> rename("/a", "/a/x"));
        assertErrno(Errno.EINVAL, () -> rename("/a", "/a/b/c/x"));
        rename("/a/b/c", "/c");
        assertEquals(List.of(".", "..", "a", "c"), fx.list("/"));
    }

    @Test
    void movingADirectoryMovesLinkCountsAndDotDot() {
        fx.mkdir("/p");
        fx.mkdir("/q");
        fx.mkdir("/p/d");
        rename("/p/d", "/q/d");
        assertEquals(2, vfs.getattr(fx.ino("/p")).nlink());
        assertEquals(3, vfs.getattr(fx.ino("/q")).nlink());
        assertEquals(fx.ino("/q"), vfs.lookup(root, fx.ino("/q/d"), Names.of("..")));
        assertEquals(fx.ino("/q"), fx.entries(fx.ino("/q/d"), 1, 1).get(0).ino());
    }

    @Test
    void renameOfTwoNamesOfOneInodeDoesNothing() {
        long f = fx.write("/a", b("x"));
        vfs.link(root, f, Vfs.ROOT_INO, Names.of("b"));
        rename("/a", "/b");
        assertEquals(f, fx.ino("/a"));
        assertEquals(f, fx.ino("/b"));
        assertEquals(2, vfs.getattr(f).nlink());
        rename("/a", "/a");
        assertEquals(f, fx.ino("/a"));
    }

    @Test
    void renameUpdatesCtimeOfTheInodeAndTimesOfBothParents() {
        fx.mkdir("/p");
        fx.mkdir("/q");
        long f = fx.write("/p/f", b("x"));
        long before = fx.clock.getAsLong();
        long t = fx.clock.advance(5_000_000_000L);
        rename("/p/f", "/q/g");
        Attr a = vfs.getattr(f);
        assertEquals(t, a.ctimeNs());
        assertEquals(before, a.mtimeNs());
        assertEquals(t, vfs.getattr(fx.ino("/p")).mtimeNs());
        assertEquals(t, vfs.getattr(fx.ino("/q")).mtimeNs());
        assertEquals(t, vfs.getattr(fx.ino("/q")).ctimeNs());
    }

    @Test
    void noReplaceRefusesAnExistingTarget() {
        fx.write("/a", b("a"));
        fx.write("/b", b("b"));
        assertErrno(Errno.EEXIST, () -> rename("/a", "/b", Modes.RENAME_NOREPLACE));
        rename("/a", "/c", Modes.RENAME_NOREPLACE);
        assertArrayEquals(b("a"), fx.read("/c"));
        assertErrno(Errno.EINVAL, () -> rename("/c", "/d", Modes.RENAME_NOREPLACE | Modes.RENAME_EXCHANGE));
    }

    @Test
    void exchangeSwapsTwoEntriesEvenAFileAndADirectory() {
        fx.mkdir("/p");
        long d = fx.mkdir("/p/d");
        long f = fx.write("/f", b("f"));
        assertErrno(Errno.ENOENT, () -> rename("/f", "/nothing", Modes.RENAME_EXCHANGE));
        int rootLinks = vfs.getattr(Vfs.ROOT_INO).nlink();
        rename("/f", "/p/d", Modes.RENAME_EXCHANGE);
        assertEquals(f, fx.ino("/p/d"));
        assertEquals(d, fx.ino("/f"));
        assertEquals(Vfs.ROOT_INO, vfs.lookup(root, d, Names.of("..")));
        assertEquals(rootLinks + 1, vfs.getattr(Vfs.ROOT_INO).nlink());
        assertEquals(2, vfs.getattr(fx.ino("/p")).nlink());
        // Exchanging /p with a directory below it would move /p under itself.
        fx.mkdir("/p/inner");
        assertErrno(Errno.EINVAL, () -> rename("/p", "/p/inner", Modes.RENAME_EXCHANGE));
    }

    @Test
    void replacedFileThatIsOpenStaysReadable() {
        fx.write("/victim", b("still here"));
        long fh = vfs.open(root, fx.ino("/victim"), Modes.O_RDONLY);
        fx.write("/new", b("new"));
        rename("/new", "/victim");
        assertArrayEquals(b("still here"), fx.readAll(fh));
        vfs.release(fh);
    }
}
