package io.quire.server.catalog;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.quire.cluster.ClusterMap;
import io.quire.cluster.ClusterStatus;
import io.quire.cluster.CreateVolumeRequest;
import io.quire.cluster.EmptyBody;
import io.quire.cluster.GrowVolumeRequest;
import io.quire.cluster.HeartbeatRequest;
import io.quire.cluster.LeaseGrant;
import io.quire.cluster.LeaseRequest;
import io.quire.cluster.RegisterServerRequest;
import io.quire.cluster.ResizeVolumeRequest;
import io.quire.cluster.Volume;
import io.quire.cluster.VolumeNameRequest;
import io.quire.proto.Json;
import io.quire.proto.Opcode;
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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe: the catalog service of {@code quire server --catalog} (servers, volumes, leases, and
 * the cluster map built from them), called from any number of worker threads. Commands block
 * while they are logged (fsynced) and applied: call {@link #handle} from a worker thread, never
 * from a Netty event loop. Reads (the map, the status) do not wait for commands.
 *
 * <p>Files live in {@code DATA_DIR/catalog/}: {@code log} and {@code snapshot.json}. The clock must
 * be thread-safe; it stamps each command (lease expiry) and measures heartbeat ages.
 */
public final class Catalog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Catalog.class);

    private final Proposer proposer;
    private final Heartbeats heartbeats = new Heartbeats();
    private final ClusterView view;
    private final LongSupplier clockMs;
    private final MeterRegistry registry;
    private final List<Meter> gauges;

    private Catalog(Proposer proposer, ClusterView view, LongSupplier clockMs, MeterRegistry registry) {
        this.proposer = proposer;
        this.view = view;
        this.clockMs = clockMs;
        this.registry = registry;
        this.gauges = List.of(
                Gauge.builder("quire.catalog.volumes", this, Catalog::activeVolumes)
                        .description("active volumes").register(registry),
                Gauge.builder("quire.catalog.servers", this, c -> c.state().servers().size())
                        .description("registered servers").register(registry),
                Gauge.builder("quire.catalog.applied.index", this, c -> c.state().lastAppliedIndex())
                        .description("index of the last applied catalog entry").register(registry));
    }

    /** Recovers the catalog from {@code dataDir/catalog}; a damaged log or snapshot fails with an IOException. */
    public static Catalog open(Path dataDir, CatalogConfig config, LongSupplier clockMs, MeterRegistry registry)
            throws IOException {
        Path dir = Files.createDirectories(dataDir.resolve("catalog"));
        CatalogRecovery.Recovered recovered = CatalogRecovery.recover(dir);
        Proposer proposer = new Proposer(recovered, config.snapshotIntervalEntries(), clockMs, registry);
        return new Catalog(proposer, new ClusterView(config, clockMs.getAsLong()), clockMs, registry);
    }

    /**
     * Serves one catalog opcode (32..42): decodes the JSON body (not released here), and returns the
     * response object for the caller to encode with {@link Json#encode}.
     *
     * @throws QuireException BAD_REQUEST for unparsable JSON, INVALID_ARGUMENT for a missing or
     *                        out-of-range field, or the command's own status
     */
    public Object handle(Opcode op, ByteBuf jsonBody) {
        return switch (op) {
            case REGISTER_SERVER -> register(Json.decode(jsonBody, RegisterServerRequest.class));
            case HEARTBEAT -> heartbeat(Json.decode(jsonBody, HeartbeatRequest.class));
            case GET_CLUSTER_MAP -> {
                decodeEmpty(jsonBody);
                yield clusterMap();
            }
            case CREATE_VOLUME -> createVolume(Json.decode(jsonBody, CreateVolumeRequest.class));
            case RESIZE_VOLUME -> resizeVolume(Json.decode(jsonBody, ResizeVolumeRequest.class));
            case DELETE_VOLUME -> deleteVolume(Json.decode(jsonBody, VolumeNameRequest.class));
            case ACQUIRE_LEASE -> acquireLease(Json.decode(jsonBody, LeaseRequest.class));
            case RENEW_LEASE -> renewLease(Json.decode(jsonBody, LeaseRequest.class));
            case RELEASE_LEASE -> releaseLease(Json.decode(jsonBody, LeaseRequest.class));
            case CLUSTER_STATUS -> {
                decodeEmpty(jsonBody);
                yield status();
            }
            case GROW_VOLUME -> growVolume(Json.decode(jsonBody, GrowVolumeRequest.class));
            default -> throw new QuireException(Status.UNKNOWN_OPCODE, op + " is not a catalog opcode");
        };
    }

    /** Registers a server (logged only when new or changed); counts as its heartbeat. */
    public ClusterMap register(RegisterServerRequest r) {
        RegisterServer command = new RegisterServer(r.id(), r.address(), r.zone(), r.capacityBytes()).checked();
        ServerRecord wanted = new ServerRecord(command.id(), command.address(), command.zone(),
                command.capacityBytes());
        ServerRecord known = state().servers().stream().filter(s -> s.id().equals(wanted.id())).findFirst()
                .orElse(null);
        if (!wanted.equals(known)) {
            proposer.propose(command);
            LOG.info("server {} registered: address {}, zone {}, capacity {} bytes{}", wanted.id(), wanted.address(),
                    wanted.zone(), wanted.capacityBytes(), known == null ? "" : " (was " + known + ")");
        }
        heartbeats.registered(wanted.id(), clockMs.getAsLong());
        return clusterMap();
    }

    /** Records a server's report; NO_SUCH_SERVER until the server registered. */
    public ClusterMap heartbeat(HeartbeatRequest r) {
        String id = Arguments.name(r.id(), "id");
        if (state().servers().stream().noneMatch(s -> s.id().equals(id))) {
            throw new QuireException(Status.NO_SUCH_SERVER, "server '" + id + "' is not registered;"
                    + " it must send REGISTER_SERVER first");
        }
        heartbeats.report(r, clockMs.getAsLong());
        return clusterMap();
    }

    public ClusterMap clusterMap() {
        return view.map(state(), heartbeats.snapshot(), clockMs.getAsLong());
    }

    public ClusterStatus status() {
        return view.status(state(), heartbeats.snapshot(), clockMs.getAsLong());
    }

    public Volume createVolume(CreateVolumeRequest r) {
        Volume v = (Volume) proposer.propose(new CreateVolume(r.name(), r.sizeBytes(), r.maxSizeBytes(),
                r.replicas(), r.writeQuorum(), r.pageSizeBytes()));
        LOG.info("volume {} (id {}) created: size {} bytes, max {} bytes, R={} W={}, page {} bytes", v.name(), v.id(),
                v.sizeBytes(), v.maxSizeBytes(), v.replicas(), v.writeQuorum(), v.pageSizeBytes());
        return v;
    }

    /** Refuses a size below the used bytes servers report, as well as below what the mount reported. */
    public Volume resizeVolume(ResizeVolumeRequest r) {
        ResizeVolume command = new ResizeVolume(r.name(), r.sizeBytes()).checked();
        clusterMap().volume(command.name()).filter(v -> command.sizeBytes() < v.usedBytes()).ifPresent(v -> {
            throw Arguments.invalid("size " + command.sizeBytes() + " of volume '" + v.name()
                    + "' is below its used bytes " + v.usedBytes());
        });
        Volume v = (Volume) proposer.propose(command);
        LOG.info("volume {} (id {}) resized: size {} bytes, max {} bytes", v.name(), v.id(), v.sizeBytes(),
                v.maxSizeBytes());
        return v;
    }

    public Volume deleteVolume(VolumeNameRequest r) {
        Volume v = (Volume) proposer.propose(new DeleteVolume(r.name()));
        LOG.info("volume {} (id {}) deleted", v.name(), v.id());
        return v;
    }

    public LeaseGrant acquireLease(LeaseRequest r) {
        LeaseGrant g = (LeaseGrant) proposer.propose(new AcquireLease(r.name(), r.holder(), r.ttlMs()));
        LOG.info("volume {} (id {}) leased to {} at epoch {}, until {}", g.volume().name(), g.volume().id(),
                g.holder(), g.epoch(), g.expiresAtMs());
        return g;
    }

    public LeaseGrant renewLease(LeaseRequest r) {
        LeaseGrant g = (LeaseGrant) proposer.propose(new RenewLease(r.name(), r.holder(), r.epoch(), r.ttlMs()));
        LOG.debug("volume {} (id {}) lease renewed for {} at epoch {}, until {}", g.volume().name(), g.volume().id(),
                g.holder(), g.epoch(), g.expiresAtMs());
        return g;
    }

    public EmptyBody releaseLease(LeaseRequest r) {
        Volume v = (Volume) proposer.propose(new ReleaseLease(r.name(), r.holder(), r.epoch()));
        LOG.info("volume {} (id {}) lease released by {} at epoch {}", v.name(), v.id(), r.holder(), v.leaseEpoch());
        return EmptyBody.INSTANCE;
    }

    public Volume growVolume(GrowVolumeRequest r) {
        long before = state().volumes().stream().filter(v -> v.active() && v.name().equals(r.name()))
                .mapToLong(Volume::sizeBytes).findFirst().orElse(-1);
        Volume v = (Volume) proposer.propose(new GrowVolume(r.name(), r.usedBytes()));
        if (before >= 0 && v.sizeBytes() != before) {
            LOG.info("volume {} (id {}) grew from {} to {} bytes (max {}, used {})", v.name(), v.id(), before,
                    v.sizeBytes(), v.maxSizeBytes(), r.usedBytes());
        }
        return v;
    }

    /** The logged state after the last applied entry (without soft state). */
    public CatalogSnapshot state() {
        return proposer.published();
    }

    /** Waits for queued commands, then closes the log; never throws (every entry was fsynced already). */
    @Override
    public void close() {
        // Gauges refer to this object: a catalog reopened on the same registry must publish its own.
        gauges.forEach(registry::remove);
        try {
            proposer.close();
        } catch (IOException e) {
            LOG.warn("closing the catalog log failed; nothing is lost, every entry was fsynced: {}", e.toString());
        }
    }

    private long activeVolumes() {
        return state().volumes().stream().filter(Volume::active).count();
    }

    /** Bodies of requests without fields: {@code {}}, or nothing at all. */
    private static void decodeEmpty(ByteBuf body) {
        if (body != null && body.isReadable()) {
            Json.decode(body, EmptyBody.class);
        }
    }
}
