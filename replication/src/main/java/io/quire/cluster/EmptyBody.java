package io.quire.cluster;

/**
 * Thread-safe (immutable): the JSON body {@code {}}, the request of {@code GET_CLUSTER_MAP} and
 * {@code CLUSTER_STATUS} and the response of {@code RELEASE_LEASE}.
 */
public record EmptyBody() {

    public static final EmptyBody INSTANCE = new EmptyBody();
}
