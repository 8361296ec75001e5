package io.quire.mount.daemon;

import io.quire.client.CatalogClient;
import io.quire.client.ClusterMapCache;
import io.quire.cluster.ClusterMap;
import io.quire.cluster.EmptyBody;
import io.quire.cluster.LeaseGrant;
import io.quire.cluster.LeaseRequest;
import io.quire.proto.Opcode;
import java.util.Optional;

/** Thread-safe. The lease calls of {@link LeaseAuthority} sent to the catalog. */
public final class CatalogLeaseAuthority implements LeaseAuthority {
    private final CatalogClient catalog;
    private final ClusterMapCache maps;

    public CatalogLeaseAuthority(CatalogClient catalog, ClusterMapCache maps) {
        this.catalog = catalog;
        this.maps = maps;
    }

    @Override
    public LeaseGrant acquire(String volume, String holder, long ttlMs) {
        return catalog.call(Opcode.ACQUIRE_LEASE, LeaseRequest.acquire(volume, holder, ttlMs), LeaseGrant.class);
    }

    @Override
    public LeaseGrant renew(String volume, String holder, long epoch, long ttlMs) {
        return catalog.call(Opcode.RENEW_LEASE, LeaseRequest.renew(volume, holder, epoch, ttlMs), LeaseGrant.class);
    }

    @Override
    public void release(String volume, String holder, long epoch) {
        catalog.call(Opcode.RELEASE_LEASE, LeaseRequest.release(volume, holder, epoch), EmptyBody.class);
    }

    @Override
    public Optional<Holding> holding(String volume) {
        ClusterMap map = maps.refresh().map();
        return map.volume(volume).filter(v -> v.leaseHolder() != null && !v.leaseHolder().isEmpty())
                .map(v -> new Holding(v.leaseHolder(), v.leaseEpoch(), v.leaseExpiresAtMs() - map.catalogTimeMs()));
    }
}
