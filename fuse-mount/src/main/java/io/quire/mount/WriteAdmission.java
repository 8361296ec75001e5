package io.quire.mount;

/**
 * Must be thread-safe: FUSE worker threads ask it concurrently. Decides whether a change of file
 * data may commit: asked by write(2), truncate(2) and fallocate(2) inside their LMDB write
 * transaction, before anything is changed, so a refused operation leaves every byte as it was.
 *
 * <p>It must answer from memory (no I/O, no waiting): it runs while the cache's single write
 * transaction is open. The mount daemon refuses with EIO once it lost its lease (the servers
 * would fence the pages anyway) and with ENOSPC when growth would pass the volume's maximum
 * size.
 */
@FunctionalInterface
public interface WriteAdmission {
    /** Admits everything (a Vfs without a daemon around it, as in most tests). */
    WriteAdmission ALWAYS = (usedBytes, growthBytes) -> {
    };

    /**
     * Returns when the change may commit, or throws {@link PosixException}.
     *
     * @param usedBytes   what the volume uses now (the pages holding data, as statfs counts it)
     * @param growthBytes how much this change adds to it (0 for a rewrite, a shrink or a hole)
     */
    void admit(long usedBytes, long growthBytes);
}
