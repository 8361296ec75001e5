/**
 * The data path around the LMDB page cache: {@link io.quire.mount.pages.PageCache} (page work
 * inside the POSIX layer's transactions, and accounting), {@link io.quire.mount.pages.Flusher}
 * (write-back), {@link io.quire.mount.pages.PageFetcher} (cold reads, readahead),
 * {@link io.quire.mount.pages.Evictor} (cache size), {@link io.quire.mount.pages.TrashCollector}
 * (pages of truncated and removed files), {@link io.quire.mount.pages.DirtyBudget} (writer
 * back-pressure) and {@link io.quire.mount.pages.FsyncTracker} (what fsync waits for).
 */
package io.quire.mount.pages;
