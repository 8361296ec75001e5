package io.quire.server.catalog;

import static io.quire.server.catalog.Commands.GIB;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quire.proto.Json;
import io.quire.proto.QuireException;
import io.quire.server.catalog.CatalogCommand.AcquireLease;
import io.quire.server.catalog.CatalogCommand.CreateVolume;
import io.quire.server.catalog.CatalogCommand.DeleteVolume;
import io.quire.server.catalog.CatalogCommand.GrowVolume;
import io.quire.server.catalog.CatalogCommand.RegisterServer;
import io.quire.server.catalog.CatalogCommand.ReleaseLease;
import io.quire.server.catalog.CatalogCommand.RenewLease;
import io.quire.server.catalog.CatalogCommand.ResizeVolume;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Confined to the JUnit thread: seeded random command sequences; a failure prints the seed, replay with -Dcatalog.seed=N. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DeterminismTest {
    private static final int ENTRIES = 600;
    private static final String[] NAMES = {"a", "b", "c", "d"};
    private static final String[] HOLDERS = {"m1", "m2", "m3"};

    @Test
    void sameEntriesGiveEqualStateResultsAndJson() throws Exception {
        long seed = Long.getLong("catalog.seed", System.nanoTime());
        System.out.println("DeterminismTest seed " + seed);
        List<LogEntry> entries = randomEntries(new Random(seed));

        CatalogStateMachine live = new CatalogStateMachine();
        List<Object> liveResults = applyAll(live, entries);

        // Through the on-disk encoding, as a replay from the log sees the entries.
        CatalogStateMachine replayed = new CatalogStateMachine();
        List<LogEntry> decoded = new ArrayList<>();
        for (LogEntry e : entries) {
            decoded.add(Json.MAPPER.readValue(CatalogLog.encode(e), LogEntry.class));
        }
        assertEquals(entries, decoded, "seed " + seed);
        assertEquals(liveResults, applyAll(replayed, decoded), "seed " + seed);
        assertEquals(live.snapshot(), replayed.snapshot(), "seed " + seed);
        assertEquals(json(live.snapshot()), json(replayed.snapshot()), "seed " + seed);

        // From a snapshot taken half-way (through its JSON), then the rest of the entries.
        CatalogStateMachine half = new CatalogStateMachine();
        applyAll(half, entries.subList(0, ENTRIES / 2));
        CatalogSnapshot restoredSnapshot = Json.MAPPER.readValue(json(half.snapshot()), CatalogSnapshot.class);
        assertEquals(half.snapshot(), restoredSnapshot, "seed " + seed);
        CatalogStateMachine resumed = new CatalogStateMachine(restoredSnapshot);
        applyAll(resumed, entries.subList(ENTRIES / 2, ENTRIES));
        assertEquals(json(live.snapshot()), json(resumed.snapshot()), "seed " + seed);
    }

    private static String json(Object o) throws Exception {
        return Json.MAPPER.writeValueAsString(o);
    }

    /** Each result, or the status and message of each failure. */
    private static List<Object> applyAll(CatalogStateMachine m, List<LogEntry> entries) {
        List<Object> results = new ArrayList<>();
        for (LogEntry e : entries) {
            try {
                results.add(m.apply(e));
            } catch (QuireException q) {
                results.add(q.status() + ": " + q.getMessage());
            }
        }
        return results;
    }

    private static List<LogEntry> randomEntries(Random r) {
        Commands log = new Commands();
        long now = 1_000;
        for (int i = 0; i < ENTRIES; i++) {
            now += r.nextInt(3000);
            log.at(now, randomCommand(r));
        }
        return log.entries();
    }

    private static CatalogCommand randomCommand(Random r) {
        String name = NAMES[r.nextInt(NAMES.length)];
        String holder = HOLDERS[r.nextInt(HOLDERS.length)];
        long epoch = r.nextInt(5);
        switch (r.nextInt(9)) {
            case 0:
                return new RegisterServer("s" + r.nextInt(3), "10.0.0." + r.nextInt(3) + ":7000",
                        r.nextBoolean() ? null : "z" + r.nextInt(2), 1 + r.nextInt(100) * GIB);
            case 1:
            case 2:
                return new CreateVolume(name, r.nextInt(20) * GIB, r.nextInt(40) * GIB, r.nextInt(5),
                        r.nextInt(4), r.nextBoolean() ? 0 : 4096 << r.nextInt(10));
            case 3:
                return new ResizeVolume(name, r.nextInt(30) * GIB);
            case 4:
                return new DeleteVolume(name);
            case 5:
                return new AcquireLease(name, holder, 1 + r.nextInt(5000));
            case 6:
                return new RenewLease(name, holder, epoch, 1 + r.nextInt(5000));
            case 7:
                return new ReleaseLease(name, holder, epoch);
            default:
                return new GrowVolume(name, r.nextInt(40) * GIB);
        }
    }
}
