package io.quire.page;

/**
 * The identity of one page: (volume, inode, page index). Thread-safe (immutable).
 *
 * <p>Pages of a volume are grouped for placement and repair: {@link #group()} maps a page to one
 * of {@link io.quire.proto.Limits#PAGE_GROUPS_PER_VOLUME} groups, with runs of
 * {@link io.quire.proto.Limits#PAGES_PER_STRIPE} consecutive pages of a file in the same group.
 * This function is part of the on-disk and wire contract: changing it moves every page.
 */
public record PageKey(long volumeId, long inode, long pageIndex) implements Comparable<PageKey> {

    public PageKey {
        if (volumeId < 0 || inode < 0 || pageIndex < 0) {
            throw new IllegalArgumentException("negative page key field: " + volumeId + "/" + inode + "/" + pageIndex);
        }
    }

    public int group() {
        return groupOf(inode, pageIndex);
    }

    public static int groupOf(long inode, long pageIndex) {
        long stripe = pageIndex / io.quire.proto.Limits.PAGES_PER_STRIPE;
        long h = mix64(inode * 0x9E3779B97F4A7C15L ^ mix64(stripe + 0x632BE59BD9B4E019L));
        return (int) Long.remainderUnsigned(h, io.quire.proto.Limits.PAGE_GROUPS_PER_VOLUME);
    }

    /** SplitMix64 finalizer: a stable, well-mixed 64-bit hash (also used by placement). */
    public static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public int compareTo(PageKey o) {
        int c = Long.compare(volumeId, o.volumeId);
        if (c == 0) {
            c = Long.compare(inode, o.inode);
        }
        return c != 0 ? c : Long.compare(pageIndex, o.pageIndex);
    }

    @Override
    public String toString() {
        return volumeId + "/" + inode + "/" + pageIndex;
    }
}
