package io.quire.cluster;

/**
 * Thread-safe (immutable): the body of {@code RESIZE_VOLUME}. A size above the volume's maximum
 * raises the maximum too; a size below the volume's used bytes is refused.
 */
public record ResizeVolumeRequest(String name, long sizeBytes) {
}
