package io.quire.mount.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.lmdbjava.Txn;

/**
 * Thread-safe (stateless over a txn). The {@code meta} DBI: named u64 values — the cache's
 * identity (volume, page size, format), its persistent counters, and the journal's bookkeeping.
 *
 * <p>Only the counters that belong to the file system ({@link #JOURNALED}) go to the metadata
 * journal: a rebuilt mount must hand out inode numbers and page-version sequences above every
 * one already used on the servers, and report the same usage. The cache identity and the
 * journal's own progress describe this cache, not the volume, and stay local.
 */
public final class MetaTable {
    public static final String FORMAT = "format";
    public static final String VOLUME_ID = "volume.id";
    public static final String PAGE_SIZE = "page.size";
    /** The next inode number to hand out; inode numbers are never reused. */
    public static final String NEXT_INO = "ino.next";
    /** The next sequence number of a page version (writes and deletes). */
    public static final String NEXT_SEQ = "seq.next";
    public static final String LIVE_INODES = "inodes.live";
    /**
     * Pages holding data in every regular file times the page size ({@link ExtentTable}): what
     * statfs reports as used, what growth and ENOSPC are measured by. Holes cost nothing.
     */
    public static final String USED_BYTES = "bytes.used";
    /**
     * 1 once files' allocated pages are counted ({@link ExtentTable}, {@link Inode#pages}): a
     * cache or journal written before that has no such key, and the start-up upgrade counts them.
     */
    public static final String EXTENTS = "extents";
    /**
     * 1 while a mount has the cache open, 0 once it closed it cleanly: found 1 at open, the last
     * mount crashed and the cache is reconciled.
     */
    public static final String OPEN = "cache.open";
    /** The names whose changes are journaled; every other name is local to this cache. */
    public static final Set<String> JOURNALED = Set.of(NEXT_INO, NEXT_SEQ, LIVE_INODES, USED_BYTES, EXTENTS);

    private final JournaledDbi dbi;

    MetaTable(JournaledDbi dbi) {
        this.dbi = dbi;
    }

    static boolean isJournaled(ByteBuffer key) {
        byte[] name = new byte[key.remaining()];
        key.get(key.position(), name);
        return JOURNALED.contains(new String(name, StandardCharsets.US_ASCII));
    }

    /** The value, or {@code absent} when the name was never written. */
    public long get(Txn<ByteBuffer> txn, String name, long absent) {
        ByteBuffer v = dbi.get(txn, key(name));
        return v == null ? absent : v.getLong(0);
    }

    public void put(Txn<ByteBuffer> txn, String name, long value) {
        dbi.put(txn, key(name), Keys.of(value));
    }

    /** Returns the current value of a counter and stores it plus one. */
    public long next(Txn<ByteBuffer> txn, String name, long first) {
        long v = get(txn, name, first);
        put(txn, name, v + 1);
        return v;
    }

    public void add(Txn<ByteBuffer> txn, String name, long delta) {
        if (delta != 0) {
            put(txn, name, get(txn, name, 0) + delta);
        }
    }

    private static ByteBuffer key(String name) {
        return Keys.of(name.getBytes(StandardCharsets.US_ASCII));
    }
}
