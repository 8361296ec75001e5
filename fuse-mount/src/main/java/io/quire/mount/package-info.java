/**
 * The {@code quire mount} daemon's file system: a POSIX file system over a replicated volume.
 *
 * <h2>Bird's-eye view</h2>
 * The kernel talks to {@link io.quire.mount.fuse.QuireFuse} (jnr-fuse, libfuse 2), which only
 * translates and delegates to {@link io.quire.mount.vfs.Vfs}, the POSIX layer. The POSIX layer
 * keeps all metadata and a page cache in one LMDB environment ({@link io.quire.mount.store});
 * file data is written back to the cluster through {@link io.quire.client.ReplicatedPages} by
 * the background threads of {@link io.quire.mount.pages}.
 *
 * <h2>Code map</h2>
 * <ul>
 *   <li>{@code io.quire.mount}: {@link io.quire.mount.Errno} (the one Status-to-errno switch),
 *       {@link io.quire.mount.PosixException}, {@link io.quire.mount.MountConfig} (tunables),
 *       {@link io.quire.mount.MountLimits} (fixed bounds), {@link io.quire.mount.Modes}.
 *   <li>{@code vfs}: one class per group of operations (lookup, create, remove, rename, attrs,
 *       xattrs, read, write) behind the {@code Vfs} facade.
 *   <li>{@code store}: the LMDB environment and one small class per DBI.
 *   <li>{@code pages}: flusher, fetcher (cold reads, readahead), evictor, trash collector,
 *       dirty budget, fsync tracking.
 *   <li>{@code fuse}: the adapter, its guard, and the mount lifecycle.
 * </ul>
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>Only {@code io.quire.mount.fuse} imports jnr-fuse; nothing outside it knows of FUSE.
 *   <li>Every metadata operation is one LMDB write transaction; in-memory effects of a
 *       transaction apply only after its commit.
 *   <li>A {@code write()} that returned is committed to LMDB (survives a daemon crash);
 *       {@code fsync()} returns only after a local LMDB sync and W replica acks of the file's
 *       pages dirty when it started.
 *   <li>No page, cached or uploaded, has non-zero bytes past the end of its file.
 *   <li>A page index at or above a file's remote high mark exists only in this cache.
 *   <li>Inode numbers are never reused, so a late delete or a stale replica copy can never
 *       surface in another file.
 *   <li>No lock is held across network I/O; the replication client's threads never touch LMDB.
 * </ul>
 */
package io.quire.mount;
