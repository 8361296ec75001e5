package io.quire.server.store;

import io.quire.page.Checksums;
import io.quire.page.PageKey;
import io.quire.page.PageVersion;
import io.quire.proto.QuireException;
import io.quire.proto.Status;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.GetOp;

/**
 * Thread-safe (read transactions are per call; MDB_NOTLS lets any pool thread open them). The read
 * side of the page store: point reads, group listings, digests and scrub steps, each in one short
 * read transaction.
 *
 * <p>Damage is reported to {@code onCorrupt} only after the transaction ends, so the listener may
 * take its time.
 */
final class PageReader {
    /** A read found a damaged header (distinct from every real page by identity). */
    private static final StoredPage DAMAGED = new StoredPage(PageVersion.ZERO, 0, new byte[0]);
    /** Key buffers must be direct for lmdbjava; one per reading thread avoids an allocation per read. */
    private static final ThreadLocal<ByteBuffer> KEY =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(PageLayout.KEY_BYTES));

    private final TxnGate gate;
    private final Dbi<ByteBuffer> pages;
    private final Consumer<PageKey> onCorrupt;

    PageReader(TxnGate gate, Dbi<ByteBuffer> pages, Consumer<PageKey> onCorrupt) {
        this.gate = gate;
        this.pages = pages;
        this.onCorrupt = onCorrupt;
    }

    StoredPage get(PageKey key) {
        StoredPage page = gate.read(txn -> {
            ByteBuffer value = pages.get(txn, PageLayout.key(KEY.get(), key));
            if (value == null) {
                return null;
            }
            PageHeader header = PageHeader.read(value);
            if (header == null) {
                return DAMAGED;
            }
            if (header.tombstone()) {
                return StoredPage.ofTombstone(header.version());
            }
            byte[] data = new byte[header.dataLength()];
            value.duplicate().position(value.position() + PageLayout.HEADER_BYTES).get(data);
            return new StoredPage(header.version(), header.crc32c(), data);
        });
        // Verify the copy that leaves, not the mapped bytes: it is what the caller will send.
        if (page == DAMAGED || (page != null && !page.tombstone() && Checksums.crc32c(page.data()) != page.crc32c())) {
            onCorrupt.accept(key);
            throw new QuireException(Status.CORRUPT, "stored copy of page " + key + " failed its CRC32C");
        }
        return page;
    }

    ListVersions listVersions(long volumeId, int group, ListVersions.Cursor after, int maxEntries) {
        List<ListVersions.Entry> entries = new ArrayList<>(Math.min(maxEntries, 1024));
        List<PageKey> damaged = new ArrayList<>();
        boolean more = gate.read(txn -> {
            try (Cursor<ByteBuffer> c = pages.openCursor(txn)) {
                ByteBuffer start = after == null
                        ? PageLayout.key(KEY.get(), volumeId, group, 0, 0)
                        : PageLayout.key(KEY.get(), volumeId, group, after.afterInode(), after.afterPageIndex());
                boolean found = c.get(start, GetOp.MDB_SET_RANGE);
                if (found && after != null && PageLayout.inGroup(c.key(), volumeId, group)
                        && PageLayout.inode(c.key()) == after.afterInode()
                        && PageLayout.pageIndex(c.key()) == after.afterPageIndex()) {
                    found = c.next();
                }
                for (; found && PageLayout.inGroup(c.key(), volumeId, group); found = c.next()) {
                    if (entries.size() == maxEntries) {
                        return true;
                    }
                    entries.add(entry(c.key(), c.val(), damaged));
                }
                return false;
            }
        });
        damaged.forEach(onCorrupt);
        return new ListVersions(entries, more);
    }

    GroupDigest groupDigest(long volumeId, int group) {
        List<PageKey> damaged = new ArrayList<>();
        GroupDigest digest = gate.read(txn -> {
            long count = 0;
            long sum = 0;
            try (Cursor<ByteBuffer> c = pages.openCursor(txn)) {
                ByteBuffer start = PageLayout.key(KEY.get(), volumeId, group, 0, 0);
                for (boolean found = c.get(start, GetOp.MDB_SET_RANGE);
                     found && PageLayout.inGroup(c.key(), volumeId, group); found = c.next()) {
                    ListVersions.Entry e = entry(c.key(), c.val(), damaged);
                    sum += GroupDigest.entryHash(e.inode(), e.pageIndex(), e.version(), e.tombstone());
                    count++;
                }
            }
            return new GroupDigest(count, sum);
        });
        damaged.forEach(onCorrupt);
        return digest;
    }

    ScrubResult scrub(ScrubCursor from, int maxPages) {
        List<PageKey> damaged = new ArrayList<>();
        ScrubResult result = gate.read(txn -> {
            try (Cursor<ByteBuffer> c = pages.openCursor(txn)) {
                boolean found;
                if (from.isStart()) {
                    found = c.first();
                } else {
                    byte[] afterKey = from.afterKey();
                    ByteBuffer start = KEY.get();
                    start.clear();
                    start.put(afterKey).flip();
                    found = c.get(start, GetOp.MDB_SET_RANGE);
                    if (found && PageLayout.keyEquals(c.key(), afterKey)) {
                        found = c.next();
                    }
                }
                int checked = 0;
                byte[] last = null;
                for (; found && checked < maxPages; found = c.next()) {
                    ByteBuffer value = c.val();
                    PageHeader header = PageHeader.read(value);
                    if (header == null || !header.dataIntact(value)) {
                        PageKey key = PageLayout.pageKey(c.key());
                        if (key != null) {
                            damaged.add(key);
                        }
                    }
                    last = PageLayout.copyKey(c.key());
                    checked++;
                }
                if (!found) {
                    return new ScrubResult(ScrubCursor.START, checked, 0, true);
                }
                return new ScrubResult(last == null ? from : ScrubCursor.after(last), checked, 0, false);
            }
        });
        damaged.forEach(onCorrupt);
        return new ScrubResult(result.next(), result.pagesChecked(), damaged.size(), result.wrapped());
    }

    /** One listing entry; a damaged header lists as version ZERO so that any replica's copy wins. */
    private static ListVersions.Entry entry(ByteBuffer key, ByteBuffer value, List<PageKey> damaged) {
        long inode = PageLayout.inode(key);
        long index = PageLayout.pageIndex(key);
        PageHeader header = PageHeader.read(value);
        if (header == null) {
            PageKey pageKey = PageLayout.pageKey(key);
            if (pageKey != null) {
                damaged.add(pageKey);
            }
            return new ListVersions.Entry(inode, index, PageVersion.ZERO, 0, false);
        }
        return new ListVersions.Entry(inode, index, header.version(), header.crc32c(), header.tombstone());
    }
}
