package org.deepmerge.streams.topology;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.deepmerge.core.model.ModelIdentity;
import org.deepmerge.core.model.ShadowComparison;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Micrometer meters of shadow scoring (docs/operations.md, "Shadow scoring"), JVM-wide:
 * <ul>
 *   <li>{@code deepmerge.shadow.scored} (counter): shadow records written</li>
 *   <li>{@code deepmerge.shadow.failed} (counter, tag {@code reason}: {@code exception} = the shadow run threw,
 *       counted per image of the batch; {@code invalid_output} = a NaN, out-of-range or wrongly shaped output, per
 *       image): images the shadow did not score; the live scores are never affected</li>
 *   <li>{@code deepmerge.shadow.inference} (timer): each shadow ONNX Runtime run</li>
 *   <li>{@code deepmerge.shadow.pairs} (function counter): inputs with a valid live and a valid shadow p(merger) in
 *       the current comparison</li>
 *   <li>{@code deepmerge.shadow.spearman} (gauge): Spearman's rank correlation of the live and shadow p(merger) over
 *       the last {@code deepmerge.shadow.window} pairs (NaN below 2 pairs)</li>
 *   <li>{@code deepmerge.shadow.agreement} (gauge): fraction of pairs deciding alike at
 *       {@code deepmerge.shadow.threshold}</li>
 *   <li>{@code deepmerge.shadow.mean.abs.delta} (gauge): mean |live p - shadow p|</li>
 *   <li>{@code deepmerge.shadow.model.info} (gauge, value 1, tags {@code name}, {@code version}, {@code sha256}): the
 *       shadow model; no row without one</li>
 * </ul>
 * The comparison ({@link ShadowComparison}) starts afresh whenever the live or the shadow model changes, so its
 * figures always compare two fixed models. Each failure is logged at WARN the first time it happens for a shadow model
 * and reason, never per alert.
 */
public final class ShadowMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(ShadowMetrics.class);
    /** Failure reasons, the {@code reason} tag of {@code deepmerge.shadow.failed}. */
    public static final List<String> FAILURES = List.of("exception", "invalid_output");

    private final MeterRegistry registry;
    private final ShadowComparison comparison;
    private final Counter scored;
    private final Timer inference;
    private final MultiGauge info;
    private final Set<String> logged = ConcurrentHashMap.newKeySet();
    private String comparing = "";
    private ModelIdentity reported;

    /**
     * @param registry  where the meters live
     * @param threshold decision threshold of the agreement ({@code deepmerge.shadow.threshold})
     * @param window    pairs of the Spearman window ({@code deepmerge.shadow.window})
     */
    public ShadowMetrics(MeterRegistry registry, double threshold, int window) {
        this.registry = registry;
        this.comparison = new ShadowComparison(threshold, window);
        this.scored = Counter.builder("deepmerge.shadow.scored").description("Shadow model records written")
                .register(registry);
        FAILURES.forEach(r -> registry.counter("deepmerge.shadow.failed", "reason", r));
        this.inference = Timer.builder("deepmerge.shadow.inference")
                .description("Duration of each ONNX Runtime run of the shadow model").register(registry);
        FunctionCounter.builder("deepmerge.shadow.pairs", comparison, ShadowComparison::pairs)
                .description("Inputs scored validly by both the live and the shadow model (current comparison)")
                .register(registry);
        Gauge.builder("deepmerge.shadow.spearman", comparison, ShadowComparison::spearman)
                .description("Spearman rank correlation of live and shadow p(merger) over the recent window")
                .register(registry);
        Gauge.builder("deepmerge.shadow.agreement", comparison, ShadowComparison::agreement)
                .description("Fraction of pairs where live and shadow decide alike at the threshold").register(registry);
        Gauge.builder("deepmerge.shadow.mean.abs.delta", comparison, ShadowComparison::meanAbsDelta)
                .description("Mean absolute difference of live and shadow p(merger)").register(registry);
        this.info = MultiGauge.builder("deepmerge.shadow.model.info")
                .description("The shadow model (value 1): name, version, SHA-256 of its ONNX file").register(registry);
    }

    /**
     * Sets the row of {@code deepmerge.shadow.model.info} when the shadow model changed (called per micro-batch).
     *
     * @param shadow the shadow model now, or null when there is none
     */
    public synchronized void shadowModel(ModelIdentity shadow) {
        if (java.util.Objects.equals(shadow, reported)) {
            return;
        }
        reported = shadow;
        info.register(shadow == null ? List.of() : List.of(MultiGauge.Row.of(Tags.of("name", shadow.name(),
                "version", shadow.version(), "sha256", shadow.sha256()), 1)), true);
    }

    /**
     * Adds one live/shadow pair; a pair of other models than the last one starts a new comparison.
     *
     * @param live    the live model
     * @param shadow  the shadow model
     * @param liveP   live p(merger)
     * @param shadowP shadow p(merger)
     */
    void compared(ModelIdentity live, ModelIdentity shadow, double liveP, double shadowP) {
        String key = live.sha256() + "/" + shadow.sha256();
        synchronized (this) {
            if (!key.equals(comparing)) {
                comparing = key;
                comparison.reset();
                LOG.info("shadow comparison started: live {} {} vs shadow {} {}", live.name(), live.version(),
                        shadow.name(), shadow.version());
            }
            comparison.add(liveP, shadowP);
        }
    }

    void scored() {
        scored.increment();
    }

    /** @param nanos duration of one shadow run */
    public void inference(long nanos) {
        inference.record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Notes a micro-batch the shadow did not score because it is the live model (the same SHA-256): logged once per
     * model, at INFO; nothing is counted, no comparison is made.
     *
     * @param shadow the shadow model, which is also live
     */
    public void shadowIsLive(ModelIdentity shadow) {
        if (logged.add(shadow.sha256() + "/live")) {
            LOG.info("shadow model {} {} is the live model (same sha256 {}): not run while both are the same; clear "
                    + "the shadow (deepmerge models shadow --clear) or set another version", shadow.name(),
                    shadow.version(), shadow.sha256());
        }
    }

    /**
     * Counts images the shadow did not score; logs the first failure per shadow model and reason.
     *
     * @param reason  one of {@link #FAILURES}
     * @param images  how many images
     * @param shadow  the shadow model
     * @param message what went wrong
     */
    public void failed(String reason, int images, ModelIdentity shadow, String message) {
        registry.counter("deepmerge.shadow.failed", "reason", reason).increment(images);
        if (logged.add(shadow.sha256() + "/" + reason)) {
            LOG.warn("shadow model {} {} failed ({}): {}; the live scores are unaffected; further failures of this "
                    + "kind are only counted (deepmerge.shadow.failed)", shadow.name(), shadow.version(), reason, message);
        }
    }

    /** @return the current comparison's figures */
    public ShadowComparison.Summary summary() {
        return comparison.summary();
    }

    /** @return shadow records written so far */
    public long scoredCount() {
        return (long) scored.count();
    }

    /**
     * @param reason one of {@link #FAILURES}
     * @return images not scored by the shadow for that reason so far
     */
    public long failedCount(String reason) {
        return (long) registry.counter("deepmerge.shadow.failed", "reason", reason).count();
    }
}
