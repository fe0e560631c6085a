package org.deepmerge.streams.topology;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * Micrometer meters of the scoring topology (shared by every task of the JVM):
 * {@code deepmerge.scored} (counter), {@code deepmerge.not.applicable} (counter, tag {@code reason}: inputs the
 * applicability gate kept from the model), {@code deepmerge.dead.letters} (counter, tag {@code reason}),
 * {@code deepmerge.batch.size} (images per flushed micro-batch), {@code deepmerge.buffer.entry.bytes}
 * (encoded size of each buffered image = changelog value bytes per alert) and {@code deepmerge.buffer.wait}
 * (wall-clock time from buffering to score); under the {@code assemble} policy {@code deepmerge.assemble.closed}
 * (counter, tag {@code why}: {@code timeout} or {@code cap}) and {@code deepmerge.assemble.index.reads} (deadline-index
 * entries the timeout punctuation read: the due objects only).
 */
public final class ScoringMetrics {
    private final MeterRegistry registry;
    private final Counter scored;
    private final DistributionSummary batchSize;
    private final DistributionSummary entryBytes;
    private final Timer bufferWait;

    /** @param registry where the meters live */
    public ScoringMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.scored = registry.counter("deepmerge.scored");
        this.batchSize = DistributionSummary.builder("deepmerge.batch.size").register(registry);
        this.entryBytes = DistributionSummary.builder("deepmerge.buffer.entry.bytes").baseUnit("bytes").register(registry);
        this.bufferWait = Timer.builder("deepmerge.buffer.wait").register(registry);
    }

    /** @return the registry */
    public MeterRegistry registry() {
        return registry;
    }

    void buffered(int bytes) {
        entryBytes.record(bytes);
    }

    void scored(long waitedMs) {
        scored.increment();
        bufferWait.record(Duration.ofMillis(Math.max(0, waitedMs)));
    }

    void batch(int n) {
        batchSize.record(n);
    }

    void notApplicable(String reason) {
        registry.counter("deepmerge.not.applicable", "reason", reason).increment();
    }

    /** @return inputs published as not applicable so far, over all reasons */
    public long notApplicableCount() {
        return (long) registry.find("deepmerge.not.applicable").counters().stream().mapToDouble(Counter::count).sum();
    }

    void deadLetter(String reason) {
        registry.counter("deepmerge.dead.letters", "reason", reason).increment();
    }

    void assembleClosed(String why) {
        registry.counter("deepmerge.assemble.closed", "why", why).increment();
    }

    void assembleIndexRead(int entries) {
        registry.counter("deepmerge.assemble.index.reads").increment(entries);
    }

    /**
     * @param why {@code timeout} (deadline passed) or {@code cap} (evicted by deepmerge.assemble.max.objects)
     * @return assembling objects closed so far for that cause
     */
    public long assembleClosedCount(String why) {
        return (long) registry.find("deepmerge.assemble.closed").tag("why", why).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    /** @return deadline-index entries the assemble timeout punctuation has read so far */
    public long assembleIndexReads() {
        return (long) registry.find("deepmerge.assemble.index.reads").counters().stream().mapToDouble(Counter::count).sum();
    }

    /** @return images scored so far */
    public long scoredCount() {
        return (long) scored.count();
    }

    /** @return mean encoded buffer entry size, bytes (0 when none) */
    public double meanEntryBytes() {
        return entryBytes.count() == 0 ? 0 : entryBytes.totalAmount() / entryBytes.count();
    }

    /** @return number of flushed micro-batches */
    public long batches() {
        return batchSize.count();
    }

    /** @return the largest flushed micro-batch */
    public double maxBatch() {
        return batchSize.max();
    }
}
