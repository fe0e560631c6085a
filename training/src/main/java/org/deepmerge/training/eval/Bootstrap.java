package org.deepmerge.training.eval;

import java.util.Arrays;
import java.util.Random;

/** Seeded bootstrap of the metrics: resample images with replacement, recompute, take percentiles. */
public final class Bootstrap {
    /** Default number of resamples. */
    public static final int DEFAULT_RESAMPLES = 1000;

    private Bootstrap() {
    }

    /**
     * @param name      what is evaluated
     * @param p         merger probabilities
     * @param y         labels 0/1
     * @param threshold decision threshold
     * @param resamples number of bootstrap resamples (&gt;= 1)
     * @param seed      RNG seed
     * @return the report; an interval ignores resamples where the metric is undefined (AUC with one class)
     */
    public static EvaluationReport evaluate(String name, float[] p, int[] y, double threshold, int resamples, long seed) {
        int n = p.length;
        Metrics.Confusion c = Metrics.confusion(p, y, threshold);
        double[][] samples = new double[8][resamples];
        Random rng = new Random(seed);
        float[] bp = new float[n];
        int[] by = new int[n];
        for (int r = 0; r < resamples; r++) {
            for (int k = 0; k < n; k++) {
                int i = rng.nextInt(n);
                bp[k] = p[i];
                by[k] = y[i];
            }
            Metrics.Confusion bc = Metrics.confusion(bp, by, threshold);
            samples[0][r] = bc.accuracy();
            samples[1][r] = bc.precision();
            samples[2][r] = bc.recall();
            samples[3][r] = bc.f1();
            samples[4][r] = Metrics.rocAuc(bp, by);
            samples[5][r] = Metrics.brier(bp, by);
            samples[6][r] = Metrics.brierBaseRate(by);
            samples[7][r] = Metrics.ece(bp, by);
        }
        int pos = (int) Arrays.stream(y).filter(v -> v == 1).count();
        return new EvaluationReport(name, n, pos, threshold, resamples, seed, c,
                interval(c.accuracy(), samples[0]), interval(c.precision(), samples[1]), interval(c.recall(), samples[2]),
                interval(c.f1(), samples[3]), interval(Metrics.rocAuc(p, y), samples[4]), interval(Metrics.brier(p, y), samples[5]),
                interval(Metrics.brierBaseRate(y), samples[6]), interval(Metrics.ece(p, y), samples[7]));
    }

    /**
     * @param value   metric on the full set
     * @param samples bootstrap values (NaN ignored)
     * @return value with 2.5/97.5 percentiles (linear interpolation, numpy's default)
     */
    static MetricValue interval(double value, double[] samples) {
        double[] s = Arrays.stream(samples).filter(Double::isFinite).sorted().toArray();
        if (s.length == 0) {
            return new MetricValue(value, Double.NaN, Double.NaN);
        }
        return new MetricValue(value, percentile(s, 2.5), percentile(s, 97.5));
    }

    /**
     * @param sorted ascending values
     * @param q      percentile in [0,100]
     * @return numpy.percentile(sorted, q) with linear interpolation
     */
    static double percentile(double[] sorted, double q) {
        double pos = q / 100 * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
