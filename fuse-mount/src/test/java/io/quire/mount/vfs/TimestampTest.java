package io.quire.mount.vfs;

import io.quire.mount.Modes;
import io.quire.mount.testing.VfsFixture;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Confined to the JUnit thread (background threads only in the code under test). atime, mtime and
 * ctime as POSIX (and relatime) move them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TimestampTest {
    private static final long SECOND = 1_000_000_000L;
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
    void createSetsAllThreeAndTouchesTheParent() {
        long t = fx.clock.advance(SECOND);
        long f = fx.write("/f", new byte[0]);
        Attr a = vfs.getattr(f);
        assertEquals(t, a.atimeNs());
        assertEquals(t, a.mtimeNs());
        assertEquals(t, a.ctimeNs());
        assertEquals(t, vfs.getattr(Vfs.ROOT_INO).mtimeNs());
        assertEquals(t, vfs.getattr(Vfs.ROOT_INO).ctimeNs());
    }

    @Test
    void writeUpdatesMtimeAndCtimeButNotAtime() {
        long t0 = fx.clock.getAsLong();
        long f = fx.write("/f", new byte[0]);
        long t1 = fx.clock.advance(SECOND);
        long fh = vfs.open(root, f, Modes.O_WRONLY);
        vfs.write(root, fh, 0, new byte[] {1, 2}, 0, 2);
        vfs.release(fh);
        Attr a = vfs.getattr(f);
        assertEquals(t0, a.atimeNs());
        assertEquals(t1, a.mtimeNs());
        assertEquals(t1, a.ctimeNs());
    }

    @Test
    void readUpdatesAtimeRelatimeStyle() {
        long f = fx.write("/f", new byte[] {1});
        long t1 = fx.clock.advance(SECOND);
        fx.read("/f");
        assertEquals(t1, vfs.getattr(f).atimeNs(), "atime not newer than mtime: updated");
        fx.clock.advance(SECOND);
        fx.read("/f");
        assertEquals(t1, vfs.getattr(f).atimeNs(), "atime newer than mtime and fresh: kept");
        long t3 = fx.clock.advance(TimeUnit.DAYS.toNanos(1));
        fx.read("/f");
        assertEquals(t3, vfs.getattr(f).atimeNs(), "a day old: updated");
    }

    @Test
    void metadataChangesUpdateCtimeOnly() {
        long f = fx.write("/f", new byte[0]);
        long m = vfs.getattr(f).mtimeNs();
        long t = fx.clock.advance(SECOND);
        vfs.chmod(root, f, 0600);
        assertEquals(t, vfs.getattr(f).ctimeNs());
        t = fx.clock.advance(SECOND);
        vfs.chown(root, f, 5, 5);
        assertEquals(t, vfs.getattr(f).ctimeNs());
        t = fx.clock.advance(SECOND);
        vfs.setxattr(root, f, "user.k", new byte[] {1}, 0);
        assertEquals(t, vfs.getattr(f).ctimeNs());
        t = fx.clock.advance(SECOND);
        vfs.link(root, f, Vfs.ROOT_INO, Names.of("g"));
        assertEquals(t, vfs.getattr(f).ctimeNs());
        assertEquals(m, vfs.getattr(f).mtimeNs());
    }

    @Test
    void utimensSetsNowExplicitOrOmits() {
        long f = fx.write("/f", new byte[0]);
        Attr before = vfs.getattr(f);
        long t = fx.clock.advance(SECOND);
        Attr a = vfs.utimens(root, f, TimeSpec.ofNanos(5 * SECOND + 7), TimeSpec.OMIT);
        assertEquals(5 * SECOND + 7, a.atimeNs());
        assertEquals(before.mtimeNs(), a.mtimeNs());
        assertEquals(t, a.ctimeNs());
        t = fx.clock.advance(SECOND);
        a = vfs.utimens(root, f, TimeSpec.OMIT, TimeSpec.NOW);
        assertEquals(5 * SECOND + 7, a.atimeNs());
        assertEquals(t, a.mtimeNs());
        fx.clock.advance(SECOND);
        Attr same = vfs.utimens(root, f, TimeSpec.OMIT, TimeSpec.OMIT);
        assertEquals(t, same.ctimeNs(), "omitting both changes nothing");
    }

    @Test
    void truncateAndUnlinkTouchWhatPosixSays() {
        long f = fx.write("/f", new byte[10]);
        vfs.link(root, f, Vfs.ROOT_INO, Names.of("g"));
        long t = fx.clock.advance(SECOND);
        vfs.truncate(root, f, 3);
        assertEquals(t, vfs.getattr(f).mtimeNs());
        assertEquals(t, vfs.getattr(f).ctimeNs());
        t = fx.clock.advance(SECOND);
        vfs.unlink(root, Vfs.ROOT_INO, Names.of("g"));
        assertEquals(t, vfs.getattr(f).ctimeNs());
        assertEquals(t, vfs.getattr(Vfs.ROOT_INO).mtimeNs());
    }
}
