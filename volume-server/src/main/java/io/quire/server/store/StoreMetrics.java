package io.quire.server.store;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Thread-safe. The page store's meters, removed from the registry when the store closes.
 */
final class StoreMetrics implements AutoCloseable {
    final Timer commit;
    final Counter corrupt;
    final Counter overloaded;
    final Counter mapGrowths;
    final Counter digestScans;
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();

    StoreMetrics(MeterRegistry registry, PageStore store) {
        this.registry = registry;
        meters.add(Gauge.builder("quire.store.bytes", store, PageStore::usedBytes).baseUnit("bytes")
                .description("bytes of live page data").strongReference(true).register(registry));
        meters.add(Gauge.builder("quire.store.pages", store, PageStore::pageCount)
                .description("live pages").strongReference(true).register(registry));
        meters.add(Gauge.builder("quire.store.capacity", store, PageStore::capacityBytes).baseUnit("bytes")
                .description("live page bytes accepted before NO_SPACE").strongReference(true).register(registry));
        commit = Timer.builder("quire.store.commit").description("one write transaction, from begin to fsynced commit")
                .register(registry);
        corrupt = Counter.builder("quire.store.corrupt").description("stored entries that failed verification")
                .register(registry);
        overloaded = Counter.builder("quire.store.overloaded").description("writes refused because the queue stayed full")
                .register(registry);
        mapGrowths = Counter.builder("quire.store.map.growths").description("LMDB map size increases").register(registry);
        digestScans = Counter.builder("quire.store.digest.scans")
                .description("page groups whose digest was computed by reading every entry (once per group, then kept current)")
                .register(registry);
        meters.add(commit);
        meters.add(corrupt);
        meters.add(overloaded);
        meters.add(mapGrowths);
        meters.add(digestScans);
    }

    void gaugeQueue(Supplier<Number> queuedOps) {
        meters.add(Gauge.builder("quire.store.queue.ops", queuedOps).description("writes waiting for the writer thread")
                .strongReference(true).register(registry));
    }

    @Override
    public void close() {
        for (Meter m : meters) {
            registry.remove(m);
        }
    }
}
