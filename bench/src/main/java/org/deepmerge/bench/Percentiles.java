package org.deepmerge.bench;

import java.util.Arrays;

/**
 * Latency percentiles by the nearest-rank method (the p-th percentile is the smallest sample with at least p% of
 * the samples at or below it; Hyndman and Fan 1996, definition 1), in milliseconds.
 *
 * @param count samples
 * @param p50   median, ms
 * @param p95   95th percentile, ms
 * @param p99   99th percentile, ms
 * @param max   largest sample, ms
 * @param mean  arithmetic mean, ms
 */
public record Percentiles(int count, double p50, double p95, double p99, double max, double mean) {

    /**
     * @param samplesMs latency samples, ms (not modified)
     * @return their percentiles; all NaN when there are no samples
     */
    public static Percentiles of(double[] samplesMs) {
        if (samplesMs.length == 0) {
            return new Percentiles(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        double[] s = samplesMs.clone();
        Arrays.sort(s);
        return new Percentiles(s.length, rank(s, 50), rank(s, 95), rank(s, 99), s[s.length - 1],
                Arrays.stream(s).average().orElse(Double.NaN));
    }

    /**
     * @param sorted samples in ascending order, at least one
     * @param p      percentile, 0 &lt; p &lt;= 100
     * @return the nearest-rank percentile
     */
    static double rank(double[] sorted, double p) {
        int r = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, r) - 1)];
    }
}
