package io.quire.mount.journal;

import io.quire.mount.store.MetaTable;
import java.nio.ByteBuffer;
import org.lmdbjava.Txn;

/**
 * Thread-safe (stateless over a txn). The journal's bookkeeping, kept in the {@code meta} DBI
 * under names {@link MetaTable} does not journal: it describes this cache's progress, not the
 * volume.
 *
 * <ul>
 *   <li>{@code journal.next}: the seq the next record gets (records are numbered from 1).
 *   <li>{@code journal.durable}: every record up to this one is on W replicas.
 *   <li>{@code journal.page*}: where the page being filled begins ({@link JournalLayout.Start}).
 *   <li>{@code ckpt.*}: the superblock last written, or being written when {@code ckpt.published}
 *       is 0 (it is then rewritten, unchanged, before anything else).
 * </ul>
 */
final class LocalState {
    static final String NEXT = "journal.next";
    static final String DURABLE = "journal.durable";
    static final String PAGE = "journal.page";
    static final String PAGE_SEQ = "journal.page.seq";
    static final String PAGE_SKIP = "journal.page.skip";
    static final String PAGE_RESTART = "journal.page.restart";
    private static final String CKPT = "ckpt.";
    private static final String PUBLISHED = "ckpt.published";

    private final MetaTable meta;

    LocalState(MetaTable meta) {
        this.meta = meta;
    }

    /** False for a cache made before the journal existed, or not yet set up. */
    boolean exists(Txn<ByteBuffer> txn) {
        return meta.get(txn, NEXT, -1) != -1;
    }

    long next(Txn<ByteBuffer> txn) {
        return meta.get(txn, NEXT, 1);
    }

    /** Returns the seq for a new record and counts it. */
    long take(Txn<ByteBuffer> txn) {
        return meta.next(txn, NEXT, 1);
    }

    long durable(Txn<ByteBuffer> txn) {
        return meta.get(txn, DURABLE, 0);
    }

    void durable(Txn<ByteBuffer> txn, long seq) {
        meta.put(txn, DURABLE, seq);
    }

    JournalLayout.Start start(Txn<ByteBuffer> txn) {
        return new JournalLayout.Start(meta.get(txn, PAGE, 0), meta.get(txn, PAGE_SEQ, 1),
                (int) meta.get(txn, PAGE_SKIP, 0), meta.get(txn, PAGE_RESTART, 0) != 0);
    }

    void start(Txn<ByteBuffer> txn, JournalLayout.Start s) {
        meta.put(txn, PAGE, s.page());
        meta.put(txn, PAGE_SEQ, s.seq());
        meta.put(txn, PAGE_SKIP, s.skip());
        meta.put(txn, PAGE_RESTART, s.restart() ? 1 : 0);
    }

    /** Sets up a journal whose next record is {@code nextSeq}, written from {@code start} on. */
    void init(Txn<ByteBuffer> txn, long nextSeq, JournalLayout.Start start, Superblock sb) {
        meta.put(txn, NEXT, nextSeq);
        durable(txn, nextSeq - 1);
        start(txn, start);
        checkpoint(txn, sb, true);
    }

    Superblock checkpoint(Txn<ByteBuffer> txn) {
        return new Superblock(get(txn, "gen"), get(txn, "epoch"), get(txn, "pages"), get(txn, "bytes"),
                (int) get(txn, "crc"), get(txn, "seq"), get(txn, "start"), get(txn, "floor"), get(txn, "trimmed"),
                get(txn, "spill"), get(txn, "other"));
    }

    boolean published(Txn<ByteBuffer> txn) {
        return meta.get(txn, PUBLISHED, 1) != 0;
    }

    void checkpoint(Txn<ByteBuffer> txn, Superblock s, boolean published) {
        put(txn, "gen", s.generation());
        put(txn, "epoch", s.epoch());
        put(txn, "pages", s.pages());
        put(txn, "bytes", s.bytes());
        put(txn, "crc", s.crc());
        put(txn, "seq", s.seq());
        put(txn, "start", s.journalStart());
        put(txn, "floor", s.epochFloor());
        put(txn, "trimmed", s.trimmedBelow());
        put(txn, "spill", s.areaSpill());
        put(txn, "other", s.otherPages());
        meta.put(txn, PUBLISHED, published ? 1 : 0);
    }

    private long get(Txn<ByteBuffer> txn, String field) {
        return meta.get(txn, CKPT + field, 0);
    }

    private void put(Txn<ByteBuffer> txn, String field, long v) {
        meta.put(txn, CKPT + field, v);
    }
}
