package io.quire.server.catalog;

import static io.quire.server.catalog.Commands.GIB;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Confined to the JUnit thread: the grow-on-demand arithmetic. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class GrowthPolicyTest {

    @Test
    void belowThresholdNothingChanges() {
        assertEquals(100 * GIB, GrowthPolicy.grownSize(100 * GIB, 200 * GIB, 80 * GIB - 1));
    }

    @Test
    void aQuarterOfTheSizeForLargeVolumes() {
        assertEquals(125 * GIB, GrowthPolicy.grownSize(100 * GIB, 200 * GIB, 80 * GIB));
    }

    @Test
    void atLeastOneGibForSmallVolumes() {
        long mib = 1L << 20;
        assertEquals(100 * mib + GIB, GrowthPolicy.grownSize(100 * mib, 10 * GIB, 90 * mib));
    }

    @Test
    void neverBeyondTheMaximumAndNothingAtIt() {
        assertEquals(101 * GIB, GrowthPolicy.grownSize(100 * GIB, 101 * GIB, 100 * GIB));
        assertEquals(100 * GIB, GrowthPolicy.grownSize(100 * GIB, 100 * GIB, 100 * GIB));
    }

    @Test
    void extremesDoNotOverflow() {
        long max = CatalogLimits.VOLUME_SIZE_MAX_BYTES;
        assertEquals(max, GrowthPolicy.grownSize(max - 1, max, CatalogLimits.REPORTED_VALUE_MAX));
        assertEquals(1 + GIB, GrowthPolicy.grownSize(1, max, 1));
    }
}
