package io.quire.mount.vfs;

/**
 * Thread-safe (immutable). What statfs(2) reports.
 *
 * @param blockSize    preferred I/O size (the page size)
 * @param fragmentSize the unit of the block counts
 */
public record StatFs(long blockSize, long fragmentSize, long blocks, long blocksFree, long blocksAvailable,
                     long files, long filesFree, long nameMax) {
}
