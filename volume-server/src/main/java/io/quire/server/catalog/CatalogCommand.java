package io.quire.server.catalog;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.quire.proto.Limits;

/**
 * Thread-safe (immutable records): a change to the catalog, as written to its log and applied by
 * {@link CatalogStateMachine}. The JSON form (a {@code "type"} field naming the record) is
 * the on-disk log format: renaming a record or a component breaks existing logs.
 *
 * <p>{@link #checked()} resolves defaults and checks the values that need no state, so that the
 * proposer refuses a bad request before logging it and the log holds only concrete values.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = CatalogCommand.RegisterServer.class, name = "RegisterServer"),
        @JsonSubTypes.Type(value = CatalogCommand.CreateVolume.class, name = "CreateVolume"),
        @JsonSubTypes.Type(value = CatalogCommand.ResizeVolume.class, name = "ResizeVolume"),
        @JsonSubTypes.Type(value = CatalogCommand.DeleteVolume.class, name = "DeleteVolume"),
        @JsonSubTypes.Type(value = CatalogCommand.AcquireLease.class, name = "AcquireLease"),
        @JsonSubTypes.Type(value = CatalogCommand.RenewLease.class, name = "RenewLease"),
        @JsonSubTypes.Type(value = CatalogCommand.ReleaseLease.class, name = "ReleaseLease"),
        @JsonSubTypes.Type(value = CatalogCommand.GrowVolume.class, name = "GrowVolume")})
public sealed interface CatalogCommand {

    /** This command with defaults filled in; throws INVALID_ARGUMENT for an out-of-range value. */
    CatalogCommand checked();

    /** Result: the {@link ServerRecord}. */
    record RegisterServer(String id, String address, String zone, long capacityBytes) implements CatalogCommand {
        @Override
        public RegisterServer checked() {
            String z = zone == null || zone.isBlank() ? CatalogLimits.ZONE_DEFAULT : zone;
            return new RegisterServer(Arguments.name(id, "id"), Arguments.address(address), Arguments.name(z, "zone"),
                    Arguments.range(capacityBytes, 1, CatalogLimits.REPORTED_VALUE_MAX, "capacityBytes"));
        }
    }

    /** Result: the new {@link io.quire.cluster.Volume}. */
    record CreateVolume(String name, long sizeBytes, long maxSizeBytes, int replicas, int writeQuorum,
                        int pageSizeBytes) implements CatalogCommand {
        @Override
        public CreateVolume checked() {
            Arguments.name(name, "name");
            Arguments.range(sizeBytes, 1, CatalogLimits.VOLUME_SIZE_MAX_BYTES, "sizeBytes");
            long max = maxSizeBytes == 0 ? sizeBytes : maxSizeBytes;
            Arguments.range(max, sizeBytes, CatalogLimits.VOLUME_SIZE_MAX_BYTES, "maxSizeBytes");
            int r = replicas == 0 ? CatalogLimits.REPLICAS_DEFAULT : replicas;
            Arguments.range(r, 1, Limits.REPLICAS_MAX, "replicas");
            // With an explicit R below the default W, the default W is R (every copy).
            int w = writeQuorum == 0 ? Math.min(CatalogLimits.WRITE_QUORUM_DEFAULT, r) : writeQuorum;
            Arguments.range(w, 1, r, "writeQuorum");
            int page = pageSizeBytes == 0 ? Limits.PAGE_SIZE_DEFAULT_BYTES : pageSizeBytes;
            Arguments.range(page, Limits.PAGE_SIZE_MIN_BYTES, Limits.PAGE_SIZE_MAX_BYTES, "pageSizeBytes");
            if (Integer.bitCount(page) != 1) {
                throw Arguments.invalid("pageSizeBytes " + page + " is not a power of two");
            }
            return new CreateVolume(name, sizeBytes, max, r, w, page);
        }
    }

    /** Result: the resized {@link io.quire.cluster.Volume}. */
    record ResizeVolume(String name, long sizeBytes) implements CatalogCommand {
        @Override
        public ResizeVolume checked() {
            Arguments.name(name, "name");
            Arguments.range(sizeBytes, 1, CatalogLimits.VOLUME_SIZE_MAX_BYTES, "sizeBytes");
            return this;
        }
    }

    /** Result: the {@link io.quire.cluster.Volume}, now DELETED. */
    record DeleteVolume(String name) implements CatalogCommand {
        @Override
        public DeleteVolume checked() {
            Arguments.name(name, "name");
            return this;
        }
    }

    /** Result: a {@link io.quire.cluster.LeaseGrant} with a new epoch. */
    record AcquireLease(String name, String holder, long ttlMs) implements CatalogCommand {
        @Override
        public AcquireLease checked() {
            Arguments.name(name, "name");
            Arguments.text(holder, CatalogLimits.HOLDER_MAX_CHARS, "holder");
            Arguments.range(ttlMs, 1, CatalogLimits.LEASE_TTL_MAX_MS, "ttlMs");
            return this;
        }
    }

    /** Result: a {@link io.quire.cluster.LeaseGrant} with the same epoch and a later expiry. */
    record RenewLease(String name, String holder, long epoch, long ttlMs) implements CatalogCommand {
        @Override
        public RenewLease checked() {
            new AcquireLease(name, holder, ttlMs).checked();
            Arguments.range(epoch, 1, Long.MAX_VALUE, "epoch");
            return this;
        }
    }

    /** Result: the {@link io.quire.cluster.Volume} without a lease holder. */
    record ReleaseLease(String name, String holder, long epoch) implements CatalogCommand {
        @Override
        public ReleaseLease checked() {
            Arguments.name(name, "name");
            Arguments.text(holder, CatalogLimits.HOLDER_MAX_CHARS, "holder");
            Arguments.range(epoch, 1, Long.MAX_VALUE, "epoch");
            return this;
        }
    }

    /** Result: the {@link io.quire.cluster.Volume}, grown by a step when past its threshold. */
    record GrowVolume(String name, long usedBytes) implements CatalogCommand {
        @Override
        public GrowVolume checked() {
            Arguments.name(name, "name");
            Arguments.range(usedBytes, 0, CatalogLimits.REPORTED_VALUE_MAX, "usedBytes");
            return this;
        }
    }
}
