package io.quire.server.store;

/**
 * Thread-safe (immutable). The outcome of one scrub step.
 *
 * @param next          where the next step starts ({@link ScrubCursor#START} after a wrap)
 * @param pagesChecked  entries verified in this step (tombstones included)
 * @param corruptPages  entries that failed verification (each reported to the corruption listener)
 * @param wrapped       true when this step reached the end of the store
 */
public record ScrubResult(ScrubCursor next, int pagesChecked, int corruptPages, boolean wrapped) {
}
