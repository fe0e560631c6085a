package org.deepmerge.streams.topology;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.deepmerge.core.model.ModelIdentity;

/**
 * Micrometer meters of the scoring topology (shared by every task of the JVM). Every name, type and tag is listed in
 * docs/operations.md ("Metrics"); in Prometheus, dots become underscores, counters end in {@code _total} and timers are
 * in seconds.
 *
 * <ul>
 *   <li>{@code deepmerge.alerts.in} (counter): input records the scoring processor received, whatever became of them</li>
 *   <li>{@code deepmerge.scored} (counter): images scored by the model (images per second = its rate)</li>
 *   <li>{@code deepmerge.not.applicable} (counter, tag {@code reason}): inputs the applicability gate kept from the
 *       model</li>
 *   <li>{@code deepmerge.dead.letters} (counter, tag {@code reason}): inputs written to the dead-letter topic</li>
 *   <li>{@code deepmerge.batch.size} (summary with histogram buckets): images per flushed micro-batch of a task</li>
 *   <li>{@code deepmerge.buffer.wait} (timer with histogram buckets): wall-clock time from buffering to score</li>
 *   <li>{@code deepmerge.buffer.entry.bytes} (summary): encoded size of each buffered image = changelog value bytes
 *       per alert (its sum is the changelog bytes written)</li>
 *   <li>{@code deepmerge.buffer.images} (gauge): images in this JVM's batch buffers now</li>
 *   <li>{@code deepmerge.inference.run} (timer with histogram buckets) and {@code deepmerge.inference.batch.size}
 *       (summary): duration and images of each ONNX Runtime run of the shared inference batcher (see
 *       {@code ScoringRuntime#metrics})</li>
 *   <li>{@code deepmerge.model.info} (gauge, value 1, tags {@code name}, {@code version}, {@code sha256},
 *       {@code provider}): the live model and its ONNX Runtime execution provider; the row is replaced on a
 *       hot-swap</li>
 *   <li>assemble policy: {@code deepmerge.assemble.closed} (counter, tag {@code why}: {@code timeout} or {@code cap}),
 *       {@code deepmerge.assemble.index.reads} (deadline-index entries the timeout punctuation read: the due objects
 *       only) and {@code deepmerge.assembly.open.objects} (gauge: objects assembling in this JVM's tasks)</li>
 * </ul>
 */
public final class ScoringMetrics {
    /** Bucket bounds of {@code deepmerge.batch.size} and {@code deepmerge.inference.batch.size}, images. */
    static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096};
    /** Bucket bounds of {@code deepmerge.buffer.wait}. */
    static final Duration[] WAIT_BUCKETS = millis(5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000);
    /** Bucket bounds of {@code deepmerge.inference.run}. */
    static final Duration[] RUN_BUCKETS = millis(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10_000);

    private final MeterRegistry registry;
    private final Counter alertsIn;
    private final Counter scored;
    private final DistributionSummary batchSize;
    private final DistributionSummary entryBytes;
    private final Timer bufferWait;
    private final Timer inferenceRun;
    private final DistributionSummary inferenceBatch;
    private final MultiGauge modelInfo;
    private final Set<IntSupplier> buffers = ConcurrentHashMap.newKeySet();
    private final Set<IntSupplier> assemblies = ConcurrentHashMap.newKeySet();

    /** @param registry where the meters live */
    public ScoringMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.alertsIn = Counter.builder("deepmerge.alerts.in")
                .description("Input records received by the scoring processor").register(registry);
        this.scored = Counter.builder("deepmerge.scored").description("Images scored by the model").register(registry);
        this.batchSize = DistributionSummary.builder("deepmerge.batch.size")
                .description("Images per flushed micro-batch of a stream task").serviceLevelObjectives(BATCH_BUCKETS)
                .register(registry);
        this.entryBytes = DistributionSummary.builder("deepmerge.buffer.entry.bytes").baseUnit("bytes")
                .description("Encoded size of each buffered image (changelog value bytes per alert)").register(registry);
        this.bufferWait = Timer.builder("deepmerge.buffer.wait")
                .description("Wall-clock time from buffering an image to its score").serviceLevelObjectives(WAIT_BUCKETS)
                .register(registry);
        this.inferenceRun = Timer.builder("deepmerge.inference.run")
                .description("Duration of each ONNX Runtime run of the shared inference batcher")
                .serviceLevelObjectives(RUN_BUCKETS).register(registry);
        this.inferenceBatch = DistributionSummary.builder("deepmerge.inference.batch.size")
                .description("Images per ONNX Runtime run of the shared inference batcher")
                .serviceLevelObjectives(BATCH_BUCKETS).register(registry);
        Gauge.builder("deepmerge.buffer.images", buffers, ScoringMetrics::sum)
                .description("Images in this JVM's batch buffers now").register(registry);
        Gauge.builder("deepmerge.assembly.open.objects", assemblies, ScoringMetrics::sum)
                .description("Objects assembling in this JVM's stream tasks (assemble policy)").register(registry);
        this.modelInfo = MultiGauge.builder("deepmerge.model.info")
                .description("The live model (value 1): name, version, SHA-256 of its ONNX file, execution provider")
                .register(registry);
    }

    private static Duration[] millis(long... ms) {
        Duration[] d = new Duration[ms.length];
        for (int i = 0; i < ms.length; i++) {
            d[i] = Duration.ofMillis(ms[i]);
        }
        return d;
    }

    private static double sum(Set<IntSupplier> parts) {
        long n = 0;
        for (IntSupplier s : parts) {
            n += s.getAsInt();
        }
        return n;
    }

    /** @return the registry */
    public MeterRegistry registry() {
        return registry;
    }

    /**
     * Sets the one row of {@code deepmerge.model.info} (the previous model's row is removed).
     *
     * @param model    the live model
     * @param provider its ONNX Runtime execution provider, e.g. {@code CPUExecutionProvider}
     */
    public void liveModel(ModelIdentity model, String provider) {
        modelInfo.register(List.of(MultiGauge.Row.of(Tags.of("name", model.name(), "version", model.version(),
                "sha256", model.sha256(), "provider", provider), 1)), true);
    }

    /**
     * Records one ONNX Runtime run of the shared inference batcher.
     *
     * @param images images in the run
     * @param nanos  its duration, ns
     */
    public void inferenceRun(int images, long nanos) {
        inferenceRun.record(nanos, TimeUnit.NANOSECONDS);
        inferenceBatch.record(images);
    }

    /** A stream task's batch buffer (and assembly) sizes, read by the gauges until {@link #unregister}. */
    void register(IntSupplier bufferedImages, IntSupplier openObjects) {
        buffers.add(bufferedImages);
        if (openObjects != null) {
            assemblies.add(openObjects);
        }
    }

    void unregister(IntSupplier bufferedImages, IntSupplier openObjects) {
        buffers.remove(bufferedImages);
        if (openObjects != null) {
            assemblies.remove(openObjects);
        }
    }

    void received() {
        alertsIn.increment();
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

    /** @return inputs dead-lettered so far, over all reasons */
    public long deadLetterCount() {
        return (long) registry.find("deepmerge.dead.letters").counters().stream().mapToDouble(Counter::count).sum();
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

    /** @return input records received so far */
    public long alertsInCount() {
        return (long) alertsIn.count();
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

    /** @return ONNX Runtime runs recorded so far */
    public long inferenceRuns() {
        return inferenceRun.count();
    }
}
