package io.quire.server.repair;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.quire.client.CatalogClient;
import io.quire.net.ConnectionPool;
import io.quire.page.PageKey;
import io.quire.page.PageVersion;
import io.quire.proto.Frame;
import io.quire.proto.Limits;
import io.quire.proto.Opcode;
import io.quire.proto.PageMessages;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import io.quire.repair.GroupEntry;
import io.quire.server.store.GroupDigest;
import io.quire.server.store.StoredPage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Blocking calls a server makes to its peers for repair. Thread-safe; call it from repair threads
 * only, never from an event loop (it waits on futures).
 */
final class ReplicaCalls {
    static final long CALL_TIMEOUT_MS = 5_000;
    /** Upper bound on entries fetched from one replica for one group (bounded memory per round). */
    static final int GROUP_ENTRIES_MAX = 1_000_000;

    private final ConnectionPool pool;

    ReplicaCalls(ConnectionPool pool) {
        this.pool = pool;
    }

    private Frame call(String address, Opcode op, io.netty.buffer.ByteBuf body) {
        return CatalogClient.await(pool.call(address, op, body, CALL_TIMEOUT_MS), CALL_TIMEOUT_MS + 1000);
    }

    GroupDigest digest(String address, long volumeId, int group) {
        Frame f = call(address, Opcode.GROUP_DIGEST,
                new PageMessages.GroupDigestRequest(volumeId, group).encode(ByteBufAllocator.DEFAULT));
        try {
            PageMessages.GroupDigestResponse r = PageMessages.GroupDigestResponse.decode(f.body());
            return new GroupDigest(r.count(), r.digest());
        } finally {
            f.release();
        }
    }

    List<GroupEntry> list(String address, long volumeId, int group) {
        List<GroupEntry> out = new ArrayList<>();
        PageMessages.ListVersionsRequest req = PageMessages.ListVersionsRequest.first(volumeId, group,
                Limits.LIST_VERSIONS_MAX_ENTRIES);
        while (true) {
            Frame f = call(address, Opcode.LIST_VERSIONS, req.encode(ByteBufAllocator.DEFAULT));
            PageMessages.ListVersionsResponse r;
            try {
                r = PageMessages.ListVersionsResponse.decode(f.body());
            } finally {
                f.release();
            }
            for (PageMessages.VersionEntry e : r.entries()) {
                out.add(new GroupEntry(e.inode(), e.pageIndex(), e.version(), e.crc32c(), e.tombstone()));
            }
            if (!r.more() || r.entries().isEmpty()) {
                return out;
            }
            if (out.size() > GROUP_ENTRIES_MAX) {
                throw new QuireException(Status.INTERNAL_ERROR, "group " + volumeId + "/" + group + " on " + address
                        + " has more than " + GROUP_ENTRIES_MAX + " entries");
            }
            PageMessages.VersionEntry last = r.entries().get(r.entries().size() - 1);
            req = PageMessages.ListVersionsRequest.after(volumeId, group, last.inode(), last.pageIndex(),
                    Limits.LIST_VERSIONS_MAX_ENTRIES);
        }
    }

    /**
     * The page as the peer holds it (CRC-verified after transfer) or its tombstone, or empty when
     * it has none.
     */
    Optional<StoredPage> get(String address, PageKey key) {
        Frame f;
        try {
            f = call(address, Opcode.GET_PAGE, new PageMessages.GetPageRequest(key).encode(ByteBufAllocator.DEFAULT));
        } catch (QuireException e) {
            if (e.status() == Status.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
        try {
            PageMessages.GetPageResponse r = PageMessages.GetPageResponse.decode(f.body());
            if (r.tombstone()) {
                return Optional.of(StoredPage.ofTombstone(r.version()));
            }
            return Optional.of(new StoredPage(r.version(), r.crc32c(), r.verifiedData(address + " (page " + key + ")")));
        } finally {
            f.release();
        }
    }

    void put(String address, PageKey key, StoredPage page) {
        call(address, Opcode.PUT_PAGE, new PageMessages.PutPage(key, page.version(), PageMessages.FLAG_REPAIR,
                page.crc32c(), Unpooled.wrappedBuffer(page.data())).encode(ByteBufAllocator.DEFAULT)).release();
    }

    void delete(String address, PageKey key, PageVersion version) {
        call(address, Opcode.DELETE_PAGE, new PageMessages.DeletePage(key, version, PageMessages.FLAG_REPAIR)
                .encode(ByteBufAllocator.DEFAULT)).release();
    }
}
