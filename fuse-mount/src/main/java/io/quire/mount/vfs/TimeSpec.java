package io.quire.mount.vfs;

import io.quire.mount.Modes;

/**
 * Thread-safe (immutable). A utimensat(2) time: seconds and nanoseconds, or one of the special
 * values.
 */
public record TimeSpec(long sec, long nsec) {
    public static final TimeSpec NOW = new TimeSpec(0, Modes.UTIME_NOW);
    public static final TimeSpec OMIT = new TimeSpec(0, Modes.UTIME_OMIT);

    public static TimeSpec ofNanos(long ns) {
        return new TimeSpec(Math.floorDiv(ns, 1_000_000_000L), Math.floorMod(ns, 1_000_000_000L));
    }

    public boolean isNow() {
        return nsec == Modes.UTIME_NOW;
    }

    public boolean isOmit() {
        return nsec == Modes.UTIME_OMIT;
    }

    long toNanos() {
        return sec * 1_000_000_000L + nsec;
    }
}
