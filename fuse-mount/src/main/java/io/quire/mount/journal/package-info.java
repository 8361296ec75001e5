/**
 * The metadata journal: how the file system's metadata, held in LMDB, reaches the servers and
 * comes back on a new host (promises 2 and 3). {@link io.quire.mount.journal.Journal} wires it:
 * a record per write transaction ({@code JournalWriter}), journal pages on the servers
 * ({@code JournalUploader}, {@code JournalLayout}, {@code JournalPage}), checkpoints and the
 * superblock ({@code Checkpointer}, {@code CheckpointPage}, {@code Superblock}), the rebuild of an
 * empty cache ({@code Rebuilder}, {@code CheckpointLoader}, {@code JournalReplay}), and the
 * write-ahead order of file pages behind the records that allow them
 * ({@link io.quire.mount.journal.JournalOrderedPages}). Formats: {@code docs/mount-format.md}.
 */
package io.quire.mount.journal;
