package io.quire.cluster;

/** Thread-safe (immutable): the body of requests that name one volume and nothing else ({@code DELETE_VOLUME}). */
public record VolumeNameRequest(String name) {
}
