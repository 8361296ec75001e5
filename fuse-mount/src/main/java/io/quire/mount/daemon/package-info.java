/**
 * The {@code quire mount} daemon around the file system: what runs between the command line and
 * the {@link io.quire.mount.vfs.Vfs}.
 *
 * <ul>
 *   <li>{@link io.quire.mount.daemon.MountDaemon}: start-up and teardown of one mount, in order.
 *   <li>{@link io.quire.mount.daemon.LeaseKeeper}: the read-write lease, renewed by its own thread
 *       through a {@link io.quire.mount.daemon.LeaseAuthority} (the catalog).
 *   <li>{@link io.quire.mount.daemon.CacheToken}: ties a cache directory to its volume and epoch.
 *   <li>{@link io.quire.mount.daemon.VolumeSpace}: df's size, ENOSPC, grow on demand.
 *   <li>{@link io.quire.mount.daemon.StateDirs}, {@link io.quire.mount.daemon.RuntimeFiles}: where
 *       caches, runtime files and logs live; how {@code quire umount} finds a daemon.
 *   <li>{@link io.quire.mount.daemon.DaemonLauncher}, {@link io.quire.mount.daemon.DaemonStopper},
 *       {@link io.quire.mount.daemon.ShutdownSignals}: background start, stop, signals.
 * </ul>
 *
 * <p>Invariants: a read-write mount writes its cache only after the lease is granted and the
 * cache token names the grant's epoch; a read-only mount never takes the lease and uses a private
 * temporary cache; every thread started here is a daemon thread stopped by {@code close}.
 */
package io.quire.mount.daemon;
