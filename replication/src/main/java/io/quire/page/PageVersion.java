package io.quire.page;

/**
 * The version every write carries: the writer's lease epoch, then a sequence number that grows
 * within that epoch. Ordered lexicographically. Thread-safe (immutable).
 *
 * <p>A server keeps a page's newest version: an older one arriving later is acknowledged and
 * ignored (it is superseded); a write whose epoch is below the volume's fence epoch is refused.
 */
public record PageVersion(long epoch, long seq) implements Comparable<PageVersion> {
    public static final PageVersion ZERO = new PageVersion(0, 0);

    public PageVersion {
        if (epoch < 0 || seq < 0) {
            throw new IllegalArgumentException("negative version " + epoch + "." + seq);
        }
    }

    @Override
    public int compareTo(PageVersion o) {
        int c = Long.compare(epoch, o.epoch);
        return c != 0 ? c : Long.compare(seq, o.seq);
    }

    public boolean isNewerThan(PageVersion o) {
        return compareTo(o) > 0;
    }

    @Override
    public String toString() {
        return epoch + "." + seq;
    }
}
