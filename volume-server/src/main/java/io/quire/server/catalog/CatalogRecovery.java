package io.quire.server.catalog;

import io.quire.proto.QuireException;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Used once, by the thread that opens the catalog: rebuilds the catalog state at start from the
 * snapshot, then the log entries after it.
 *
 * <p>Entries at or below the snapshot's index are skipped (a crash between writing a snapshot and
 * emptying the log leaves them); after them, indexes must follow one another without a gap.
 * Commands that failed when first applied fail the same way again, and are skipped the same way.
 */
final class CatalogRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(CatalogRecovery.class);

    /** What a recovered catalog starts from. */
    record Recovered(CatalogStateMachine machine, CatalogLog log, SnapshotFile snapshots, int entriesSinceSnapshot) {
    }

    private CatalogRecovery() {
    }

    static Recovered recover(Path dir) throws IOException {
        SnapshotFile snapshots = new SnapshotFile(dir);
        CatalogSnapshot snapshot = snapshots.read().orElse(CatalogSnapshot.EMPTY);
        CatalogStateMachine machine;
        try {
            machine = new CatalogStateMachine(snapshot);
        } catch (IllegalStateException e) {
            throw new IOException("catalog snapshot in " + dir + " is inconsistent: " + e.getMessage(), e);
        }
        int[] replayed = {0};
        CatalogLog log;
        try {
            log = CatalogLog.open(dir.resolve("log"), entry -> {
                if (entry.index() <= machine.lastAppliedIndex() && replayed[0] == 0) {
                    return;
                }
                if (entry.index() != machine.lastAppliedIndex() + 1) {
                    throw new IllegalStateException("catalog log in " + dir + " jumps from index "
                            + machine.lastAppliedIndex() + " to " + entry.index()
                            + "; refusing to start with a gap in the history");
                }
                replay(machine, entry);
                replayed[0]++;
            });
        } catch (IllegalStateException e) {
            throw new IOException(e.getMessage(), e);
        }
        LOG.info("catalog recovered from {}: snapshot at index {}, {} log entries replayed, index {}", dir,
                snapshot.lastAppliedIndex(), replayed[0], machine.lastAppliedIndex());
        return new Recovered(machine, log, snapshots, replayed[0]);
    }

    private static void replay(CatalogStateMachine machine, LogEntry entry) {
        try {
            machine.apply(entry);
        } catch (QuireException expected) {
            LOG.debug("replayed entry {} failed again, as it did when proposed: {}", entry.index(),
                    expected.toString());
        }
    }
}
