package org.deepmerge.core.preprocess;

/**
 * Robust statistics of stamp pixels, shared by the survey normalisation ({@link Preprocessor}) and the applicability
 * gate: the sky level and noise of a stamp from its border, and percentiles.
 *
 * <p>Sky: the sigma-clipped median of the border ring (3 sigma, at most 5 iterations, sigma from the median absolute
 * deviation scaled by 1.4826, the Gaussian consistency factor), as astropy's {@code sigma_clipped_stats} and
 * SExtractor-style background estimators do. The border is the outer {@code max(2, min(W,H)/8)} pixels of the stamp,
 * where a centred host galaxy contributes least.
 */
public final class RobustStats {
    /** Clipping threshold, sigma. */
    public static final double CLIP_SIGMA = 3.0;
    /** MAD to Gaussian sigma: 1 / Phi^-1(3/4). */
    public static final double MAD_TO_SIGMA = 1.4826;
    private static final int CLIP_ITERATIONS = 5;

    /**
     * Sky level and noise of a stamp.
     *
     * @param level sigma-clipped median of the border ring, the stamp's units
     * @param sigma robust standard deviation of the clipped border pixels (1.4826 MAD), the stamp's units, &gt;= 0
     * @param count border pixels kept after clipping
     */
    public record Sky(double level, double sigma, int count) {
    }

    private RobustStats() {
    }

    /** @return the border ring width used for a W x H stamp: {@code max(2, min(W, H) / 8)}, at most half the size */
    public static int borderWidth(int width, int height) {
        int m = Math.min(width, height);
        return Math.max(1, Math.min(m / 2, Math.max(2, m / 8)));
    }

    /**
     * @param pixels row-major {@code [height, width]} starting at offset
     * @param offset first pixel
     * @param width  W
     * @param height H
     * @return the sigma-clipped sky of the border ring (non-finite pixels ignored; level 0, sigma 0 when none is finite)
     */
    public static Sky borderSky(float[] pixels, int offset, int width, int height) {
        int b = borderWidth(width, height);
        double[] ring = new double[width * height];
        int n = 0;
        for (int y = 0; y < height; y++) {
            boolean edgeRow = y < b || y >= height - b;
            int row = offset + y * width;
            for (int x = 0; x < width; x++) {
                if (edgeRow || x < b || x >= width - b) {
                    float v = pixels[row + x];
                    if (Float.isFinite(v)) {
                        ring[n++] = v;
                    }
                }
            }
        }
        return clippedStats(ring, n);
    }

    /**
     * Sigma-clipped median and robust sigma of the finite {@code values[0..n)}; the array is sorted in place.
     *
     * @param values values (reordered in place)
     * @param n      how many are used
     * @return level, sigma and kept count; (0, 0, 0) when n = 0
     */
    public static Sky clippedStats(double[] values, int n) {
        if (n == 0) {
            return new Sky(0, 0, 0);
        }
        // clipping keeps a contiguous range of the sorted values, so one sort serves every iteration
        java.util.Arrays.sort(values, 0, n);
        int from = 0;
        int to = n;
        double median = 0;
        double sigma = 0;
        for (int it = 0; it < CLIP_ITERATIONS; it++) {
            int m = to - from;
            int mid = from + m / 2;
            median = (m & 1) == 1 ? values[mid] : 0.5 * (values[mid - 1] + values[mid]);
            sigma = MAD_TO_SIGMA * medianDeviation(values, from, to, median);
            if (!(sigma > 0)) {
                break;
            }
            double lo = median - CLIP_SIGMA * sigma;
            double hi = median + CLIP_SIGMA * sigma;
            int newFrom = from;
            while (newFrom < to && values[newFrom] < lo) {
                newFrom++;
            }
            int newTo = to;
            while (newTo > newFrom && values[newTo - 1] > hi) {
                newTo--;
            }
            int k = newTo - newFrom;
            if (k == m || k == 0) {
                break;
            }
            from = newFrom;
            to = newTo;
        }
        return new Sky(median, sigma, to - from);
    }

    /**
     * Median of {@code |v - median|} over the sorted range {@code v[from..to)}: the deviations grow outwards from the
     * median on both sides, so merging the two sides finds the middle one(s) in O(n).
     */
    private static double medianDeviation(double[] v, int from, int to, double median) {
        int m = to - from;
        int right = from;
        while (right < to && v[right] <= median) {
            right++;
        }
        int left = right - 1;
        double previous = 0;
        double current = 0;
        for (int rank = 0; rank <= m / 2; rank++) {
            double dl = left >= from ? median - v[left] : Double.POSITIVE_INFINITY;
            double dr = right < to ? v[right] - median : Double.POSITIVE_INFINITY;
            previous = current;
            if (dl <= dr) {
                current = dl;
                left--;
            } else {
                current = dr;
                right++;
            }
        }
        return (m & 1) == 1 ? current : 0.5 * (previous + current);
    }

    /**
     * @param data    values
     * @param offset  first value
     * @param length  how many
     * @param q       quantile in [0, 1]
     * @return the q-quantile (linear interpolation between order statistics) of the finite values; NaN when none
     */
    public static double quantile(float[] data, int offset, int length, double q) {
        double[] copy = new double[length];
        int n = 0;
        for (int i = offset, e = offset + length; i < e; i++) {
            if (Float.isFinite(data[i])) {
                copy[n++] = data[i];
            }
        }
        if (n == 0) {
            return Double.NaN;
        }
        double pos = q * (n - 1);
        int lo = (int) Math.floor(pos);
        double a = select(copy, n, lo);
        if (lo + 1 >= n) {
            return a;
        }
        double b = Double.POSITIVE_INFINITY;
        for (int i = lo + 1; i < n; i++) {
            b = Math.min(b, copy[i]);
        }
        return a + (pos - lo) * (float) (b - a); // the float difference of the two float order statistics
    }

    /**
     * The k-th smallest of {@code v[0..n)} by quickselect (Hoare 1961, median-of-three pivot), O(n) on average instead
     * of a sort; afterwards {@code v[0..k)} are &lt;= v[k] &lt;= {@code v(k..n)}.
     */
    static double select(double[] v, int n, int k) {
        int lo = 0;
        int hi = n - 1;
        while (hi > lo) {
            int mid = (lo + hi) >>> 1;
            if (v[mid] < v[lo]) {
                swap(v, mid, lo);
            }
            if (v[hi] < v[lo]) {
                swap(v, hi, lo);
            }
            if (v[hi] < v[mid]) {
                swap(v, hi, mid);
            }
            double pivot = v[mid];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (v[i] < pivot) {
                    i++;
                }
                while (v[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    swap(v, i, j);
                    i++;
                    j--;
                }
            }
            if (k <= j) {
                hi = j;
            } else if (k >= i) {
                lo = i;
            } else {
                return v[k];
            }
        }
        return v[k];
    }

    private static void swap(double[] v, int a, int b) {
        double t = v[a];
        v[a] = v[b];
        v[b] = t;
    }
}
