package io.quire.mount;

import io.quire.proto.Status;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Confined to the JUnit thread (background threads only in the code under test). The one
 * status-to-errno mapping.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ErrnoTest {
    @Test
    void everyFailureStatusMapsAndOkDoesNot() {
        assertThrows(IllegalArgumentException.class, () -> Errno.of(Status.OK));
        for (Status s : EnumSet.complementOf(EnumSet.of(Status.OK))) {
            Errno e = Errno.of(s);
            assertEquals(true, e.code > 0, s + " -> " + e);
        }
    }

    @Test
    void theMappingsApplicationsRelyOn() {
        assertEquals(Errno.ENOENT, Errno.of(Status.NOT_FOUND));
        assertEquals(Errno.ENOSPC, Errno.of(Status.VOLUME_FULL));
        assertEquals(Errno.ENOSPC, Errno.of(Status.NO_SPACE));
        assertEquals(Errno.EIO, Errno.of(Status.FENCED));
        assertEquals(Errno.EIO, Errno.of(Status.UNAVAILABLE));
        assertEquals(Errno.EIO, Errno.of(Status.TIMEOUT));
        assertEquals(Errno.EIO, Errno.of(Status.OVERLOADED));
        assertEquals(Errno.EIO, Errno.of(Status.CORRUPT));
        assertEquals(Errno.EINVAL, Errno.of(Status.INVALID_ARGUMENT));
    }

    @Test
    void blockingOperationsNeverSeeEagainOrEtimedout() {
        for (Status s : EnumSet.complementOf(EnumSet.of(Status.OK))) {
            // EAGAIN is 11 and ETIMEDOUT 110 on Linux; neither is even in the enum.
            int code = Errno.of(s).code;
            assertEquals(false, code == 11 || code == 110, s.toString());
        }
    }

    @Test
    void linuxNumbers() {
        assertEquals(2, Errno.ENOENT.code);
        assertEquals(5, Errno.EIO.code);
        assertEquals(28, Errno.ENOSPC.code);
        assertEquals(39, Errno.ENOTEMPTY.code);
        assertEquals(61, Errno.ENODATA.code);
        assertEquals(34, Errno.ERANGE.code);
    }
}
