package io.quire.mount.journal;

/**
 * Thread-safe (immutable). Tunables of the metadata journal.
 *
 * @param checkpointAfterPages a checkpoint starts once the journal holds this many pages past the
 *                             last checkpoint's start (bounds both rebuild time and server space)
 * @param closeFlushMs         how long closing waits for the journal to become durable; records
 *                             left over stay in the cache and are uploaded at the next start
 * @param commitIntervalMs     how long records may wait for company before an upload when nobody
 *                             waits for them (no fsync, no data page queued behind them): metadata
 *                             that was not synced reaches the servers within about this time, and a
 *                             burst of creates costs one upload, not one per operation; 0 uploads
 *                             at once
 * @param backlogRecordsMax    records that may wait in the cache for the servers; past this,
 *                             metadata operations wait for room (up to the mount's dirty wait) and
 *                             then fail with EIO, so an unreachable cluster cannot fill the disk
 */
public record JournalConfig(long checkpointAfterPages, long closeFlushMs, long commitIntervalMs,
                            long backlogRecordsMax) {
    public static final long CHECKPOINT_AFTER_PAGES_DEFAULT = 1024;
    public static final long CLOSE_FLUSH_DEFAULT_MS = 30_000;
    public static final long COMMIT_INTERVAL_DEFAULT_MS = 1_000;
    /** Longer would stretch what a lost host loses of metadata nobody synced. */
    public static final long COMMIT_INTERVAL_MAX_MS = 60_000;
    /** About 50 to 250 MB of typical records: hours of metadata work, well inside the cache map. */
    public static final long BACKLOG_RECORDS_DEFAULT = 1 << 18;
    public static final long BACKLOG_RECORDS_MIN = 1;
    public static final long BACKLOG_RECORDS_MAX = 1 << 24;
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
        if (commitIntervalMs < 0 || commitIntervalMs > COMMIT_INTERVAL_MAX_MS) {
            throw new IllegalArgumentException("JournalConfig: commitIntervalMs in [0, " + COMMIT_INTERVAL_MAX_MS
                    + "], got " + commitIntervalMs);
        }
        if (backlogRecordsMax < BACKLOG_RECORDS_MIN || backlogRecordsMax > BACKLOG_RECORDS_MAX) {
            throw new IllegalArgumentException("JournalConfig: backlogRecordsMax in [" + BACKLOG_RECORDS_MIN + ", "
                    + BACKLOG_RECORDS_MAX + "], got " + backlogRecordsMax);
        }
    }

    public static JournalConfig defaults() {
        return new JournalConfig(CHECKPOINT_AFTER_PAGES_DEFAULT, CLOSE_FLUSH_DEFAULT_MS, COMMIT_INTERVAL_DEFAULT_MS,
                BACKLOG_RECORDS_DEFAULT);
    }

    public JournalConfig withCheckpointAfterPages(long pages) {
        return new JournalConfig(pages, closeFlushMs, commitIntervalMs, backlogRecordsMax);
    }

    public JournalConfig withCloseFlushMs(long ms) {
        return new JournalConfig(checkpointAfterPages, ms, commitIntervalMs, backlogRecordsMax);
    }

    public JournalConfig withCommitIntervalMs(long ms) {
        return new JournalConfig(checkpointAfterPages, closeFlushMs, ms, backlogRecordsMax);
    }

    public JournalConfig withBacklogRecordsMax(long records) {
        return new JournalConfig(checkpointAfterPages, closeFlushMs, commitIntervalMs, records);
    }
}
