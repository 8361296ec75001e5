package io.quire.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.quire.page.Checksums;
import io.quire.page.PageKey;
import io.quire.page.PageVersion;
import io.quire.proto.PageMessages.DeletePage;
import io.quire.proto.PageMessages.GetPageRequest;
import io.quire.proto.PageMessages.GetPageResponse;
import io.quire.proto.PageMessages.GroupDigestRequest;
import io.quire.proto.PageMessages.GroupDigestResponse;
import io.quire.proto.PageMessages.ListVersionsRequest;
import io.quire.proto.PageMessages.ListVersionsResponse;
import io.quire.proto.PageMessages.PutPage;
import io.quire.proto.PageMessages.VersionEntry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Not thread-safe; run by JUnit on one thread. Every data-plane body: round trips, every truncation,
 * trailing bytes and out-of-range fields rejected with BAD_REQUEST, buffer ownership.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PageMessagesTest {
    private static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;
    private static final PageKey KEY = new PageKey(7, Long.MAX_VALUE, 12345);
    private static final PageVersion VERSION = new PageVersion(3, Long.MAX_VALUE - 1);

    private static ByteBuf data(int bytes) {
        ByteBuf b = Unpooled.buffer(bytes);
        for (int i = 0; i < bytes; i++) {
            b.writeByte(i * 13 + 1);
        }
        return b;
    }

    /** Encodes, copies to one flat buffer (as the wire would), releases the encoding. */
    private static ByteBuf wire(ByteBuf encoded) {
        ByteBuf flat = Unpooled.copiedBuffer(encoded);
        encoded.release();
        return flat;
    }

    private static void assertBadRequest(Runnable decode, String what) {
        QuireException e = assertThrows(QuireException.class, decode::run, what);
        assertEquals(Status.BAD_REQUEST, e.status(), what + ": " + e.getMessage());
    }

    private static ListVersionsResponse entries(int count, boolean more) {
        List<VersionEntry> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(new VersionEntry(i / 3, i % 3 + 10, new PageVersion(i, i * 2L), i * 77, i % 5 == 0));
        }
        return new ListVersionsResponse(list, more);
    }

    @Test
    void putPageRoundTripsAndKeepsItsData() {
        for (int size : new int[] {0, 1, 256, 257, 64 * 1024, Limits.PAGE_SIZE_MAX_BYTES}) {
            ByteBuf data = data(size);
            PutPage put = new PutPage(KEY, VERSION, PageMessages.FLAG_REPAIR, PageMessages.crc32c(data), data);
            ByteBuf encoded = put.encode(ALLOC);
            assertEquals(PutPage.FIXED_BYTES + size, encoded.readableBytes());
            PutPage back = PutPage.decode(encoded);
            assertEquals(put, back);
            assertTrue(back.isRepair());
            assertEquals(0, encoded.readerIndex(), "decode leaves the reader index alone");
            encoded.release();
            assertEquals(1, data.refCnt(), "encode does not consume the record's data");
            data.release();
        }
    }

    @Test
    void largePageDataIsAttachedNotCopied() {
        ByteBuf data = data(64 * 1024);
        ByteBuf encoded = new PutPage(KEY, VERSION, 0, 0, data).encode(ALLOC);
        assertTrue(encoded instanceof CompositeByteBuf);
        assertEquals(2, ((CompositeByteBuf) encoded).numComponents());
        assertEquals(2, data.refCnt());
        encoded.release();
        assertEquals(1, data.refCnt());
        data.release();
    }

    @Test
    void crc32cMatchesTheJdkOverAnyBufferShape() {
        ByteBuf data = data(70_000);
        byte[] bytes = new byte[70_000];
        data.getBytes(0, bytes);
        int expected = Checksums.crc32c(bytes);
        assertEquals(expected, PageMessages.crc32c(data));
        ByteBuf encoded = new GetPageResponse(VERSION, expected, data).encode(ALLOC);
        assertEquals(expected, PageMessages.crc32c(GetPageResponse.decode(encoded).data()));
        CompositeByteBuf parts = Unpooled.compositeBuffer().addComponents(true,
                data.retainedSlice(0, 1000), data.retainedSlice(1000, 69_000));
        assertEquals(expected, PageMessages.crc32c(parts));
        assertEquals(expected, PageMessages.crc32c(data.asReadOnly()));
        encoded.release();
        parts.release();
        data.release();
    }

    @Test
    void everyRecordRoundTrips() {
        assertEquals(new GetPageRequest(KEY), GetPageRequest.decode(wire(new GetPageRequest(KEY).encode(ALLOC))));
        ByteBuf data = data(5000);
        GetPageResponse get = new GetPageResponse(VERSION, -5, data);
        assertEquals(get, GetPageResponse.decode(wire(get.encode(ALLOC))));
        data.release();
        GetPageResponse deleted = GetPageResponse.ofTombstone(VERSION);
        GetPageResponse back = GetPageResponse.decode(wire(deleted.encode(ALLOC)));
        assertTrue(back.tombstone());
        assertEquals(VERSION, back.version());
        assertEquals(0, back.data().readableBytes());
        DeletePage del = new DeletePage(KEY, VERSION, 0);
        assertEquals(del, DeletePage.decode(wire(del.encode(ALLOC))));
        assertFalse(DeletePage.decode(wire(del.encode(ALLOC))).isRepair());
        for (ListVersionsRequest req : List.of(ListVersionsRequest.first(1, 0, 1),
                ListVersionsRequest.after(Long.MAX_VALUE, Limits.PAGE_GROUPS_PER_VOLUME - 1, 5, 6,
                        Limits.LIST_VERSIONS_MAX_ENTRIES))) {
            assertEquals(req, ListVersionsRequest.decode(wire(req.encode(ALLOC))));
        }
        for (ListVersionsResponse resp : List.of(entries(0, false), entries(7, true),
                entries(Limits.LIST_VERSIONS_MAX_ENTRIES, true))) {
            ByteBuf w = wire(resp.encode(ALLOC));
            assertEquals(4 + resp.entries().size() * Limits.LIST_VERSIONS_ENTRY_BYTES + 1, w.readableBytes());
            assertEquals(resp, ListVersionsResponse.decode(w));
        }
        GroupDigestRequest dreq = new GroupDigestRequest(9, 200);
        assertEquals(dreq, GroupDigestRequest.decode(wire(dreq.encode(ALLOC))));
        GroupDigestResponse dresp = new GroupDigestResponse(Long.MAX_VALUE, -1L);
        assertEquals(dresp, GroupDigestResponse.decode(wire(dresp.encode(ALLOC))));
    }

    @Test
    void everyTruncationAndAnyTrailingByteIsBadRequest() {
        ByteBuf data = data(300);
        Map<String, ByteBuf> bodies = new LinkedHashMap<>();
        Map<String, Function<ByteBuf, Object>> decoders = new LinkedHashMap<>();
        bodies.put("put", wire(new PutPage(KEY, VERSION, 1, 2, data).encode(ALLOC)));
        decoders.put("put", PutPage::decode);
        bodies.put("getReq", wire(new GetPageRequest(KEY).encode(ALLOC)));
        decoders.put("getReq", GetPageRequest::decode);
        bodies.put("getResp", wire(new GetPageResponse(VERSION, 2, data).encode(ALLOC)));
        decoders.put("getResp", GetPageResponse::decode);
        bodies.put("delete", wire(new DeletePage(KEY, VERSION, 1).encode(ALLOC)));
        decoders.put("delete", DeletePage::decode);
        bodies.put("listReq", wire(ListVersionsRequest.after(1, 2, 3, 4, 5).encode(ALLOC)));
        decoders.put("listReq", ListVersionsRequest::decode);
        bodies.put("listResp", wire(entries(5, true).encode(ALLOC)));
        decoders.put("listResp", ListVersionsResponse::decode);
        bodies.put("digestReq", wire(new GroupDigestRequest(1, 2).encode(ALLOC)));
        decoders.put("digestReq", GroupDigestRequest::decode);
        bodies.put("digestResp", wire(new GroupDigestResponse(1, 2).encode(ALLOC)));
        decoders.put("digestResp", GroupDigestResponse::decode);
        for (var e : bodies.entrySet()) {
            ByteBuf body = e.getValue();
            Function<ByteBuf, Object> decode = decoders.get(e.getKey());
            decode.apply(body); // The whole body is fine.
            for (int len = 0; len < body.readableBytes(); len++) {
                ByteBuf cut = body.slice(0, len);
                assertBadRequest(() -> decode.apply(cut), e.getKey() + " cut to " + len);
            }
            ByteBuf longer = Unpooled.buffer().writeBytes(body, 0, body.readableBytes()).writeByte(0);
            assertBadRequest(() -> decode.apply(longer), e.getKey() + " with a trailing byte");
            body.release();
        }
        data.release();
    }

    /** Applies an edit to a copy of a valid body and expects BAD_REQUEST from the decoder. */
    private static void assertEditRejected(ByteBuf valid, Consumer<ByteBuf> edit, Function<ByteBuf, Object> decode,
                                           String what) {
        ByteBuf copy = Unpooled.copiedBuffer(valid);
        edit.accept(copy);
        assertBadRequest(() -> decode.apply(copy), what);
        copy.release();
    }

    @Test
    void outOfRangeFieldsAreBadRequest() {
        ByteBuf put = wire(new PutPage(KEY, VERSION, 0, 0, Unpooled.EMPTY_BUFFER).encode(ALLOC));
        assertEditRejected(put, b -> b.setLong(0, -1), PutPage::decode, "negative volume");
        assertEditRejected(put, b -> b.setLong(8, -1), PutPage::decode, "negative inode");
        assertEditRejected(put, b -> b.setLong(16, Long.MIN_VALUE), PutPage::decode, "negative page index");
        assertEditRejected(put, b -> b.setLong(24, -1), PutPage::decode, "negative epoch");
        assertEditRejected(put, b -> b.setLong(32, -1), PutPage::decode, "negative seq");
        assertEditRejected(put, b -> b.setByte(40, 2), PutPage::decode, "unknown flag");
        assertEditRejected(put, b -> b.setByte(40, 0x80), PutPage::decode, "unknown high flag");
        assertEditRejected(put, b -> b.setInt(45, Limits.PAGE_SIZE_MAX_BYTES + 1), PutPage::decode, "data too big");
        assertEditRejected(put, b -> b.setInt(45, -1), PutPage::decode, "data length 4 GiB");
        assertEditRejected(put, b -> b.setInt(45, 1), PutPage::decode, "data length lies");
        put.release();

        ByteBuf get = wire(new GetPageResponse(VERSION, 7, Unpooled.wrappedBuffer(new byte[3])).encode(ALLOC));
        assertEditRejected(get, b -> b.setByte(16, 2), GetPageResponse::decode, "get unknown flag");
        assertEditRejected(get, b -> b.setByte(16, 1), GetPageResponse::decode, "a tombstone with data");
        get.release();
        ByteBuf tomb = wire(GetPageResponse.ofTombstone(VERSION).encode(ALLOC));
        assertEditRejected(tomb, b -> b.setInt(17, 5), GetPageResponse::decode, "a tombstone with a crc32c");
        tomb.release();

        ByteBuf del = wire(new DeletePage(KEY, VERSION, 0).encode(ALLOC));
        assertEditRejected(del, b -> b.setByte(40, 3), DeletePage::decode, "delete unknown flag");
        del.release();

        ByteBuf list = wire(ListVersionsRequest.first(1, 2, 3).encode(ALLOC));
        assertEditRejected(list, b -> b.setInt(8, Limits.PAGE_GROUPS_PER_VOLUME), ListVersionsRequest::decode, "group");
        assertEditRejected(list, b -> b.setInt(8, -1), ListVersionsRequest::decode, "group u32 max");
        assertEditRejected(list, b -> b.setByte(12, 2), ListVersionsRequest::decode, "hasCursor 2");
        assertEditRejected(list, b -> b.setLong(13, -1), ListVersionsRequest::decode, "afterInode");
        assertEditRejected(list, b -> b.setInt(29, 0), ListVersionsRequest::decode, "maxEntries 0");
        assertEditRejected(list, b -> b.setInt(29, Limits.LIST_VERSIONS_MAX_ENTRIES + 1),
                ListVersionsRequest::decode, "maxEntries over the limit");
        list.release();

        ByteBuf resp = wire(entries(2, false).encode(ALLOC));
        int entry = Limits.LIST_VERSIONS_ENTRY_BYTES;
        assertEditRejected(resp, b -> b.setInt(0, Limits.LIST_VERSIONS_MAX_ENTRIES + 1),
                ListVersionsResponse::decode, "count over the limit");
        assertEditRejected(resp, b -> b.setInt(0, -1), ListVersionsResponse::decode, "count 4 G");
        assertEditRejected(resp, b -> b.setInt(0, 3), ListVersionsResponse::decode, "count lies");
        assertEditRejected(resp, b -> b.setByte(4 + entry - 1, 2), ListVersionsResponse::decode, "entry flag");
        assertEditRejected(resp, b -> b.setLong(4, -1), ListVersionsResponse::decode, "entry inode");
        assertEditRejected(resp, b -> b.setLong(4 + entry + 8, 0), ListVersionsResponse::decode, "entries out of order");
        assertEditRejected(resp, b -> b.setByte(4 + 2 * entry, 7), ListVersionsResponse::decode, "more 7");
        resp.release();

        ByteBuf dreq = wire(new GroupDigestRequest(1, 2).encode(ALLOC));
        assertEditRejected(dreq, b -> b.setInt(8, 1 << 20), GroupDigestRequest::decode, "digest group");
        assertEditRejected(dreq, b -> b.setLong(0, -5), GroupDigestRequest::decode, "digest volume");
        dreq.release();
        ByteBuf dresp = wire(new GroupDigestResponse(1, 2).encode(ALLOC));
        assertEditRejected(dresp, b -> b.setLong(0, -5), GroupDigestResponse::decode, "digest count");
        dresp.release();

        assertBadRequest(() -> PageMessages.requireEmpty(Unpooled.wrappedBuffer(new byte[1]), "PING"), "ping body");
        PageMessages.requireEmpty(Unpooled.EMPTY_BUFFER, "PING");
    }

    @Test
    void recordsRefuseInvalidValuesAtConstruction() {
        assertThrows(IllegalArgumentException.class, () -> new PutPage(KEY, VERSION, 2, 0, Unpooled.EMPTY_BUFFER));
        assertThrows(IllegalArgumentException.class,
                () -> new PutPage(KEY, VERSION, 0, 0, Unpooled.wrappedBuffer(new byte[Limits.PAGE_SIZE_MAX_BYTES + 1])));
        assertThrows(IllegalArgumentException.class, () -> ListVersionsRequest.first(1, -1, 1));
        assertThrows(IllegalArgumentException.class, () -> ListVersionsRequest.first(1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new GroupDigestRequest(1, Limits.PAGE_GROUPS_PER_VOLUME));
        VersionEntry a = new VersionEntry(1, 1, VERSION, 0, false);
        assertThrows(IllegalArgumentException.class, () -> new ListVersionsResponse(List.of(a, a), false));
    }
}
