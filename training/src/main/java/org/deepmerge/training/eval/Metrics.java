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
}
