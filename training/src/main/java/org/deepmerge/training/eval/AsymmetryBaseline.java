package org.deepmerge.training.eval;

import org.deepmerge.core.DeepMergeException;
import org.deepmerge.training.data.ImageDataset;
import org.deepmerge.training.train.Predictor;

/**
 * The classical baseline a merger CNN must beat (DESIGN.md "What a CNN must beat"): rotational asymmetry
 * {@code A = sum|I - I_rot180| / sum|I|} (Conselice 2003, without background correction) of the grey image (mean
 * of the channels) over the central box of side {@code round(f * min(H,W))}, turned into a merger probability by
 * a one-feature logistic regression {@code p = sigmoid(a * A + b)} fitted on training images with balanced class
 * weights (so the 0.5 threshold is meaningful for rare mergers). ROC AUC depends only on A's ranking.
 */
public final class AsymmetryBaseline implements Predictor {
    /** Default central-box fraction of the image side. */
    public static final double DEFAULT_CENTRAL_FRACTION = 0.5;
    /** Candidate central-box fractions for {@link #selectCentralFraction}. */
    public static final double[] FRACTION_GRID = {0.2, 0.25, 0.33, 0.4, 0.5, 0.6, 0.75, 1.0};

    private final int channels;
    private final int height;
    private final int width;
    private final double centralFraction;
    private double a;
    private double b;

    /**
     * @param channels        C
     * @param height          H
     * @param width           W
     * @param centralFraction central box side as a fraction of the image side, in (0,1]
     */
    public AsymmetryBaseline(int channels, int height, int width, double centralFraction) {
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.centralFraction = centralFraction;
    }

    /**
     * A baseline with a known calibration, e.g. read back from a saved fit.
     *
     * @param channels        C
     * @param height          H
     * @param width           W
     * @param centralFraction central box side as a fraction of the image side, in (0,1]
     * @param slope           fitted slope a
     * @param intercept       fitted intercept b
     * @return the baseline {@code p = sigmoid(a A + b)}
     */
    public static AsymmetryBaseline fitted(int channels, int height, int width, double centralFraction, double slope,
                                           double intercept) {
        AsymmetryBaseline b = new AsymmetryBaseline(channels, height, width, centralFraction);
        b.a = slope;
        b.b = intercept;
        return b;
    }

    /**
     * Rotational asymmetry of one image.
     *
     * @param images array holding {@code [C,H,W]} images
     * @param offset where the image starts
     * @return A &gt;= 0 (0 for a perfectly symmetric or empty image)
     */
    public double asymmetry(float[] images, long offset) {
        int side = (int) Math.round(centralFraction * Math.min(height, width));
        int y0 = (height - side) / 2;
        int x0 = (width - side) / 2;
        int plane = height * width;
        double diff = 0;
        double total = 0;
        for (int y = y0; y < y0 + side; y++) {
            int ry = height - 1 - y;
            for (int x = x0; x < x0 + side; x++) {
                int rx = width - 1 - x;
                double v = 0;
                double r = 0;
                for (int c = 0; c < channels; c++) {
                    v += images[(int) (offset + c * plane + y * width + x)];
                    r += images[(int) (offset + c * plane + ry * width + rx)];
                }
                diff += Math.abs(v - r) / channels;
                total += Math.abs(v) / channels;
            }
        }
        return total == 0 ? 0 : diff / total;
    }

    /**
     * Fits the logistic calibration on the given images by Newton's method (IRLS), balanced class weights.
     *
     * @param data    dataset
     * @param indices training images
     * @return this
     */
    public AsymmetryBaseline fit(ImageDataset data, int[] indices) {
        int n = indices.length;
        double[] x = new double[n];
        int[] y = data.labels(indices);
        int pos = 0;
        for (int k = 0; k < n; k++) {
            x[k] = asymmetry(data.pixels(), data.offset(indices[k]));
            pos += y[k];
        }
        double w1 = pos == 0 ? 1 : n / (2.0 * pos);
        double w0 = pos == n ? 1 : n / (2.0 * (n - pos));
        double ca = 0;
        double cb = 0;
        for (int it = 0; it < 50; it++) {
            double ga = 0;
            double gb = 0;
            double haa = 1e-9;
            double hab = 0;
            double hbb = 1e-9;
            for (int k = 0; k < n; k++) {
                double p = 1 / (1 + Math.exp(-(ca * x[k] + cb)));
                double w = y[k] == 1 ? w1 : w0;
                double r = w * (p - y[k]);
                double s = w * p * (1 - p);
                ga += r * x[k];
                gb += r;
                haa += s * x[k] * x[k];
                hab += s * x[k];
                hbb += s;
            }
            double det = haa * hbb - hab * hab;
            double da = (hbb * ga - hab * gb) / det;
            double db = (haa * gb - hab * ga) / det;
            ca -= da;
            cb -= db;
            if (Math.abs(da) + Math.abs(db) < 1e-10) {
                break;
            }
        }
        this.a = ca;
        this.b = cb;
        return this;
    }

    /**
     * Chooses the central-box fraction with the highest ROC AUC of A on the given (training) images, so the
     * held-out test images play no part in the choice.
     *
     * @param data    dataset
     * @param indices training images
     * @param grid    candidate fractions
     * @return the best fraction (the first on ties)
     */
    public static double selectCentralFraction(ImageDataset data, int[] indices, double[] grid) {
        int[] y = data.labels(indices);
        double best = grid[0];
        double bestAuc = -1;
        for (double f : grid) {
            AsymmetryBaseline a = new AsymmetryBaseline(data.channels(), data.height(), data.width(), f);
            float[] score = new float[indices.length];
            for (int k = 0; k < indices.length; k++) {
                score[k] = (float) a.asymmetry(data.pixels(), data.offset(indices[k]));
            }
            double auc = Metrics.rocAuc(score, y);
            if (auc > bestAuc) {
                bestAuc = auc;
                best = f;
            }
        }
        return best;
    }

    /** @return the central-box fraction */
    public double centralFraction() {
        return centralFraction;
    }

    @Override
    public float[] predict(float[] images, int n) throws DeepMergeException {
        float[] out = new float[n];
        int size = channels * height * width;
        for (int k = 0; k < n; k++) {
            out[k] = (float) (1 / (1 + Math.exp(-(a * asymmetry(images, (long) k * size) + b))));
        }
        return out;
    }

    /** @return fitted slope a */
    public double slope() {
        return a;
    }

    /** @return fitted intercept b */
    public double intercept() {
        return b;
    }
}
