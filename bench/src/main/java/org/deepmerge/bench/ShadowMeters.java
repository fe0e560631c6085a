package org.deepmerge.bench;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.deepmerge.core.model.ModelIdentity;
import org.deepmerge.streams.topology.ShadowMetrics;

/**
 * The product's shadow meters ({@link ShadowMetrics}: {@code deepmerge.shadow.scored}, {@code deepmerge.shadow.failed},
 * {@code deepmerge.shadow.inference}) of one benchmark application, in a registry of their own so that the timed part
 * can be read apart from the warm-up. The registry's clock only moves when {@link #timedPartStarts()} moves it past
 * the percentile window: the timer's percentiles then cover exactly the runs of the timed part, while counts and
 * total times stay cumulative (the timed part's are differences from the snapshot taken there). The meters record
 * durations given to them, so the clock times nothing.
 */
public final class ShadowMeters {
    /** The percentile window of {@code deepmerge.shadow.inference}; longer than any benchmark run. */
    private static final Duration WINDOW = Duration.ofDays(1);
    private static final String INFERENCE = "deepmerge.shadow.inference";

    private final MockClock clock = new MockClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);
    private final ShadowMetrics metrics;
    private volatile Mark mark = new Mark(0, 0, 0);

    private record Mark(long records, long runs, double totalMs) {
    }

    /**
     * The shadow figures of a run.
     *
     * @param model        the shadow model (name, version, SHA-256)
     * @param records      shadow records written ({@code deepmerge.shadow.scored}), warm-up included
     * @param recordsTimed shadow records written in the timed part
     * @param failed       images the shadow did not score ({@code deepmerge.shadow.failed}, all reasons), warm-up
     *                     included
     * @param runsTimed    shadow ONNX Runtime runs ({@code deepmerge.shadow.inference}) in the timed part, one per
     *                     micro-batch
     * @param meanMs       mean duration of a timed-part run, ms (NaN without runs)
     * @param p50Ms        median of the timed-part runs, ms (Micrometer's client-side percentile, 2 significant
     *                     digits; NaN without runs)
     * @param p99Ms        99th percentile of the timed-part runs, ms (as p50Ms)
     */
    public record Figures(ModelIdentity model, long records, long recordsTimed, long failed, long runsTimed,
                          double meanMs, double p50Ms, double p99Ms) {
    }

    /**
     * @param threshold decision threshold of the live/shadow agreement ({@code deepmerge.shadow.threshold})
     * @param window    pairs of the Spearman window ({@code deepmerge.shadow.window})
     */
    public ShadowMeters(double threshold, int window) {
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (!id.getName().equals(INFERENCE)) {
                    return config;
                }
                return DistributionStatisticConfig.builder().percentiles(0.5, 0.99).percentilePrecision(2)
                        .expiry(WINDOW).bufferLength(1).build().merge(config);
            }
        });
        this.metrics = new ShadowMetrics(registry, threshold, window);
    }

    /** @return the meters to give the topology's shadow scorer */
    public ShadowMetrics metrics() {
        return metrics;
    }

    /** Marks the start of the timed part: snapshots the counts and starts a new percentile window. */
    public void timedPartStarts() {
        Timer t = timer();
        mark = new Mark(metrics.scoredCount(), t.count(), t.totalTime(TimeUnit.MILLISECONDS));
        clock.add(WINDOW.multipliedBy(2));
    }

    /**
     * @param model the shadow model
     * @return the figures now (read after the application closed, so that every shadow record is counted)
     */
    public Figures figures(ModelIdentity model) {
        Timer t = timer();
        Mark m = mark;
        long runs = t.count() - m.runs();
        HistogramSnapshot s = t.takeSnapshot();
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        for (ValueAtPercentile v : s.percentileValues()) {
            if (runs > 0 && v.percentile() == 0.5) {
                p50 = v.value(TimeUnit.MILLISECONDS);
            } else if (runs > 0 && v.percentile() == 0.99) {
                p99 = v.value(TimeUnit.MILLISECONDS);
            }
        }
        long failed = 0;
        for (String reason : ShadowMetrics.FAILURES) {
            failed += metrics.failedCount(reason);
        }
        return new Figures(model, metrics.scoredCount(), metrics.scoredCount() - m.records(), failed, runs,
                runs > 0 ? (t.totalTime(TimeUnit.MILLISECONDS) - m.totalMs()) / runs : Double.NaN, p50, p99);
    }

    private Timer timer() {
        return registry.get(INFERENCE).timer();
    }
}
