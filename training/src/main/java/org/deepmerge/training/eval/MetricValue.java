package org.deepmerge.training.eval;

/**
 * A metric with its bootstrap 95% interval.
 *
 * @param value  the metric on the full evaluation set
 * @param ciLow  2.5th percentile over bootstrap resamples
 * @param ciHigh 97.5th percentile over bootstrap resamples
 */
public record MetricValue(double value, double ciLow, double ciHigh) {
    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "%.3f [%.3f, %.3f]", value, ciLow, ciHigh);
    }
}
