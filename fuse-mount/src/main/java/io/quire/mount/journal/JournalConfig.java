package io.quire.mount.journal;

/**
 * Thread-safe (immutable). Tunables of the metadata journal.
 *
 * @param checkpointAfterPages a checkpoint starts once the journal holds this many pages past the
 *                             last checkpoint's start (bounds both rebuild time and server space)
 * @param closeFlushMs         how long closing waits for the journal to become durable; records
 *                             left over stay in the cache and are uploaded at the next start
 */
public record JournalConfig(long checkpointAfterPages, long closeFlushMs) {
    public static final long CHECKPOINT_AFTER_PAGES_DEFAULT = 1024;
    public static final long CLOSE_FLUSH_DEFAULT_MS = 30_000;
    /** A checkpoint rewrites every file's metadata: not more often than this many journal pages. */
    public static final long CHECKPOINT_AFTER_PAGES_MIN = 1;
    public static final long CHECKPOINT_AFTER_PAGES_MAX = 1L << 24;

    public JournalConfig {
        if (checkpointAfterPages < CHECKPOINT_AFTER_PAGES_MIN || checkpointAfterPages > CHECKPOINT_AFTER_PAGES_MAX) {
            throw new IllegalArgumentException("JournalConfig: checkpointAfterPages in [" + CHECKPOINT_AFTER_PAGES_MIN
                    + ", " + CHECKPOINT_AFTER_PAGES_MAX + "], got " + checkpointAfterPages);
        }
        if (closeFlushMs < 0) {
            throw new IllegalArgumentException("JournalConfig: closeFlushMs >= 0, got " + closeFlushMs);
        }
    }

    public static JournalConfig defaults() {
        return new JournalConfig(CHECKPOINT_AFTER_PAGES_DEFAULT, CLOSE_FLUSH_DEFAULT_MS);
    }

    public JournalConfig withCheckpointAfterPages(long pages) {
        return new JournalConfig(pages, closeFlushMs);
    }

    public JournalConfig withCloseFlushMs(long ms) {
        return new JournalConfig(checkpointAfterPages, ms);
    }
}
