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
            samples[1][r] = precision(bc);
            samples[2][r] = bc.recall();
            samples[3][r] = bc.f1();
            samples[4][r] = Metrics.rocAuc(bp, by);
            samples[5][r] = Metrics.brier(bp, by);
            samples[6][r] = Metrics.brierBaseRate(by);
            samples[7][r] = Metrics.ece(bp, by);
        }
        int pos = (int) Arrays.stream(y).filter(v -> v == 1).count();
        return new EvaluationReport(name, n, pos, threshold, resamples, seed, c,
                interval(c.accuracy(), samples[0]), interval(precision(c), samples[1]), interval(c.recall(), samples[2]),
                interval(c.f1(), samples[3]), interval(Metrics.rocAuc(p, y), samples[4]), interval(Metrics.brier(p, y), samples[5]),
                interval(Metrics.brierBaseRate(y), samples[6]), interval(Metrics.ece(p, y), samples[7]));
    }

    /**
     * Paired percentile bootstrap of {@code first - second} for accuracy, ROC AUC and Brier score: both predictors'
     * probabilities of the same resampled images.
     *
     * @param first     name of the first predictor
     * @param p1        its merger probabilities
     * @param second    name of the second predictor
     * @param p2        its merger probabilities, same images in the same order
     * @param y         labels 0/1
     * @param threshold decision threshold (accuracy)
     * @param resamples number of bootstrap resamples (&gt;= 1)
     * @param seed      RNG seed
     * @return the differences with 95% intervals
     * @throws IllegalArgumentException when the arrays differ in length
     */
    public static PairedDifference paired(String first, float[] p1, String second, float[] p2, int[] y, double threshold,
                                          int resamples, long seed) {
        int n = y.length;
        if (p1.length != n || p2.length != n) {
            throw new IllegalArgumentException("paired bootstrap of " + p1.length + " and " + p2.length + " probabilities for "
                    + n + " labels");
        }
        double[][] samples = new double[3][resamples];
        Random rng = new Random(seed);
        float[] b1 = new float[n];
        float[] b2 = new float[n];
        int[] by = new int[n];
        for (int r = 0; r < resamples; r++) {
            for (int k = 0; k < n; k++) {
                int i = rng.nextInt(n);
                b1[k] = p1[i];
                b2[k] = p2[i];
                by[k] = y[i];
            }
            double[] d = differences(b1, b2, by, threshold);
            for (int m = 0; m < 3; m++) {
                samples[m][r] = d[m];
            }
        }
        double[] full = differences(p1, p2, y, threshold);
        return new PairedDifference(first, second, n, interval(full[0], samples[0]), interval(full[1], samples[1]),
                interval(full[2], samples[2]));
    }

    private static double[] differences(float[] p1, float[] p2, int[] y, double threshold) {
        return new double[] {Metrics.confusion(p1, y, threshold).accuracy() - Metrics.confusion(p2, y, threshold).accuracy(),
                Metrics.rocAuc(p1, y) - Metrics.rocAuc(p2, y), Metrics.brier(p1, y) - Metrics.brier(p2, y)};
    }

    /**
     * @param c confusion counts
     * @return tp / (tp + fp), NaN when nothing is called a merger (0/0 is undefined; such resamples are left out of
     *         the interval, as for ROC AUC with one class)
     */
    static double precision(Metrics.Confusion c) {
        return c.tp() + c.fp() == 0 ? Double.NaN : c.precision();
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
