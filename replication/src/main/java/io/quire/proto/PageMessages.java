package io.quire.proto;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.quire.page.PageKey;
import io.quire.page.PageVersion;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Thread-safe (immutable records and stateless functions). The binary bodies of the data-plane
 * opcodes, field by field as in {@code docs/wire-protocol.md}.
 *
 * <p>Every record has {@code encode(ByteBufAllocator)}, which returns a new buffer that the caller
 * owns (it never consumes the record's own {@code data}: a large page is attached by a retained
 * duplicate, not copied), and a static {@code decode(ByteBuf body)}, which validates strictly
 * (exact length, limits, non-negative ids and versions, known flag bits only) and throws
 * {@link QuireException} with {@link Status#BAD_REQUEST} on any violation. Decoding does not move
 * the body's reader index and does not retain it: a decoded {@code data} is a slice of the body,
 * valid only while the frame that owns the body is unreleased (retain it to keep it longer).
 *
 * <p>CRC32C values travel as they are: checking them is the receiver's job, since a mismatch has
 * its own status ({@link Status#CHECKSUM_MISMATCH}), not {@code BAD_REQUEST}.
 */
public final class PageMessages {
    /** {@code PUT_PAGE}/{@code DELETE_PAGE} flag: a copy made by repair, not subject to fencing. */
    public static final int FLAG_REPAIR = 1;
    /** {@code LIST_VERSIONS} entry flag: the entry is a tombstone (a deleted page). */
    public static final int FLAG_TOMBSTONE = 1;

    static final int PAGE_KEY_BYTES = 3 * Long.BYTES;
    static final int VERSION_BYTES = 2 * Long.BYTES;
    /** Data up to this size is copied into the encoded body rather than attached as a component. */
    private static final int COPY_DATA_MAX_BYTES = 256;

    private PageMessages() {
    }

    /** CRC32C of the readable bytes of {@code data}, without moving its indices or copying it. */
    public static int crc32c(ByteBuf data) {
        CRC32C crc = new CRC32C();
        int count = data.nioBufferCount();
        if (count == 1) {
            crc.update(data.nioBuffer());
        } else if (count > 1) {
            for (ByteBuffer part : data.nioBuffers()) {
                crc.update(part);
            }
        } else {
            byte[] copy = new byte[data.readableBytes()];
            data.getBytes(data.readerIndex(), copy);
            crc.update(copy);
        }
        return (int) crc.getValue();
    }

    /** Checks that a body that must be empty (PING, SERVER_INFO requests) is. */
    public static void requireEmpty(ByteBuf body, String message) {
        new BodyCursor(body, message).finish();
    }

    /** {@code PUT_PAGE} request: key, version, flags, crc32c, dataLength, data. */
    public record PutPage(PageKey key, PageVersion version, int flags, int crc32c, ByteBuf data) {
        static final int FIXED_BYTES = PAGE_KEY_BYTES + VERSION_BYTES + 1 + 4 + 4;

        public PutPage {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(version, "version");
            checkFlags(flags, FLAG_REPAIR);
            checkData(data);
        }

        public boolean isRepair() {
            return (flags & FLAG_REPAIR) != 0;
        }

        public ByteBuf encode(ByteBufAllocator alloc) {
            ByteBuf head = alloc.buffer(FIXED_BYTES + copiedDataBytes(data));
            writeKey(head, key);
            writeVersion(head, version);
            head.writeByte(flags);
            head.writeInt(crc32c);
            head.writeInt(data.readableBytes());
            return appendData(alloc, head, data);
        }

        public static PutPage decode(ByteBuf body) {
            BodyCursor in = new BodyCursor(body, "PUT_PAGE");
            PageKey key = in.pageKey();
            PageVersion version = in.version();
            int flags = in.flags("flags", FLAG_REPAIR);
            int crc = in.i32("crc32c");
            ByteBuf data = in.pageData();
            in.finish();
            return new PutPage(key, version, flags, crc, data);
        }
    }

    /** {@code GET_PAGE} request: the key. */
    public record GetPageRequest(PageKey key) {
        public GetPageRequest {
            Objects.requireNonNull(key, "key");
        }

        public ByteBuf encode(ByteBufAllocator alloc) {
            ByteBuf out = alloc.buffer(PAGE_KEY_BYTES);
            writeKey(out, key);
            return out;
        }

        public static GetPageRequest decode(ByteBuf body) {
            BodyCursor in = new BodyCursor(body, "GET_PAGE request");
            PageKey key = in.pageKey();
            in.finish();
            return new GetPageRequest(key);
        }
    }

    /**
     * {@code GET_PAGE} response ({@code OK}): version, flags, crc32c, dataLength, data. A deleted
     * page answers with its tombstone ({@link #FLAG_TOMBSTONE}, no data): a reader comparing
     * replicas must see that a delete is newer than a copy a lagging replica still holds.
     */
    public record GetPageResponse(PageVersion version, boolean tombstone, int crc32c, ByteBuf data) {
        static final int FIXED_BYTES = VERSION_BYTES + 1 + 4 + 4;

        public GetPageResponse {
            Objects.requireNonNull(version, "version");
            checkData(data);
            if (tombstone && (data.readableBytes() != 0 || crc32c != 0)) {
                throw new IllegalArgumentException("a tombstone carries no data and a zero crc32c");
            }
        }

        /** A live page. */
        public GetPageResponse(PageVersion version, int crc32c, ByteBuf data) {
            this(version, false, crc32c, data);
        }

        /** A deleted page: its tombstone's version. */
        public static GetPageResponse ofTombstone(PageVersion version) {
            return new GetPageResponse(version, true, 0, Unpooled.EMPTY_BUFFER);
        }

        /**
         * A private copy of the page bytes, checked against {@code crc32c} after the transfer.
         *
         * @throws QuireException CORRUPT when the bytes do not match (naming {@code source})
         */
        public byte[] verifiedData(String source) {
            byte[] bytes = new byte[data.readableBytes()];
            data.getBytes(data.readerIndex(), bytes);
            if (io.quire.page.Checksums.crc32c(bytes) != crc32c) {
                throw new QuireException(Status.CORRUPT, "page from " + source + " failed its CRC32C after transfer");
            }
            return bytes;
        }

        public ByteBuf encode(ByteBufAllocator alloc) {
            ByteBuf head = alloc.buffer(FIXED_BYTES + copiedDataBytes(data));
            writeVersion(head, version);
            head.writeByte(tombstone ? FLAG_TOMBSTONE : 0);
            head.writeInt(crc32c);
            head.writeInt(data.readableBytes());
            return appendData(alloc, head, data);
        }

        public static GetPageResponse decode(ByteBuf body) {
            BodyCursor in = new BodyCursor(body, "GET_PAGE response");
            PageVersion version = in.version();
            int flags = in.flags("flags", FLAG_TOMBSTONE);
            int crc = in.i32("crc32c");
            ByteBuf data = in.pageData();
            in.finish();
            boolean tombstone = flags == FLAG_TOMBSTONE;
            if (tombstone && (data.readableBytes() != 0 || crc != 0)) {
                throw in.bad("a tombstone with data or a crc32c");
            }
            return new GetPageResponse(version, tombstone, crc, data);
        }
    }

    /** {@code DELETE_PAGE} request: key, version, flags. */
    public record DeletePage(PageKey key, PageVersion version, int flags) {
        static final int BYTES = PAGE_KEY_BYTES + VERSION_BYTES + 1;

        public DeletePage {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(version, "version");
            checkFlags(flags, FLAG_REPAIR);
        }

        public boolean isRepair() {
            return (flags & FLAG_REPAIR) != 0;
        }

        public ByteBuf encode(ByteBufAllocator alloc) {
            ByteBuf out = alloc.buffer(BYTES);
            writeKey(out, key);
            writeVersion(out, version);
            out.writeByte(flags);
            return out;
        }

        public static DeletePage decode(ByteBuf body) {
            BodyCursor in = new BodyCursor(body, "DELETE_PAGE");
            PageKey key = in.pageKey();
            PageVersion version = in.version();
            int flags = in.flags("flags", FLAG_REPAIR);
            in.finish();
            return new DeletePage(key, version, flags);
        }
    }

    /**
     * {@code LIST_VERSIONS} request: the pages of one group after an optional (inode, pageIndex)
     * cursor. The cursor fields are zero when {@code hasCursor} is false.
     */
    public record ListVersionsRequest(long volumeId, int group, boolean hasCursor, long afterInode,
                                      long afterPageIndex, int maxEntries) {
        static final int BYTES = 8 + 4 + 1 + 8 + 8 + 4;

        public ListVersionsRequest {
            checkNonNegative(volumeId, "volumeId");
            checkGroup(group);
            checkNonNegative(afterInode, "afterInode");
            checkNonNegative(afterPageIndex, "afterPageIndex");
            if (maxEntries < 1 || maxEntries > Limits.LIST_VERSIONS_MAX_ENTRIES) {
                throw new IllegalArgumentException("maxEntries " + maxEntries + " outside [1, "
                        + Limits.LIST_VERSIONS_MAX_ENTRIES + "]");
            }
        }

        /** The first page of a group's listing. */
        public static ListVersionsRequest first(long volumeId, int group, int maxEntries) {
            return new ListVersionsRequest(volumeId, group, false, 0, 0, maxEntries);
        }

        /** The page of a group's listing that follows the entry (afterInode, afterPageIndex). */
        public static ListVersionsRequest after(long volumeId, int group, long afterInode, long afterPageIndex,
                                                int maxEntries) {
            return new ListVersionsRequest(volumeId, group, true, afterInode, afterPageIndex, maxEntries);
        }

        public ByteBuf encode(ByteBufAllocator alloc) {
            ByteBuf out = alloc.buffer(BYTES);
            out.writeLong(volumeId);
            out.writeInt(group);
            out.writeByte(hasCursor ? 1 : 0);
            out.writeLong(afterInode);
            out.writeLong(afterPageIndex);
            out.writeInt(maxEntries);
            return out;
        }

        public static ListVersionsRequest decode(ByteBuf body) {
            BodyCursor in = new BodyCursor(body, "LIST_VERSIONS request");
            long volumeId = in.nonNegative("volumeId");
            int group = in.u32InRange("group", 0, Limits.PAGE_GROUPS_PER_VOLUME - 1);
            boolean hasCursor = in.bool("hasCursor");
            long afterInode = in.nonNegative("afterInode");
            long afterPageIndex = in.nonNegative("afterPageIndex");
            int maxEntries = in.u32InRange("maxEntries", 1, Limits.LIST_VERSIONS_MAX_ENTRIES);
            in.finish();
            return new ListVersionsRequest(volumeId, group, hasCursor, afterInode, afterPageIndex, maxEntries);
        }
    }

    /** One entry of a {@code LIST_VERSIONS} response. */
    public record VersionEntry(long inode, long pageIndex, PageVersion version, int crc32c, boolean tombstone) {
        public VersionEntry {
            checkNonNegative(inode, "inode");
            checkNonNegative(pageIndex, "pageIndex");
            Objects.requireNonNull(version, "version");
        }

        /** Orders entries as the listing does: by (inode, pageIndex). */
        int compareKey(VersionEntry o) {
            int c = Long.compare(inode, o.inode);
            return c != 0 ? c : Long.compare(pageIndex, o.pageIndex);
        }
    }

    /**
     * {@code LIST_VERSIONS} response: entries in strictly increasing (inode, pageIndex) order, at
     * most {@link Limits#LIST_VERSIONS_MAX_ENTRIES}, and whether the listing continues.
     */
    public record ListVersionsResponse(List<VersionEntry> entries, boolean more) {
        public ListVersionsResponse {
            entries = List.copyOf(entries);
            if (entries.size() > Limits.LIST_VERSIONS_MAX_ENTRIES) {
                throw new IllegalArgumentException(entries.size() + " entries, over "
                        + Limits.LIST_VERSIONS_MAX_ENTRIES);
            }
            for (int i = 1; i < entries.size(); i++) {
                if (entries.get(i - 1).compareKey(entries.get(i)) >= 0) {
                    throw new IllegalArgumentException("entries not in (inode, pageIndex) order at " + i);
                }
            }
        }

        public ByteBuf encode(ByteBufAllocator alloc) {
            ByteBuf out = alloc.buffer(4 + entries.size() * Limits.LIST_VERSIONS_ENTRY_BYTES + 1);
            out.writeInt(entries.size());
            for (VersionEntry e : entries) {
                out.writeLong(e.inode());
                out.writeLong(e.pageIndex());
                writeVersion(out, e.version());
                out.writeInt(e.crc32c());
                out.writeByte(e.tombstone() ? FLAG_TOMBSTONE : 0);
            }
            out.writeByte(more ? 1 : 0);
            return out;
        }

        public static ListVersionsResponse decode(ByteBuf body) {
            BodyCursor in = new BodyCursor(body, "LIST_VERSIONS response");
            int count = in.u32InRange("count", 0, Limits.LIST_VERSIONS_MAX_ENTRIES);
            // Checked before reading entries so that a lying count is rejected without work.
            long expected = (long) count * Limits.LIST_VERSIONS_ENTRY_BYTES + 1;
            if (in.remaining() != expected) {
                throw in.bad("count " + count + " needs " + expected + " more bytes, " + in.remaining() + " follow");
            }
            VersionEntry[] entries = new VersionEntry[count];
            for (int i = 0; i < count; i++) {
                long inode = in.nonNegative("inode");
                long pageIndex = in.nonNegative("pageIndex");
                PageVersion version = in.version();
                int crc = in.i32("crc32c");
                boolean tombstone = in.flags("flags", FLAG_TOMBSTONE) != 0;
                entries[i] = new VersionEntry(inode, pageIndex, version, crc, tombstone);
                if (i > 0 && entries[i - 1].compareKey(entries[i]) >= 0) {
                    throw in.bad("entry " + i + " is not after the one before it in (inode, pageIndex) order");
                }
            }
            boolean more = in.bool("more");
            in.finish();
            return new ListVersionsResponse(List.of(entries), more);
        }
    }

    /** {@code GROUP_DIGEST} request: volume id, group. */
    public record GroupDigestRequest(long volumeId, int group) {
        static final int BYTES = 8 + 4;

        public GroupDigestRequest {
            checkNonNegative(volumeId, "volumeId");
            checkGroup(group);
        }

        public ByteBuf encode(ByteBufAllocator alloc) {
            return alloc.buffer(BYTES).writeLong(volumeId).writeInt(group);
        }

        public static GroupDigestRequest decode(ByteBuf body) {
            BodyCursor in = new BodyCursor(body, "GROUP_DIGEST request");
            long volumeId = in.nonNegative("volumeId");
            int group = in.u32InRange("group", 0, Limits.PAGE_GROUPS_PER_VOLUME - 1);
            in.finish();
            return new GroupDigestRequest(volumeId, group);
        }
    }

    /** {@code GROUP_DIGEST} response: entry count (tombstones included), order-independent digest. */
    public record GroupDigestResponse(long count, long digest) {
        static final int BYTES = 8 + 8;

        public GroupDigestResponse {
            checkNonNegative(count, "count");
        }

        public ByteBuf encode(ByteBufAllocator alloc) {
            return alloc.buffer(BYTES).writeLong(count).writeLong(digest);
        }

        public static GroupDigestResponse decode(ByteBuf body) {
            BodyCursor in = new BodyCursor(body, "GROUP_DIGEST response");
            long count = in.nonNegative("count");
            long digest = in.u64("digest");
            in.finish();
            return new GroupDigestResponse(count, digest);
        }
    }

    private static void writeKey(ByteBuf out, PageKey key) {
        out.writeLong(key.volumeId()).writeLong(key.inode()).writeLong(key.pageIndex());
    }

    private static void writeVersion(ByteBuf out, PageVersion version) {
        out.writeLong(version.epoch()).writeLong(version.seq());
    }

    private static int copiedDataBytes(ByteBuf data) {
        return data.readableBytes() <= COPY_DATA_MAX_BYTES ? data.readableBytes() : 0;
    }

    /** Appends page data to an encoded head: copied when small, else attached without copying. */
    private static ByteBuf appendData(ByteBufAllocator alloc, ByteBuf head, ByteBuf data) {
        if (copiedDataBytes(data) == data.readableBytes()) {
            return head.writeBytes(data, data.readerIndex(), data.readableBytes());
        }
        return alloc.compositeBuffer(2).addComponents(true, head, data.retainedDuplicate());
    }

    private static void checkData(ByteBuf data) {
        Objects.requireNonNull(data, "data");
        if (data.readableBytes() > Limits.PAGE_SIZE_MAX_BYTES) {
            throw new IllegalArgumentException("page data of " + data.readableBytes() + " bytes, over "
                    + Limits.PAGE_SIZE_MAX_BYTES);
        }
    }

    private static void checkFlags(int flags, int knownBits) {
        if ((flags & ~knownBits) != 0) {
            throw new IllegalArgumentException("unknown flag bits 0x" + Integer.toHexString(flags));
        }
    }

    private static void checkGroup(int group) {
        if (group < 0 || group >= Limits.PAGE_GROUPS_PER_VOLUME) {
            throw new IllegalArgumentException("group " + group + " outside [0, " + Limits.PAGE_GROUPS_PER_VOLUME + ")");
        }
    }

    private static void checkNonNegative(long value, String field) {
        if (value < 0) {
            throw new IllegalArgumentException("negative " + field + ": " + value);
        }
    }
}
