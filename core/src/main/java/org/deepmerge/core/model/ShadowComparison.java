package org.deepmerge.core.model;

import java.util.Arrays;

/**
 * A running comparison of a live model and a shadow candidate over pairs of merger probabilities (live p, shadow p) of
 * the same inputs: the number of pairs, decision agreement at a threshold and the 2x2 decision table, and the mean
 * |Δp| over every pair; Spearman's rank correlation over a bounded window of the most recent pairs (a ring buffer, so
 * memory is {@code 2 * window} doubles whatever the number of pairs). Used by the scorer's shadow metrics and by
 * {@code deepmerge models compare}, so both report the same numbers for the same pairs.
 *
 * <p>A decision is {@code p >= threshold}. Spearman's rho is the Pearson correlation of the ranks, ties given their
 * average rank; it is NaN with fewer than two pairs in the window or when either side is constant there.
 *
 * <p>Thread-safe (every method synchronises on the instance; stream threads add, the metrics registry reads).
 */
public final class ShadowComparison {
    /**
     * What the comparison says now.
     *
     * @param pairs         pairs added since the start (or the last reset)
     * @param spearman      Spearman's rho over the window, NaN when undefined
     * @param windowPairs   pairs in the window ({@code min(pairs, window)})
     * @param agreement     fraction of pairs whose decisions agree, NaN without pairs
     * @param meanAbsDelta  mean |live p - shadow p| over every pair, NaN without pairs
     * @param bothPositive  pairs where both decide merger
     * @param liveOnly      live merger, shadow not
     * @param shadowOnly    shadow merger, live not
     * @param bothNegative  neither decides merger
     * @param threshold     the decision threshold
     */
    public record Summary(long pairs, double spearman, int windowPairs, double agreement, double meanAbsDelta,
                          long bothPositive, long liveOnly, long shadowOnly, long bothNegative, double threshold) {
    }

    private final double threshold;
    private final double[] live;
    private final double[] shadow;
    private int next;
    private int filled;
    private long pairs;
    private double sumAbsDelta;
    private long bothPositive;
    private long liveOnly;
    private long shadowOnly;
    private long bothNegative;

    /**
     * @param threshold decision threshold on p(merger), in [0, 1]
     * @param window    most recent pairs Spearman's rho is computed over (at least 2)
     * @throws IllegalArgumentException for a threshold outside [0, 1] or a window below 2
     */
    public ShadowComparison(double threshold, int window) {
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold " + threshold + " is not in [0, 1]");
        }
        if (window < 2) {
            throw new IllegalArgumentException("window " + window + " holds fewer than 2 pairs");
        }
        this.threshold = threshold;
        this.live = new double[window];
        this.shadow = new double[window];
    }

    /**
     * Adds one pair. Pairs with a non-finite probability are not added (the caller counts them as failures).
     *
     * @param liveP   the live model's p(merger)
     * @param shadowP the shadow model's p(merger) for the same input
     * @return whether the pair was added
     */
    public synchronized boolean add(double liveP, double shadowP) {
        if (!Double.isFinite(liveP) || !Double.isFinite(shadowP)) {
            return false;
        }
        live[next] = liveP;
        shadow[next] = shadowP;
        next = (next + 1) % live.length;
        filled = Math.min(filled + 1, live.length);
        pairs++;
        sumAbsDelta += Math.abs(liveP - shadowP);
        boolean l = liveP >= threshold;
        boolean s = shadowP >= threshold;
        if (l && s) {
            bothPositive++;
        } else if (l) {
            liveOnly++;
        } else if (s) {
            shadowOnly++;
        } else {
            bothNegative++;
        }
        return true;
    }

    /** Forgets every pair (a new live or shadow model starts a new comparison). */
    public synchronized void reset() {
        next = 0;
        filled = 0;
        pairs = 0;
        sumAbsDelta = 0;
        bothPositive = 0;
        liveOnly = 0;
        shadowOnly = 0;
        bothNegative = 0;
    }

    /** @return pairs added */
    public synchronized long pairs() {
        return pairs;
    }

    /** @return Spearman's rho over the window (O(w log w)), NaN when undefined */
    public synchronized double spearman() {
        return spearman(Arrays.copyOf(live, filled), Arrays.copyOf(shadow, filled));
    }

    /** @return fraction of pairs whose decisions at the threshold agree, NaN without pairs */
    public synchronized double agreement() {
        return pairs == 0 ? Double.NaN : (double) (bothPositive + bothNegative) / pairs;
    }

    /** @return mean |live p - shadow p|, NaN without pairs */
    public synchronized double meanAbsDelta() {
        return pairs == 0 ? Double.NaN : sumAbsDelta / pairs;
    }

    /** @return every figure at once, consistent with each other */
    public synchronized Summary summary() {
        return new Summary(pairs, spearman(), filled, agreement(), meanAbsDelta(), bothPositive, liveOnly, shadowOnly,
                bothNegative, threshold);
    }

    /**
     * Spearman's rank correlation: Pearson's correlation of the ranks, tied values given the mean of their ranks.
     *
     * @param x first sample
     * @param y second sample, same length
     * @return rho in [-1, 1]; NaN with fewer than two values or a constant sample
     * @throws IllegalArgumentException when the lengths differ
     */
    public static double spearman(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("samples of " + x.length + " and " + y.length + " values");
        }
        if (x.length < 2) {
            return Double.NaN;
        }
        return pearson(ranks(x), ranks(y));
    }

    /** @return 1-based ranks, ties averaged */
    static double[] ranks(double[] v) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(v[a], v[b]));
        double[] r = new double[v.length];
        for (int i = 0; i < order.length; ) {
            int j = i;
            while (j + 1 < order.length && Double.compare(v[order[j + 1]], v[order[i]]) == 0) {
                j++;
            }
            double mean = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                r[order[k]] = mean;
            }
            i = j + 1;
        }
        return r;
    }

    private static double pearson(double[] a, double[] b) {
        double ma = 0;
        double mb = 0;
        for (int i = 0; i < a.length; i++) {
            ma += a[i];
            mb += b[i];
        }
        ma /= a.length;
        mb /= b.length;
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return saa == 0 || sbb == 0 ? Double.NaN : sab / Math.sqrt(saa * sbb);
    }
}
