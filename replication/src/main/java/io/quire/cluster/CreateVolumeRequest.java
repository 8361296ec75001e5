package io.quire.cluster;

/**
 * Thread-safe (immutable): the body of {@code CREATE_VOLUME}. A 0 asks for the default: maximum size
 * = size, R = 3, W = 2, page size 64 KiB.
 *
 * @param name          {@code [A-Za-z0-9._-]{1,NAME_MAX_CHARS}}, unique among active volumes
 * @param sizeBytes     initial size (what {@code df} shows), &gt; 0
 * @param maxSizeBytes  size up to which the volume grows on demand, &gt;= sizeBytes
 * @param replicas      R, 1..REPLICAS_MAX
 * @param writeQuorum   W, 1..R
 * @param pageSizeBytes a power of two in PAGE_SIZE_MIN_BYTES..PAGE_SIZE_MAX_BYTES
 */
public record CreateVolumeRequest(String name, long sizeBytes, long maxSizeBytes, int replicas,
                                  int writeQuorum, int pageSizeBytes) {
}
