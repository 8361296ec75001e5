package io.quire.mount.daemon;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Confined to the JUnit thread. The mount table parser and the state directory rules. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MountPointsTest {
    @TempDir
    Path tmp;

    static final String MOUNTINFO = """
            22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
            43 22 0:40 / /tmp/qt/mnt rw,nosuid,nodev,relatime shared:5 - fuse.quire quire:vol1 rw,user_id=0
            44 22 0:41 / /tmp/with\\040space rw - fuse.quire quire:v2 rw
            45 43 0:42 / /tmp/qt/mnt rw - tmpfs tmpfs rw
            """;

    @Test
    void findsTheTypeOfTheLastMountAtAPath() {
        assertEquals(Optional.of("tmpfs"), MountPoints.mountedType(MOUNTINFO, "/tmp/qt/mnt"));
        assertEquals(Optional.of("fuse.quire"), MountPoints.mountedType(MOUNTINFO, "/tmp/with space"));
        assertEquals(Optional.of("ext4"), MountPoints.mountedType(MOUNTINFO, "/"));
        assertEquals(Optional.empty(), MountPoints.mountedType(MOUNTINFO, "/tmp"));
    }

    @Test
    void unescapesOctal() {
        assertEquals("a b\tc\\d", MountPoints.unescape("a\\040b\\011c\\134d"));
        assertEquals("trailing\\04", MountPoints.unescape("trailing\\04"));
    }

    @Test
    void aPlainDirectoryIsNotMounted() {
        assertFalse(MountPoints.isMounted(tmp));
        assertFalse(MountPoints.isStaleFuse(tmp));
        assertEquals(Optional.empty(), MountPoints.mountedType(tmp));
    }

    @Test
    void stateDirectoryRules() {
        Path home = Path.of("/home/u");
        assertEquals(Path.of("/x"), StateDirs.standardRoot(Map.of("QUIRE_STATE_DIR", "/x"), true, home));
        assertEquals(Path.of("/var/lib/quire"), StateDirs.standardRoot(Map.of(), true, home));
        assertEquals(Path.of("/s/quire"), StateDirs.standardRoot(Map.of("XDG_STATE_HOME", "/s"), false, home));
        assertEquals(Path.of("/home/u/.local/state/quire"),
                StateDirs.standardRoot(Map.of("XDG_STATE_HOME", "relative"), false, home));
        StateDirs d = new StateDirs(tmp);
        assertEquals(tmp.resolve("cache/vol"), d.cacheOf("vol"));
        assertEquals(tmp.resolve("log/" + RuntimeFiles.keyOf(Path.of("/m")) + ".log"), d.logOf(Path.of("/m")));
    }
}
