package io.quire.mount.journal;

import io.quire.mount.store.JournaledDbi;
import io.quire.mount.store.Mutation;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Confined to the JUnit thread. The on-server formats of {@code docs/mount-format.md}: records,
 * journal pages and their layout, checkpoint pages, the superblock — round trips, and damage
 * detected wherever it hits.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JournalFormatTest {
    private static final long VOLUME = 7;
    private static final int PAGE = 4096;

    private static byte[] random(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    @Test
    void recordsRoundTripAndMalformedOnesAreRefused() {
        List<Mutation> changes = List.of(
                new Mutation(JournaledDbi.INODE, new byte[] {0, 0, 0, 0, 0, 0, 0, 9}, new byte[] {1, 2, 3}),
                new Mutation(JournaledDbi.DIRENT, new byte[] {1, 2}, null),
                new Mutation(JournaledDbi.XATTR, new byte[] {5}, new byte[0]));
        byte[] body = RecordCodec.encode(changes);
        List<Mutation> back = RecordCodec.decode(ByteBuffer.wrap(body));
        assertEquals(3, back.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(changes.get(i).dbi(), back.get(i).dbi());
            assertArrayEquals(changes.get(i).key(), back.get(i).key());
            assertArrayEquals(changes.get(i).value(), back.get(i).value());
        }
        assertNull(back.get(1).value());
        for (int cut = 0; cut < body.length; cut++) {
            int n = cut;
            assertThrows(IllegalArgumentException.class, () -> RecordCodec.decode(ByteBuffer.wrap(body, 0, n)));
        }
        byte[] longer = new byte[body.length + 1];
        System.arraycopy(body, 0, longer, 0, body.length);
        assertThrows(IllegalArgumentException.class, () -> RecordCodec.decode(ByteBuffer.wrap(longer)));
    }

    /** Records in a map standing in for the local journal table. */
    private static JournalLayout.Records from(TreeMap<Long, byte[]> records) {
        return (from, sink) -> {
            for (var e : records.tailMap(from).entrySet()) {
                if (!sink.accept(e.getKey(), ByteBuffer.wrap(e.getValue()))) {
                    return;
                }
            }
        };
    }

    @Test
    void recordsOfAnySizeAreLaidOutOverPagesAndReassembled() {
        Random rnd = new Random(42);
        TreeMap<Long, byte[]> records = new TreeMap<>();
        for (long seq = 1; seq <= 200; seq++) {
            int size = seq % 17 == 0 ? 5 * PAGE + rnd.nextInt(PAGE) : 4 + rnd.nextInt(300);
            records.put(seq, random(rnd, size));
        }
        List<JournalLayout.Laid> pages = new ArrayList<>();
        JournalLayout.Start start = new JournalLayout.Start(0, 1, 0, false);
        for (int i = 0; i < 10_000; i++) {
            JournalLayout.Laid laid = JournalLayout.lay(start, VOLUME, 3, PAGE, from(records));
            assertArrayEquals(laid.bytes(), JournalLayout.lay(start, VOLUME, 3, PAGE, from(records)).bytes(),
                    "the same start and records lay out the same page");
            pages.add(laid);
            if (!laid.full()) {
                break;
            }
            start = laid.next();
        }
        assertEquals(200, pages.get(pages.size() - 1).completeThrough());
        // Read back: every record whole and in order.
        TreeMap<Long, byte[]> back = new TreeMap<>();
        ByteArrayOutputStream pending = new ByteArrayOutputStream();
        for (JournalLayout.Laid laid : pages) {
            assertTrue(laid.bytes().length <= PAGE);
            JournalPage.Parsed p = JournalPage.parse(ByteBuffer.wrap(laid.bytes()), VOLUME, laid.page(), PAGE);
            assertEquals(laid.fragments(), p.fragments().size());
            for (JournalPage.Fragment f : p.fragments()) {
                byte[] data = new byte[f.data().remaining()];
                f.data().duplicate().get(data);
                pending.write(data, 0, data.length);
                if (f.endsRecord()) {
                    back.put(f.seq(), pending.toByteArray());
                    pending.reset();
                }
            }
        }
        assertEquals(records.keySet(), back.keySet());
        records.forEach((seq, body) -> assertArrayEquals(body, back.get(seq), "record " + seq));
    }

    @Test
    void aPartlyFilledPageIsRewrittenWithMoreRecordsUnderANewerVersion() {
        TreeMap<Long, byte[]> records = new TreeMap<>();
        records.put(1L, new byte[100]);
        JournalLayout.Start start = new JournalLayout.Start(0, 1, 0, false);
        JournalLayout.Laid first = JournalLayout.lay(start, VOLUME, 3, PAGE, from(records));
        records.put(2L, new byte[100]);
        JournalLayout.Laid second = JournalLayout.lay(start, VOLUME, 3, PAGE, from(records));
        assertEquals(1, first.lastSeq());
        assertEquals(2, second.lastSeq());
        assertTrue(!first.full() && !second.full());
        byte[] prefix = Arrays.copyOfRange(second.bytes(), JournalPage.HEADER_BYTES, first.bytes().length);
        assertArrayEquals(Arrays.copyOfRange(first.bytes(), JournalPage.HEADER_BYTES, first.bytes().length), prefix,
                "the records already there keep their place");
    }

    @Test
    void anyDamageToAJournalPageIsDetected() {
        TreeMap<Long, byte[]> records = new TreeMap<>();
        Random rnd = new Random(7);
        for (long seq = 1; seq <= 20; seq++) {
            records.put(seq, random(rnd, 50));
        }
        byte[] page = JournalLayout.lay(new JournalLayout.Start(5, 1, 0, false), VOLUME, 3, PAGE, from(records)).bytes();
        JournalPage.parse(ByteBuffer.wrap(page), VOLUME, 5, PAGE);
        for (int i = 0; i < page.length; i++) {
            byte[] bad = page.clone();
            bad[i] ^= 0x10;
            assertThrows(DamagedPageException.class, () -> JournalPage.parse(ByteBuffer.wrap(bad), VOLUME, 5, PAGE),
                    "byte " + i);
        }
        assertThrows(DamagedPageException.class, () -> JournalPage.parse(ByteBuffer.wrap(page), VOLUME, 6, PAGE),
                "a page stored at the wrong place");
        assertThrows(DamagedPageException.class, () -> JournalPage.parse(ByteBuffer.wrap(page, 0, page.length - 1),
                VOLUME, 5, PAGE));
    }

    @Test
    void superblockAndCheckpointPagesRoundTripAndDetectDamage() {
        Superblock sb = new Superblock(5, 3, 2, 1000, 0x1234, 77, 12, 3, 9, 4, 6);
        byte[] bytes = sb.encode(VOLUME, PAGE);
        assertEquals(sb, Superblock.decode(ByteBuffer.wrap(bytes), VOLUME, PAGE));
        for (int i = 0; i < bytes.length; i++) {
            byte[] bad = bytes.clone();
            bad[i] ^= 1;
            assertThrows(DamagedPageException.class, () -> Superblock.decode(ByteBuffer.wrap(bad), VOLUME, PAGE));
        }
        assertThrows(DamagedPageException.class, () -> Superblock.decode(ByteBuffer.wrap(bytes), VOLUME + 1, PAGE));

        byte[] payload = random(new Random(1), 300);
        byte[] page = CheckpointPage.encode(VOLUME, 5, 77, 2, payload, payload.length);
        ByteBuffer back = CheckpointPage.parse(ByteBuffer.wrap(page), VOLUME, 5, 77, 2, PAGE);
        byte[] got = new byte[back.remaining()];
        back.get(got);
        assertArrayEquals(payload, got);
        assertThrows(DamagedPageException.class, () -> CheckpointPage.parse(ByteBuffer.wrap(page), VOLUME, 6, 77, 2, PAGE),
                "a page of another generation");
        byte[] bad = page.clone();
        bad[page.length - 1] ^= 1;
        assertThrows(DamagedPageException.class, () -> CheckpointPage.parse(ByteBuffer.wrap(bad), VOLUME, 5, 77, 2, PAGE));
    }

    @Test
    void theLocalTableFeedsTheLayoutInSeqOrder() {
        // A gap in the local table is a bug: the layout says so rather than skip a record.
        TreeMap<Long, byte[]> records = new TreeMap<>();
        records.put(1L, new byte[10]);
        records.put(3L, new byte[10]);
        assertThrows(IllegalStateException.class,
                () -> JournalLayout.lay(new JournalLayout.Start(0, 1, 0, false), VOLUME, 3, PAGE, from(records)));
    }
}
