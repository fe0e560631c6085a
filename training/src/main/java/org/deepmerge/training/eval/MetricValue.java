package org.deepmerge.training.eval;

/**
 * A metric with its bootstrap 95% interval.
 *
 * @param value  the metric on the full evaluation set
 * @param ciLow  2.5th percentile over bootstrap resamples
 * @param ciHigh 97.5th percentile over bootstrap resamples
 */
public record MetricValue(double value, double ciLow, double ciHigh) {
    /** @return {@code 0.870 [0.830, 0.907]}; {@code undefined} for a NaN value, {@code [n/a]} for a NaN interval */
    @Override
    public String toString() {
        if (Double.isNaN(value)) {
            return "undefined";
        }
        if (Double.isNaN(ciLow) || Double.isNaN(ciHigh)) {
            return String.format(java.util.Locale.ROOT, "%.3f [n/a]", value);
        }
        return String.format(java.util.Locale.ROOT, "%.3f [%.3f, %.3f]", value, ciLow, ciHigh);
    }
}
