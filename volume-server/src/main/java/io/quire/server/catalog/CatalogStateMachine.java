package io.quire.server.catalog;

import io.quire.cluster.LeaseGrant;
import io.quire.cluster.Volume;
import io.quire.proto.Limits;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import io.quire.server.catalog.CatalogCommand.AcquireLease;
import io.quire.server.catalog.CatalogCommand.CreateVolume;
import io.quire.server.catalog.CatalogCommand.DeleteVolume;
import io.quire.server.catalog.CatalogCommand.GrowVolume;
import io.quire.server.catalog.CatalogCommand.RegisterServer;
import io.quire.server.catalog.CatalogCommand.ReleaseLease;
import io.quire.server.catalog.CatalogCommand.RenewLease;
import io.quire.server.catalog.CatalogCommand.ResizeVolume;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Confined to the one thread that applies log entries (the catalog's proposer, later a Ratis state
 * machine updater): the catalog as a deterministic state machine of servers, volumes and leases.
 *
 * <p>{@link #apply} reads no clock, no file and no soft state: the same entries in the same order
 * give the same state and the same results, errors included. Each command is checked completely
 * before anything changes, so a failed command leaves the state as it was (only the applied index
 * moves, as the entry is in the log).
 */
public final class CatalogStateMachine {
    private final TreeMap<String, ServerRecord> servers = new TreeMap<>();
    private final TreeMap<Long, Volume> volumes = new TreeMap<>();
    private final Map<String, Long> activeIdByName = new HashMap<>();
    private long nextVolumeId;
    private long lastAppliedIndex;
    private long lastAppliedTimestampMs;

    public CatalogStateMachine() {
        this(CatalogSnapshot.EMPTY);
    }

    /** Restores a snapshot; an inconsistent one (a bug or a hand edit) is refused. */
    public CatalogStateMachine(CatalogSnapshot snapshot) {
        lastAppliedIndex = snapshot.lastAppliedIndex();
        lastAppliedTimestampMs = snapshot.lastAppliedTimestampMs();
        nextVolumeId = snapshot.nextVolumeId();
        for (ServerRecord s : snapshot.servers()) {
            if (servers.put(s.id(), s) != null) {
                throw new IllegalStateException("snapshot lists server '" + s.id() + "' twice");
            }
        }
        for (Volume v : snapshot.volumes()) {
            if (v.id() >= nextVolumeId || volumes.put(v.id(), v) != null) {
                throw new IllegalStateException("snapshot volume id " + v.id() + " repeated or >= nextVolumeId");
            }
            if (v.active() && activeIdByName.put(v.name(), v.id()) != null) {
                throw new IllegalStateException("snapshot has two active volumes named '" + v.name() + "'");
            }
        }
    }

    public long lastAppliedIndex() {
        return lastAppliedIndex;
    }

    public CatalogSnapshot snapshot() {
        return new CatalogSnapshot(lastAppliedIndex, lastAppliedTimestampMs, nextVolumeId,
                List.copyOf(servers.values()), List.copyOf(volumes.values()));
    }

    /**
     * Applies one entry; returns the command's result (see {@link CatalogCommand}) or throws a
     * {@link QuireException} whose status and message depend only on the state and the entry.
     *
     * @throws IllegalStateException when entries arrive out of order (a bug of the caller)
     */
    public Object apply(LogEntry entry) {
        if (entry.index() <= lastAppliedIndex) {
            throw new IllegalStateException("entry " + entry.index() + " after applied index " + lastAppliedIndex);
        }
        lastAppliedIndex = entry.index();
        lastAppliedTimestampMs = entry.timestampMs();
        long now = entry.timestampMs();
        CatalogCommand c = entry.command().checked();
        if (c instanceof RegisterServer r) {
            return register(r);
        } else if (c instanceof CreateVolume cv) {
            return create(cv, now);
        } else if (c instanceof ResizeVolume r) {
            return resize(r);
        } else if (c instanceof DeleteVolume d) {
            return delete(d);
        } else if (c instanceof GrowVolume g) {
            return grow(g);
        } else if (c instanceof AcquireLease a) {
            Volume v = put(Leases.acquire(active(a.name()), a.holder(), now, a.ttlMs()));
            return grant(v);
        } else if (c instanceof RenewLease r) {
            Volume v = put(Leases.renew(active(r.name()), r.holder(), r.epoch(), now, r.ttlMs()));
            return grant(v);
        } else if (c instanceof ReleaseLease r) {
            return put(Leases.release(active(r.name()), r.holder(), r.epoch()));
        }
        throw new IllegalStateException("unhandled command " + c);
    }

    private ServerRecord register(RegisterServer r) {
        if (!servers.containsKey(r.id()) && servers.size() >= Limits.SERVERS_MAX) {
            throw Arguments.invalid("the catalog holds the maximum of " + Limits.SERVERS_MAX + " servers");
        }
        ServerRecord s = new ServerRecord(r.id(), r.address(), r.zone(), r.capacityBytes());
        servers.put(s.id(), s);
        return s;
    }

    private Volume create(CreateVolume c, long now) {
        Long existing = activeIdByName.get(c.name());
        if (existing != null) {
            throw new QuireException(Status.VOLUME_EXISTS, "volume '" + c.name() + "' exists (id " + existing + ")");
        }
        if (activeIdByName.size() >= Limits.VOLUMES_MAX) {
            throw Arguments.invalid("the catalog holds the maximum of " + Limits.VOLUMES_MAX + " volumes");
        }
        Volume v = new Volume(nextVolumeId++, c.name(), c.pageSizeBytes(), c.replicas(), c.writeQuorum(),
                c.sizeBytes(), c.maxSizeBytes(), Volume.ACTIVE, 0, null, 0, 0, now);
        activeIdByName.put(v.name(), v.id());
        return put(v);
    }

    private Volume resize(ResizeVolume r) {
        Volume v = active(r.name());
        if (r.sizeBytes() < v.usedBytes()) {
            throw Arguments.invalid("size " + r.sizeBytes() + " of volume '" + v.name()
                    + "' is below its used bytes " + v.usedBytes());
        }
        return put(VolumeChanges.size(v, r.sizeBytes(), Math.max(v.maxSizeBytes(), r.sizeBytes())));
    }

    private Volume delete(DeleteVolume d) {
        Volume v = put(VolumeChanges.deleted(active(d.name())));
        activeIdByName.remove(v.name());
        forgetOldestDeleted();
        return v;
    }

    private Volume grow(GrowVolume g) {
        Volume v = VolumeChanges.usedBytes(active(g.name()), g.usedBytes());
        long size = GrowthPolicy.grownSize(v.sizeBytes(), v.maxSizeBytes(), g.usedBytes());
        return put(VolumeChanges.size(v, size, v.maxSizeBytes()));
    }

    private void forgetOldestDeleted() {
        long deleted = volumes.size() - activeIdByName.size();
        if (deleted > CatalogLimits.DELETED_VOLUMES_KEPT_MAX) {
            volumes.values().stream().filter(v -> !v.active()).findFirst()
                    .ifPresent(v -> volumes.remove(v.id()));
        }
    }

    private Volume active(String name) {
        Long id = activeIdByName.get(name);
        if (id == null) {
            throw new QuireException(Status.NO_SUCH_VOLUME, "no volume named '" + name + "'");
        }
        return volumes.get(id);
    }

    private Volume put(Volume v) {
        volumes.put(v.id(), v);
        return v;
    }

    private static LeaseGrant grant(Volume v) {
        return new LeaseGrant(v, v.leaseEpoch(), v.leaseHolder(), v.leaseExpiresAtMs());
    }
}
