package io.quire.cluster;

/**
 * Thread-safe (immutable): the body of {@code GROW_VOLUME}, with which the mount reports a
 * volume's usage (one replica's worth); the catalog grows the volume by a step when the usage
 * passed its threshold.
 */
public record GrowVolumeRequest(String name, long usedBytes) {
}
