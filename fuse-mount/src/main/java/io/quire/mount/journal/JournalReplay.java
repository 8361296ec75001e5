package io.quire.mount.journal;

import io.quire.client.ReplicatedPages;
import io.quire.mount.MountConfig;
import io.quire.mount.store.Mutation;
import io.quire.page.Page;
import io.quire.page.ReservedInodes;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Confined to the rebuilding thread. Replays the journal after a checkpoint: pages in order from
 * the superblock's start, records with seq above the checkpoint's in seq order, and stops at the
 * first page that is missing, damaged, stale or out of sequence — what it applied is a prefix of
 * the operation history, whole records only.
 *
 * <p>A page is applied all or nothing: if anything in it is out of order, none of its records
 * count and the replay ends before it. Staleness is told by epochs: a page older than the
 * checkpoint's floor, or older than the page before it, was left by a mount whose later pages
 * were lost; a page flagged RESTART (the first of a mount that rebuilt) must be newer than the
 * page before it, and discards the incomplete record that page may end with.
 */
final class JournalReplay {
    /**
     * How the replay went.
     *
     * @param lastSeq  every record up to this one is applied
     * @param stopPage the first page not applied (where the journal continues)
     * @param sawPage  whether the servers held any journal page at all from the start on
     * @param maxEpoch the newest epoch of any page read
     */
    record Result(long lastSeq, long stopPage, String stopReason, long records, long pagesApplied, boolean sawPage,
                  long maxEpoch) {
    }

    /** A record whose first fragments were read. Confined to the rebuilding thread. */
    private static final class Pending {
        final long seq;
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Pending(long seq, ByteBuffer first) {
            this.seq = seq;
            append(first);
        }

        boolean append(ByteBuffer part) {
            if (bytes.size() + (long) part.remaining() > JournalLimits.RECORD_MAX_BYTES) {
                return false;
            }
            byte[] a = new byte[part.remaining()];
            part.duplicate().get(a);
            bytes.write(a, 0, a.length);
            return true;
        }
    }

    private JournalReplay() {
    }

    static Result replay(ReplicatedPages replicas, Superblock sb, MountConfig config, ChangeBatch batch) {
        PageReader reader = new PageReader(replicas, config.volumeId(), ReservedInodes.JOURNAL, sb.journalStart(),
                Long.MAX_VALUE, config.readTimeoutMs());
        long expect = sb.seq() + 1;
        Pending pending = null;
        long prevEpoch = -1;
        long maxEpoch = 0;
        long records = 0;
        long pages = 0;
        boolean saw = false;
        String stop;
        long pageNo;
        while (true) {
            pageNo = reader.nextIndex();
            Optional<Page> p = reader.next();
            if (p.isEmpty()) {
                stop = "missing";
                break;
            }
            saw = true;
            maxEpoch = Math.max(maxEpoch, p.get().version().epoch());
            JournalPage.Parsed pp;
            try {
                pp = JournalPage.parse(p.get().data(), config.volumeId(), pageNo, config.pageSizeBytes());
            } catch (DamagedPageException e) {
                stop = "damaged (" + e.getMessage() + ")";
                break;
            }
            maxEpoch = Math.max(maxEpoch, pp.epoch());
            if (pp.epoch() < sb.epochFloor()) {
                stop = "stale (epoch " + pp.epoch() + " below the checkpoint's " + sb.epochFloor() + ")";
                break;
            }
            if (prevEpoch >= 0 && (pp.restart() ? pp.epoch() <= prevEpoch : pp.epoch() < prevEpoch)) {
                stop = "stale (epoch " + pp.epoch() + " after a page of epoch " + prevEpoch + ")";
                break;
            }
            List<List<Mutation>> done = new ArrayList<>();
            Pending pend = pp.restart() ? null : pending;
            long exp = expect;
            String bad = null;
            for (JournalPage.Fragment f : pp.fragments()) {
                if (pend == null) {
                    if (f.seq() < exp) {
                        continue; // in the checkpoint already
                    }
                    if (f.seq() > exp || !f.startsRecord()) {
                        bad = "fragment of record " + f.seq() + " where record " + exp + " should start";
                        break;
                    }
                    if (f.type() == JournalPage.FULL) {
                        bad = decode(f.data(), batch, done);
                        exp++;
                    } else {
                        pend = new Pending(f.seq(), f.data());
                    }
                } else {
                    if (f.seq() != pend.seq || f.startsRecord() || !pend.append(f.data())) {
                        bad = "fragment of record " + f.seq() + " inside record " + pend.seq;
                        break;
                    }
                    if (f.endsRecord()) {
                        bad = decode(ByteBuffer.wrap(pend.bytes.toByteArray()), batch, done);
                        pend = null;
                        exp++;
                    }
                }
                if (bad != null) {
                    break;
                }
            }
            if (bad != null) {
                stop = "out of sequence (" + bad + ")";
                break;
            }
            for (List<Mutation> r : done) {
                batch.add(r);
            }
            records += done.size();
            expect = exp;
            pending = pend;
            prevEpoch = pp.epoch();
            pages++;
        }
        batch.flush();
        return new Result(expect - 1, pageNo, stop, records, pages, saw, maxEpoch);
    }

    /** Decodes and checks one record into {@code out}; returns what is wrong with it, or null. */
    private static String decode(ByteBuffer body, ChangeBatch batch, List<List<Mutation>> out) {
        try {
            List<Mutation> changes = RecordCodec.decode(body);
            for (Mutation m : changes) {
                batch.check(m);
            }
            out.add(changes);
            return null;
        } catch (IllegalArgumentException e) {
            return "malformed record: " + e.getMessage();
        }
    }
}
