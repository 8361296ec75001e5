package io.quire.server;

import io.quire.proto.PageMessages;
import io.quire.server.store.GroupDigest;
import io.quire.server.store.ListVersions;
import io.quire.server.store.PageStore;
import java.util.List;

/** Translates store listings and digests to their wire records. Thread-safe (stateless). */
final class StoreListings {
    private StoreListings() {
    }

    static PageMessages.ListVersionsResponse list(PageStore store, PageMessages.ListVersionsRequest req) {
        ListVersions page = store.listVersions(req.volumeId(), req.group(), req.hasCursor(), req.afterInode(),
                req.afterPageIndex(), req.maxEntries());
        List<PageMessages.VersionEntry> entries = page.entries().stream()
                .map(e -> new PageMessages.VersionEntry(e.inode(), e.pageIndex(), e.version(), e.crc32c(), e.tombstone()))
                .toList();
        return new PageMessages.ListVersionsResponse(entries, page.more());
    }

    static PageMessages.GroupDigestResponse digest(PageStore store, PageMessages.GroupDigestRequest req) {
        GroupDigest d = store.groupDigest(req.volumeId(), req.group());
        return new PageMessages.GroupDigestResponse(d.count(), d.digest());
    }
}
