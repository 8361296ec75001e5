package io.quire.mount.pages;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quire.client.ReplicatedPages;
import io.quire.mount.Errno;
import io.quire.mount.MountConfig;
import io.quire.mount.MountLimits;
import io.quire.mount.PosixException;
import io.quire.mount.store.CacheEnv;
import io.quire.page.Page;
import io.quire.page.PageKey;
import io.quire.proto.QuireException;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe. Fetches pages the cache does not hold from the replicas: on demand for a read or a
 * partial write, and ahead of sequential readers.
 *
 * <p>Concurrent requests for one page share one fetch. Fetched pages are put into the cache by
 * the thread that asked (demand) or by one fetch thread (readahead) — never on the replication
 * client's threads, which must not touch disk. Readahead is bounded by
 * {@link MountLimits#READAHEAD_IN_FLIGHT_MAX} fetches and simply skipped beyond it.
 */
public final class PageFetcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PageFetcher.class);

    private final CacheEnv env;
    private final PageCache cache;
    private final ReplicatedPages replicas;
    private final MountConfig config;
    private final ConcurrentHashMap<PageRef, CompletableFuture<Fetched>> inFlight = new ConcurrentHashMap<>();
    private final Semaphore readahead = new Semaphore(MountLimits.READAHEAD_IN_FLIGHT_MAX);
    private final ExecutorService inserter = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "quire-readahead");
        t.setDaemon(true);
        return t;
    });
    private final Counter fetched;
    private final Counter prefetched;

    public PageFetcher(CacheEnv env, PageCache cache, ReplicatedPages replicas, MountConfig config,
                       MeterRegistry registry) {
        this.env = env;
        this.cache = cache;
        this.replicas = replicas;
        this.config = config;
        this.fetched = Counter.builder("quire.fetch.pages").tag("kind", "demand").register(registry);
        this.prefetched = Counter.builder("quire.fetch.pages").tag("kind", "readahead").register(registry);
    }

    /**
     * Fetches the pages (blocking, up to the read deadline) and caches those still current;
     * returns each page's copy (empty bytes for a hole), to be used through
     * {@link PageCache#usable}.
     */
    public Map<Long, Fetched> fetch(long ino, Collection<Long> indexes) {
        Map<Long, CompletableFuture<Fetched>> futures = new LinkedHashMap<>();
        for (long index : indexes) {
            futures.put(index, fetchOne(ino, index));
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.readTimeoutMs());
        Map<Long, Fetched> out = new HashMap<>();
        for (Map.Entry<Long, CompletableFuture<Fetched>> e : futures.entrySet()) {
            out.put(e.getKey(), await(ino, e.getKey(), e.getValue(), deadline));
        }
        fetched.increment(out.size());
        env.write(w -> {
            for (Map.Entry<Long, Fetched> e : out.entrySet()) {
                cache.insertFetched(w, ino, e.getKey(), e.getValue());
            }
            return null;
        });
        return out;
    }

    /** Starts fetching these pages in the background if readahead has room; never blocks. */
    public void prefetch(long ino, List<Long> indexes) {
        for (long index : indexes) {
            if (!readahead.tryAcquire()) {
                return;
            }
            CompletableFuture<Fetched> f;
            try {
                f = fetchOne(ino, index);
            } catch (RuntimeException e) {
                readahead.release();
                log.debug("readahead of {}/{} not started", ino, index, e);
                return;
            }
            f.whenCompleteAsync((data, err) -> {
                try {
                    if (err == null) {
                        prefetched.increment();
                        env.write(w -> cache.insertFetched(w, ino, index, data));
                    } else {
                        log.debug("readahead of {}/{} failed: {}", ino, index, err.toString());
                    }
                } catch (RuntimeException e) {
                    log.debug("readahead of {}/{} not cached", ino, index, e);
                } finally {
                    readahead.release();
                }
            }, inserter);
        }
    }

    /**
     * One fetch of a page, shared by everyone asking while it is in flight; its stamp is taken
     * before the replicas are asked, so that it dates the copy for every one of them.
     */
    private CompletableFuture<Fetched> fetchOne(long ino, long index) {
        PageRef ref = new PageRef(ino, index);
        CompletableFuture<Fetched> mine = new CompletableFuture<>();
        CompletableFuture<Fetched> existing = inFlight.putIfAbsent(ref, mine);
        if (existing != null) {
            return existing;
        }
        long stamp = cache.stamps().stamp(ino, index);
        CompletableFuture<Optional<Page>> read;
        try {
            read = replicas.read(new PageKey(config.volumeId(), ino, index));
        } catch (RuntimeException e) {
            read = CompletableFuture.failedFuture(e);
        }
        read.whenComplete((page, err) -> {
            inFlight.remove(ref, mine);
            if (err != null) {
                mine.completeExceptionally(err);
                return;
            }
            try {
                mine.complete(new Fetched(bytesOf(page), stamp));
            } catch (RuntimeException e) {
                mine.completeExceptionally(e);
            }
        });
        return mine;
    }

    private byte[] bytesOf(Optional<Page> page) {
        if (page.isEmpty()) {
            return new byte[0];
        }
        ByteBuffer data = page.get().data().duplicate();
        if (data.remaining() > config.pageSizeBytes()) {
            throw new QuireException(io.quire.proto.Status.CORRUPT,
                    "page " + page.get().key() + " has " + data.remaining() + " bytes, more than a page");
        }
        byte[] out = new byte[data.remaining()];
        data.get(out);
        return out;
    }

    private Fetched await(long ino, long index, CompletableFuture<Fetched> f, long deadlineNs) {
        try {
            return f.get(Math.max(0, deadlineNs - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new PosixException(Errno.EIO, "read of page " + ino + "/" + index + " from the replicas timed out", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof QuireException q) {
                throw PosixException.of(q, "read of page " + ino + "/" + index);
            }
            throw new PosixException(Errno.EIO, "read of page " + ino + "/" + index + " failed", c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PosixException(Errno.EIO, "interrupted reading page " + ino + "/" + index, e);
        }
    }

    /** One page of one file, as a map key. Thread-safe (immutable). */
    private record PageRef(long ino, long index) {
    }

    @Override
    public void close() {
        inserter.shutdownNow();
    }
}
