package io.quire.mount.journal;

import io.quire.client.ReplicatedPages;
import io.quire.mount.MountConfig;
import io.quire.mount.store.JournaledDbi;
import io.quire.mount.store.Mutation;
import io.quire.page.Page;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Confined to the rebuilding thread. Reads the checkpoint a superblock names, verifies every page
 * and the whole entry stream against the superblock, and hands the entries to a
 * {@link ChangeBatch}. A checkpoint that does not verify is an error: without it there is no
 * state to replay the journal onto.
 */
final class CheckpointLoader {
    /** What was loaded. Thread-safe (immutable). */
    record Loaded(long entries, long maxEpoch) {
    }

    private CheckpointLoader() {
    }

    static Loaded load(ReplicatedPages replicas, Superblock sb, MountConfig config, ChangeBatch batch) {
        PageReader reader = new PageReader(replicas, config.volumeId(), sb.areaInode(), 0, sb.pages(),
                config.readTimeoutMs());
        CRC32C crc = new CRC32C();
        long bytes = 0;
        long entries = 0;
        long maxEpoch = 0;
        boolean ended = false;
        ByteBuffer carry = ByteBuffer.allocate(0);
        for (long i = 0; i < sb.pages(); i++) {
            long index = i;
            Page p = reader.next().orElseThrow(() -> new DamagedPageException("checkpoint generation "
                    + sb.generation() + ": page " + index + " of " + sb.pages() + " is missing"));
            maxEpoch = Math.max(maxEpoch, p.version().epoch());
            ByteBuffer payload = CheckpointPage.parse(p.data(), config.volumeId(), sb.generation(), sb.seq(), i,
                    config.pageSizeBytes());
            crc.update(payload.duplicate());
            bytes += payload.remaining();
            if (ended && payload.hasRemaining()) {
                throw new DamagedPageException("checkpoint generation " + sb.generation() + ": data after its end");
            }
            ByteBuffer joined = ByteBuffer.allocate(carry.remaining() + payload.remaining());
            joined.put(carry).put(payload).flip();
            List<Mutation> parsed = new ArrayList<>();
            ended = parse(joined, parsed, batch);
            entries += parsed.size();
            batch.add(parsed);
            carry = joined;
            if (ended && carry.hasRemaining()) {
                throw new DamagedPageException("checkpoint generation " + sb.generation() + ": data after its end");
            }
        }
        if (!ended || bytes != sb.bytes() || (int) crc.getValue() != sb.crc()) {
            throw new DamagedPageException("checkpoint generation " + sb.generation() + ": stream of " + bytes
                    + " bytes (superblock says " + sb.bytes() + "), ended " + ended + ", checksum "
                    + ((int) crc.getValue() == sb.crc() ? "ok" : "mismatch"));
        }
        batch.flush();
        return new Loaded(entries, maxEpoch);
    }

    /**
     * Takes whole entries off {@code b} (leaving a partial one there); returns true at the end
     * marker.
     */
    private static boolean parse(ByteBuffer b, List<Mutation> out, ChangeBatch batch) {
        while (b.hasRemaining()) {
            int mark = b.position();
            int dbi = b.get() & 0xFF;
            if (dbi == CheckpointPage.END) {
                return true;
            }
            if (b.remaining() < 2) {
                b.position(mark);
                return false;
            }
            int keyLen = b.getShort() & 0xFFFF;
            if (keyLen == 0 || keyLen > JournaledDbi.KEY_MAX_BYTES) {
                throw new DamagedPageException("checkpoint entry with a key of " + keyLen + " bytes");
            }
            if (b.remaining() < keyLen + 4) {
                b.position(mark);
                return false;
            }
            byte[] key = new byte[keyLen];
            b.get(key);
            int valueLen = b.getInt();
            if (valueLen < 0 || valueLen > JournalLimits.ENTRY_VALUE_MAX_BYTES) {
                throw new DamagedPageException("checkpoint entry with a value of " + valueLen + " bytes");
            }
            if (b.remaining() < valueLen) {
                b.position(mark);
                return false;
            }
            byte[] value = new byte[valueLen];
            b.get(value);
            Mutation m = new Mutation(dbi, key, value);
            try {
                batch.check(m);
            } catch (IllegalArgumentException e) {
                throw new DamagedPageException("checkpoint entry: " + e.getMessage(), e);
            }
            out.add(m);
        }
        return false;
    }
}
