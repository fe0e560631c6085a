package org.deepmerge.training.eval;

/**
 * Binary-classification metrics of merger probabilities p against labels y (1 = merger), as in
 * Ciprijanovic et al. (2020) and scikit-learn: the positive class is the merger, the threshold is 0.5.
 */
public final class Metrics {
    private Metrics() {
    }

    /**
     * Confusion counts.
     *
     * @param tp mergers called mergers
     * @param fp non-mergers called mergers
     * @param tn non-mergers called non-mergers
     * @param fn mergers called non-mergers
     */
    public record Confusion(int tp, int fp, int tn, int fn) {
        /** @return (tp + tn) / n */
        public double accuracy() {
            return (double) (tp + tn) / (tp + fp + tn + fn);
        }

        /** @return tp / (tp + fp), 0 when nothing is called a merger (scikit-learn's zero_division=0) */
        public double precision() {
            return tp + fp == 0 ? 0 : (double) tp / (tp + fp);
        }

        /** @return tp / (tp + fn), 0 when there is no merger */
        public double recall() {
            return tp + fn == 0 ? 0 : (double) tp / (tp + fn);
        }

        /** @return harmonic mean of precision and recall, 0 when both are 0 */
        public double f1() {
            double p = precision();
            double r = recall();
            return p + r == 0 ? 0 : 2 * p * r / (p + r);
        }
    }

    /**
     * @param p         merger probabilities
     * @param y         labels 0/1
     * @param threshold p &gt;= threshold is called a merger
     * @return the confusion counts
     */
    public static Confusion confusion(float[] p, int[] y, double threshold) {
        int tp = 0;
        int fp = 0;
        int tn = 0;
        int fn = 0;
        for (int i = 0; i < p.length; i++) {
            boolean called = p[i] >= threshold;
            if (y[i] == 1) {
                if (called) {
                    tp++;
                } else {
                    fn++;
                }
            } else if (called) {
                fp++;
            } else {
                tn++;
            }
        }
        return new Confusion(tp, fp, tn, fn);
    }

    /**
     * ROC AUC as the Mann-Whitney statistic: the probability that a random merger scores above a random
     * non-merger, ties counting one half (average ranks), which equals the trapezoidal area under the ROC curve.
     *
     * @param score any score, higher = more merger-like
     * @param y     labels 0/1
     * @return the AUC in [0,1], NaN when one class is absent
     */
    public static double rocAuc(float[] score, int[] y) {
        int n = score.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Float.compare(score[a], score[b]));
        double rankSumPos = 0;
        long pos = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && score[order[j + 1]] == score[order[i]]) {
                j++;
            }
            double avgRank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                if (y[order[k]] == 1) {
                    rankSumPos += avgRank;
                    pos++;
                }
            }
            i = j + 1;
        }
        long neg = n - pos;
        if (pos == 0 || neg == 0) {
            return Double.NaN;
        }
        return (rankSumPos - pos * (pos + 1) / 2.0) / ((double) pos * neg);
    }

    /**
     * Brier score: mean squared difference between probability and label (Brier 1950).
     *
     * @param p merger probabilities
     * @param y labels 0/1
     * @return the score in [0,1], lower is better
     */
    public static double brier(float[] p, int[] y) {
        double s = 0;
        for (int i = 0; i < p.length; i++) {
            double d = p[i] - y[i];
            s += d * d;
        }
        return s / p.length;
    }

    /**
     * The ROC curve at every distinct score, from (0,0) to (1,1).
     *
     * @param score scores
     * @param y     labels
     * @return {fpr[], tpr[]}
     */
    public static double[][] rocCurve(float[] score, int[] y) {
        int n = score.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Float.compare(score[b], score[a]));
        long pos = java.util.Arrays.stream(y).filter(v -> v == 1).count();
        long neg = n - pos;
        java.util.List<double[]> pts = new java.util.ArrayList<>();
        pts.add(new double[] {0, 0});
        int tp = 0;
        int fp = 0;
        for (int k = 0; k < n; k++) {
            if (y[order[k]] == 1) {
                tp++;
            } else {
                fp++;
            }
            if (k == n - 1 || score[order[k + 1]] != score[order[k]]) {
                pts.add(new double[] {neg == 0 ? 0 : (double) fp / neg, pos == 0 ? 0 : (double) tp / pos});
            }
        }
        double[][] out = new double[2][pts.size()];
        for (int k = 0; k < pts.size(); k++) {
            out[0][k] = pts.get(k)[0];
            out[1][k] = pts.get(k)[1];
        }
        return out;
    }

    /** Number of equal-width probability bins of {@link #ece} and the reliability diagram (Guo et al. 2017). */
    public static final int CALIBRATION_BINS = 15;

    /**
     * One bin of a reliability diagram.
     *
     * @param lower             lower edge (exclusive, except 0 for the first bin)
     * @param upper             upper edge (inclusive)
     * @param count             images whose merger probability falls in the bin
     * @param meanPredicted     mean merger probability of those images (NaN when empty)
     * @param observedFraction  fraction of mergers among them (NaN when empty)
     */
    public record CalibrationBin(double lower, double upper, int count, double meanPredicted, double observedFraction) {
    }

    /**
     * Equal-width bins of the merger probability: bin m (0-based) of M holds p in {@code (m/M, (m+1)/M]}, p = 0 in
     * the first bin (the interval convention of Guo et al. 2017).
     *
     * @param p    merger probabilities in [0,1]
     * @param y    labels 0/1
     * @param bins M &gt;= 1
     * @return M bins, empty ones included
     */
    public static java.util.List<CalibrationBin> reliability(float[] p, int[] y, int bins) {
        int[] count = new int[bins];
        double[] sumP = new double[bins];
        int[] pos = new int[bins];
        for (int i = 0; i < p.length; i++) {
            int m = bin(p[i], bins);
            count[m]++;
            sumP[m] += p[i];
            pos[m] += y[i];
        }
        java.util.List<CalibrationBin> out = new java.util.ArrayList<>(bins);
        for (int m = 0; m < bins; m++) {
            out.add(new CalibrationBin((double) m / bins, (double) (m + 1) / bins, count[m],
                    count[m] == 0 ? Double.NaN : sumP[m] / count[m], count[m] == 0 ? Double.NaN : (double) pos[m] / count[m]));
        }
        return out;
    }

    /**
     * Expected calibration error of the merger probability with {@value #CALIBRATION_BINS} equal-width bins:
     * {@code ECE = sum_m (n_m / n) |o_m - e_m|}, with {@code o_m} the fraction of mergers and {@code e_m} the mean
     * predicted merger probability of the {@code n_m} images in bin m. This is the binary-classifier ECE of Naeini,
     * Cooper and Hauskrecht (2015) with the 15 bins of Guo et al. (2017); Guo's multi-class form bins the top-label
     * confidence {@code max(p, 1-p)} instead, which for two classes folds the diagram at 0.5.
     *
     * @param p merger probabilities in [0,1]
     * @param y labels 0/1
     * @return ECE in [0,1], lower is better; NaN for no images
     */
    public static double ece(float[] p, int[] y) {
        return ece(p, y, CALIBRATION_BINS);
    }

    /**
     * @param p    merger probabilities in [0,1]
     * @param y    labels 0/1
     * @param bins number of equal-width bins
     * @return the ECE of {@link #ece(float[], int[])} with {@code bins} bins
     */
    public static double ece(float[] p, int[] y, int bins) {
        if (p.length == 0) {
            return Double.NaN;
        }
        int[] count = new int[bins];
        double[] sumP = new double[bins];
        int[] pos = new int[bins];
        for (int i = 0; i < p.length; i++) {
            int m = bin(p[i], bins);
            count[m]++;
            sumP[m] += p[i];
            pos[m] += y[i];
        }
        double e = 0;
        for (int m = 0; m < bins; m++) {
            if (count[m] > 0) {
                e += Math.abs(pos[m] - sumP[m]);   // = n_m |o_m - e_m|
            }
        }
        return e / p.length;
    }

    /**
     * Brier score of the constant predictor that gives every image the base rate {@code pi} of the same images:
     * {@code pi (1 - pi)} (the "climatology" reference of the Brier skill score; Murphy 1973).
     *
     * @param y labels 0/1
     * @return the reference Brier score; NaN for no images
     */
    public static double brierBaseRate(int[] y) {
        if (y.length == 0) {
            return Double.NaN;
        }
        double pi = 0;
        for (int v : y) {
            pi += v;
        }
        pi /= y.length;
        return pi * (1 - pi);
    }

    private static int bin(float p, int bins) {
        int m = (int) Math.ceil(p * (double) bins) - 1;
        return Math.max(0, Math.min(bins - 1, m));
    }
}
