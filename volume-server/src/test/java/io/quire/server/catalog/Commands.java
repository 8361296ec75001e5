package io.quire.server.catalog;

import io.quire.server.catalog.CatalogCommand.CreateVolume;
import java.util.ArrayList;
import java.util.List;

/** Confined to one test: builds log entries with consecutive indexes. */
final class Commands {
    static final long GIB = 1L << 30;

    private final List<LogEntry> entries = new ArrayList<>();
    private long index;

    /** A volume with every default: 10 GiB, max = size, R=3, W=2, 64 KiB pages. */
    static CreateVolume volume(String name) {
        return new CreateVolume(name, 10 * GIB, 0, 0, 0, 0);
    }

    LogEntry at(long timestampMs, CatalogCommand command) {
        LogEntry e = new LogEntry(++index, timestampMs, command);
        entries.add(e);
        return e;
    }

    List<LogEntry> entries() {
        return List.copyOf(entries);
    }
}
