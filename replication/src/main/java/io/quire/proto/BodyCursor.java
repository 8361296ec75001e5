package io.quire.proto;

import io.netty.buffer.ByteBuf;
import io.quire.page.PageKey;
import io.quire.page.PageVersion;

/**
 * Not thread-safe; confined to the thread decoding one body. Reads the fields of a binary body
 * strictly: every read checks that the bytes are there, every id and version that it is not
 * negative, and {@link #finish()} that nothing trails. Any violation is a
 * {@link QuireException} with {@link Status#BAD_REQUEST} naming the message and the field.
 *
 * <p>Reads by absolute index, so the body's reader index is left alone.
 */
final class BodyCursor {
    private final ByteBuf body;
    private final String message;
    private final int end;
    private int index;

    BodyCursor(ByteBuf body, String message) {
        this.body = body;
        this.message = message;
        this.index = body.readerIndex();
        this.end = body.writerIndex();
    }

    int remaining() {
        return end - index;
    }

    long u64(String field) {
        need(Long.BYTES, field);
        long v = body.getLong(index);
        index += Long.BYTES;
        return v;
    }

    /** A u64 that Java holds as a non-negative long (ids, versions, counts). */
    long nonNegative(String field) {
        long v = u64(field);
        if (v < 0) {
            throw bad(field + " " + Long.toUnsignedString(v) + " is out of range");
        }
        return v;
    }

    int i32(String field) {
        need(Integer.BYTES, field);
        int v = body.getInt(index);
        index += Integer.BYTES;
        return v;
    }

    long u32(String field) {
        return i32(field) & 0xFFFF_FFFFL;
    }

    /** A u32 that must be in {@code [min, max]}. */
    int u32InRange(String field, int min, int max) {
        long v = u32(field);
        if (v < min || v > max) {
            throw bad(field + " " + v + " is outside [" + min + ", " + max + "]");
        }
        return (int) v;
    }

    int u8(String field) {
        need(1, field);
        int v = body.getUnsignedByte(index);
        index += 1;
        return v;
    }

    /** A flags byte in which only {@code knownBits} may be set. */
    int flags(String field, int knownBits) {
        int v = u8(field);
        if ((v & ~knownBits) != 0) {
            throw bad(field + " 0x" + Integer.toHexString(v) + " has unknown bits");
        }
        return v;
    }

    boolean bool(String field) {
        int v = u8(field);
        if (v > 1) {
            throw bad(field + " " + v + " is neither 0 nor 1");
        }
        return v == 1;
    }

    PageKey pageKey() {
        long volumeId = nonNegative("volumeId");
        long inode = nonNegative("inode");
        long pageIndex = nonNegative("pageIndex");
        return new PageKey(volumeId, inode, pageIndex);
    }

    PageVersion version() {
        long epoch = nonNegative("epoch");
        long seq = nonNegative("seq");
        return new PageVersion(epoch, seq);
    }

    /** A page-data length followed by exactly that many bytes, which must end the body. */
    ByteBuf pageData() {
        int length = u32InRange("dataLength", 0, Limits.PAGE_SIZE_MAX_BYTES);
        if (remaining() != length) {
            throw bad("dataLength " + length + " but " + remaining() + " data bytes follow");
        }
        ByteBuf data = body.slice(index, length);
        index += length;
        return data;
    }

    /** Checks that the whole body was read. */
    void finish() {
        if (index != end) {
            throw bad((end - index) + " unexpected trailing bytes");
        }
    }

    QuireException bad(String what) {
        return new QuireException(Status.BAD_REQUEST, message + ": " + what);
    }

    private void need(int bytes, String field) {
        if (end - index < bytes) {
            throw bad("body truncated at " + field + " (" + (end - body.readerIndex()) + " bytes)");
        }
    }
}
