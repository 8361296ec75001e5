package io.quire.mount.vfs;

import io.quire.mount.Errno;
import io.quire.mount.Modes;
import io.quire.mount.testing.VfsFixture;
import java.nio.file.Path;
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
 * Confined to the JUnit thread (background threads only in the code under test). Permission and
 * ownership rules for callers other than root.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PermissionTest {
    @TempDir
    Path dir;
    VfsFixture fx;
    Vfs vfs;
    final Caller root = Caller.ROOT;
    final Caller alice = Caller.of(1000, 1000, 50);
    final Caller bob = Caller.of(1001, 1001);

    @BeforeEach
    void open() {
        fx = new VfsFixture(dir);
        vfs = fx.vfs;
        vfs.chmod(root, Vfs.ROOT_INO, 0777);
    }

    @AfterEach
    void close() {
        fx.close();
    }

    @Test
    void ownerGroupAndOtherBitsDecideOpens() {
        long f = fx.write(alice, "/f", new byte[] {1});
        vfs.chmod(alice, f, 0640);
        vfs.chown(alice, f, -1, 50);
        Caller groupMember = Caller.of(1002, 1002, 50);
        vfs.release(vfs.open(alice, f, Modes.O_RDWR));
        vfs.release(vfs.open(groupMember, f, Modes.O_RDONLY));
        assertErrno(Errno.EACCES, () -> vfs.open(groupMember, f, Modes.O_WRONLY));
        assertErrno(Errno.EACCES, () -> vfs.open(bob, f, Modes.O_RDONLY));
        assertErrno(Errno.EACCES, () -> vfs.open(groupMember, f, Modes.O_RDONLY | Modes.O_TRUNC));
        // Owner bits apply to the owner even when group bits would allow more.
        vfs.chmod(alice, f, 0070);
        assertErrno(Errno.EACCES, () -> vfs.open(alice, f, Modes.O_RDONLY));
        // Root bypasses read and write bits.
        vfs.release(vfs.open(root, f, Modes.O_RDWR));
    }

    @Test
    void accessChecksLikeOpen() {
        long f = fx.write(alice, "/f", new byte[0]);
        vfs.chmod(alice, f, 0744);
        vfs.access(alice, f, Modes.R_OK | Modes.W_OK | Modes.X_OK);
        vfs.access(bob, f, Modes.R_OK);
        vfs.access(bob, f, Modes.F_OK);
        assertErrno(Errno.EACCES, () -> vfs.access(bob, f, Modes.W_OK));
        assertErrno(Errno.EACCES, () -> vfs.access(bob, f, Modes.X_OK));
        vfs.chmod(alice, f, 0644);
        // Root may execute only what someone may execute.
        assertErrno(Errno.EACCES, () -> vfs.access(root, f, Modes.X_OK));
        vfs.access(root, f, Modes.R_OK | Modes.W_OK);
    }

    @Test
    void execveOpensNeedExecuteNotRead() {
        long f = fx.write(alice, "/prog", new byte[] {1});
        vfs.chmod(alice, f, 0711);
        int exec = Modes.O_RDONLY | Modes.FMODE_EXEC;
        vfs.release(vfs.open(bob, f, exec)); // execute-only: runs, though bob may not read it
        assertErrno(Errno.EACCES, () -> vfs.open(bob, f, Modes.O_RDONLY));
        vfs.chmod(alice, f, 0614); // other may read, only the group may execute
        assertErrno(Errno.EACCES, () -> vfs.open(bob, f, exec));
        vfs.release(vfs.open(bob, f, Modes.O_RDONLY));
        vfs.release(vfs.open(root, f, exec)); // root: someone may execute it
        vfs.chmod(alice, f, 0644);
        assertErrno(Errno.EACCES, () -> vfs.open(root, f, exec));
    }

    @Test
    void searchPermissionGuardsLookups() {
        long d = vfs.mkdir(alice, Vfs.ROOT_INO, Names.of("private"), 0700).ino();
        fx.write(alice, "/private/f", new byte[0]);
        assertErrno(Errno.EACCES, () -> vfs.resolve(bob, Names.of("/private/f")));
        assertErrno(Errno.EACCES, () -> vfs.lookup(bob, d, Names.of("f")));
        assertErrno(Errno.EACCES, () -> vfs.opendir(bob, d));
        assertErrno(Errno.EACCES, () -> vfs.create(bob, d, Names.of("g"), 0644, Modes.O_WRONLY | Modes.O_CREAT));
        assertErrno(Errno.EACCES, () -> vfs.unlink(bob, d, Names.of("f")));
        vfs.resolve(root, Names.of("/private/f"));
    }

    @Test
    void creatingNeedsWriteOnTheDirectory() {
        long d = vfs.mkdir(alice, Vfs.ROOT_INO, Names.of("ro"), 0755).ino();
        assertErrno(Errno.EACCES, () -> vfs.mkdir(bob, d, Names.of("x"), 0755));
        assertErrno(Errno.EACCES, () -> vfs.symlink(bob, Names.of("t"), d, Names.of("x")));
        assertErrno(Errno.EACCES, () -> vfs.mknod(bob, d, Names.of("x"), Modes.S_IFIFO | 0644, 0));
        Attr a = vfs.mkdir(alice, d, Names.of("x"), 0750);
        assertEquals(1000, a.uid());
        assertEquals(1000, a.gid());
    }

    @Test
    void stickyDirectoryProtectsOthersEntries() {
        long tmp = vfs.mkdir(root, Vfs.ROOT_INO, Names.of("tmp"), 01777).ino();
        fx.write(alice, "/tmp/a", new byte[0]);
        fx.write(bob, "/tmp/b", new byte[0]);
        assertErrno(Errno.EPERM, () -> vfs.unlink(bob, tmp, Names.of("a")));
        assertErrno(Errno.EPERM, () -> vfs.rename(bob, tmp, Names.of("a"), tmp, Names.of("c"), 0));
        assertErrno(Errno.EPERM, () -> vfs.rename(bob, tmp, Names.of("b"), tmp, Names.of("a"), 0));
        vfs.unlink(bob, tmp, Names.of("b"));
        vfs.unlink(root, tmp, Names.of("a"));
    }

    @Test
    void chmodBelongsToTheOwnerAndDropsSgidOutsideTheGroup() {
        long f = fx.write(alice, "/f", new byte[0]);
        assertErrno(Errno.EPERM, () -> vfs.chmod(bob, f, 0777));
        vfs.chown(root, f, -1, 4242);
        assertEquals(Modes.S_IFREG | 0755, vfs.chmod(alice, f, 02755).mode());
        vfs.chown(root, f, -1, 50);
        assertEquals(Modes.S_IFREG | 02755, vfs.chmod(alice, f, 02755).mode());
        assertEquals(Modes.S_IFREG | 04711, vfs.chmod(root, f, 04711).mode());
    }

    @Test
    void chownRules() {
        long f = fx.write(alice, "/f", new byte[0]);
        assertErrno(Errno.EPERM, () -> vfs.chown(alice, f, 1001, -1));
        assertErrno(Errno.EPERM, () -> vfs.chown(alice, f, -1, 4242));
        assertErrno(Errno.EPERM, () -> vfs.chown(bob, f, -1, 1001));
        assertEquals(50, vfs.chown(alice, f, -1, 50).gid());
        assertEquals(1000, vfs.chown(alice, f, 1000, 1000).uid());
        Attr a = vfs.chown(root, f, 1001, 1001);
        assertEquals(1001, a.uid());
        assertEquals(1001, a.gid());
    }

    @Test
    void chownAndWriteClearSetIdBits() {
        long f = fx.write(alice, "/f", new byte[0]);
        vfs.chmod(alice, f, 06755);
        Attr a = vfs.chown(alice, f, -1, 50);
        assertEquals(Modes.S_IFREG | 0755, a.mode());
        vfs.chmod(alice, f, 06755);
        long fh = vfs.open(alice, f, Modes.O_WRONLY);
        vfs.write(alice, fh, 0, new byte[] {1}, 0, 1);
        vfs.release(fh);
        assertEquals(Modes.S_IFREG | 0755, vfs.getattr(f).mode());
        // set-group-ID without group-execute is mandatory-locking, not privilege: kept.
        vfs.chmod(alice, f, 04745 | Modes.S_ISGID);
        fh = vfs.open(alice, f, Modes.O_WRONLY);
        vfs.write(alice, fh, 0, new byte[] {1}, 0, 1);
        vfs.release(fh);
        assertEquals(Modes.S_IFREG | 02745, vfs.getattr(f).mode());
        // Root's writes keep them.
        vfs.chmod(root, f, 06755);
        fh = vfs.open(root, f, Modes.O_WRONLY);
        vfs.write(root, fh, 0, new byte[] {1}, 0, 1);
        vfs.release(fh);
        assertEquals(Modes.S_IFREG | 06755, vfs.getattr(f).mode());
    }

    @Test
    void setGroupIdDirectoryIsInherited() {
        long d = vfs.mkdir(root, Vfs.ROOT_INO, Names.of("shared"), 02777).ino();
        vfs.chown(root, d, -1, 50);
        long f = fx.write(bob, "/shared/f", new byte[0]);
        assertEquals(50, vfs.getattr(f).gid());
        Attr sub = vfs.mkdir(bob, d, Names.of("sub"), 0755);
        assertEquals(50, sub.gid());
        assertEquals(Modes.S_IFDIR | 02755, sub.mode());
    }

    @Test
    void utimensNeedsOwnershipForExplicitTimesAndWriteForNow() {
        long f = fx.write(alice, "/f", new byte[0]);
        vfs.chmod(alice, f, 0646);
        TimeSpec t = TimeSpec.ofNanos(1_000_000_000L);
        assertErrno(Errno.EPERM, () -> vfs.utimens(bob, f, t, t));
        vfs.utimens(bob, f, TimeSpec.NOW, TimeSpec.NOW);
        vfs.chmod(alice, f, 0644);
        assertErrno(Errno.EACCES, () -> vfs.utimens(bob, f, TimeSpec.NOW, TimeSpec.NOW));
        vfs.utimens(alice, f, t, t);
        vfs.utimens(root, f, t, t);
    }

    @Test
    void truncateByPathNeedsWriteAndFtruncateAWritableHandle() {
        long f = fx.write(alice, "/f", new byte[100]);
        assertErrno(Errno.EACCES, () -> vfs.truncate(bob, f, 0));
        long fh = vfs.open(bob, f, Modes.O_RDONLY);
        assertErrno(Errno.EINVAL, () -> vfs.ftruncate(bob, fh, 0));
        assertErrno(Errno.EBADF, () -> vfs.write(bob, fh, 0, new byte[1], 0, 1));
        vfs.release(fh);
        vfs.truncate(alice, f, 10);
        assertArrayEquals(new byte[10], fx.read("/f"));
    }

    @Test
    void newFileIsOpenedWhateverItsMode() {
        Vfs.Opened o = vfs.create(alice, Vfs.ROOT_INO, Names.of("ro"), 0444, Modes.O_RDWR | Modes.O_CREAT | Modes.O_EXCL);
        vfs.write(alice, o.fh(), 0, new byte[] {7}, 0, 1);
        vfs.release(o.fh());
        assertErrno(Errno.EACCES, () -> vfs.open(alice, fx.ino("/ro"), Modes.O_WRONLY));
        assertErrno(Errno.EEXIST, () -> vfs.create(alice, Vfs.ROOT_INO, Names.of("ro"), 0444, Modes.O_RDWR | Modes.O_CREAT | Modes.O_EXCL));
        assertErrno(Errno.EACCES, () -> vfs.create(alice, Vfs.ROOT_INO, Names.of("ro"), 0444, Modes.O_RDWR | Modes.O_CREAT));
    }
}
