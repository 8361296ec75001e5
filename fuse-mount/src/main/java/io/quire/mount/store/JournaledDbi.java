package io.quire.mount.store;

import java.nio.ByteBuffer;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.Predicate;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.Stat;
import org.lmdbjava.Txn;

/**
 * Thread-safe (stateless over a txn). A DBI whose changes go to the metadata journal: a put or a
 * delete through it is applied to LMDB and recorded in the running {@link WriteTxn}, which
 * {@link CacheEnv#write} turns into one journal record. Reads pass straight through.
 *
 * <p>The ids are part of the on-server format (journal records and checkpoints name DBIs by
 * them): never renumber, never reuse. A key filter keeps local-only keys of a shared DBI (the
 * cache identity and the journal's own bookkeeping in {@code meta}) out of the journal.
 */
public final class JournaledDbi {
    public static final int INODE = 1;
    public static final int DIRENT = 2;
    public static final int DIRPOS = 3;
    public static final int SYMLINK = 4;
    public static final int XATTR = 5;
    public static final int META = 6;
    public static final int ORPHAN = 7;
    public static final int REMOTE = 8;
    public static final int TRASH = 9;
    public static final int EXTENT = 10;
    /** Ids are below this (one byte on the wire). */
    public static final int ID_LIMIT = 256;
    /** LMDB's default largest key (MDB_MAXKEYSIZE). */
    public static final int KEY_MAX_BYTES = 511;

    private final int id;
    private final String name;
    private final Dbi<ByteBuffer> dbi;
    private final Predicate<ByteBuffer> journaled;
    private final Function<Txn<ByteBuffer>, WriteTxn> writing;

    JournaledDbi(int id, String name, Dbi<ByteBuffer> dbi, Predicate<ByteBuffer> journaled,
                 Function<Txn<ByteBuffer>, WriteTxn> writing) {
        this.id = id;
        this.name = name;
        this.dbi = dbi;
        this.journaled = journaled;
        this.writing = writing;
    }

    public int id() {
        return id;
    }

    public String name() {
        return name;
    }

    ByteBuffer get(Txn<ByteBuffer> txn, ByteBuffer key) {
        return dbi.get(txn, key);
    }

    Cursor<ByteBuffer> openCursor(Txn<ByteBuffer> txn) {
        return dbi.openCursor(txn);
    }

    Stat stat(Txn<ByteBuffer> txn) {
        return dbi.stat(txn);
    }

    void put(Txn<ByteBuffer> txn, ByteBuffer key, ByteBuffer value) {
        dbi.put(txn, key, value);
        if (journaled.test(key)) {
            writing.apply(txn).record(id, key, value);
        }
    }

    /** Deletes the key; only a delete that removed something is journaled. */
    boolean delete(Txn<ByteBuffer> txn, ByteBuffer key) {
        boolean had = dbi.delete(txn, key);
        if (had && journaled.test(key)) {
            writing.apply(txn).record(id, key, null);
        }
        return had;
    }

    /** Whether changes to this key go to the journal. */
    public boolean journals(byte[] key) {
        return journaled.test(ByteBuffer.wrap(key));
    }

    /**
     * Applies a change read back from the journal or a checkpoint, without journaling it again
     * (it is already on the servers). Refuses a key the journal never carries.
     */
    public void apply(WriteTxn w, byte[] key, byte[] value) {
        if (key.length == 0 || key.length > KEY_MAX_BYTES || !journals(key)) {
            throw new IllegalArgumentException("dbi " + name + ": key of " + key.length + " bytes is not journaled here");
        }
        if (value == null) {
            dbi.delete(w.txn, Keys.of(key));
        } else {
            dbi.put(w.txn, Keys.of(key), Keys.of(value));
        }
    }

    /** Removes every journaled key (a rebuild starts from nothing). */
    public void clear(WriteTxn w) {
        try (Cursor<ByteBuffer> c = dbi.openCursor(w.txn)) {
            boolean ok = c.first();
            while (ok) {
                if (journaled.test(c.key())) {
                    c.delete();
                }
                ok = c.next();
            }
        }
    }

    /**
     * Hands every journaled (key, value) in key order to {@code sink} (LMDB-owned buffers, valid
     * during the call) until it returns false.
     */
    public void forEach(Txn<ByteBuffer> txn, BiPredicate<ByteBuffer, ByteBuffer> sink) {
        try (Cursor<ByteBuffer> c = dbi.openCursor(txn)) {
            boolean ok = c.first();
            while (ok) {
                if (journaled.test(c.key()) && !sink.test(c.key(), c.val())) {
                    return;
                }
                ok = c.next();
            }
        }
    }
}
