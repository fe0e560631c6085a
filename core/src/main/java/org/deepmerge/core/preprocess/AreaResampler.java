package org.deepmerge.core.preprocess;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Exact area-overlap resampling of a 2-D image onto another axis-aligned pixel grid, conserving surface
 * brightness: each output pixel is the area-weighted mean of the input pixels it overlaps, with the part of the
 * output pixel outside the input counted as 0 (zero padding). Because both grids are axis-aligned, the 2-D
 * overlap area factorises into a product of 1-D overlaps, so the resampler runs two separable passes with
 * precomputed 1-D weights (the same weights as a "drizzle" with pixfrac 1 and no rotation; Fruchter &amp; Hook
 * 2002, PASP 114, 144). Per-axis weights are cached per (input size, output size, scale ratio, offset).
 *
 * <p>Consequences, all in input units: a constant image stays constant (surface brightness conserved); the
 * total of a fully covered source scales by the pixel-area ratio: {@code sum(out) = sum(in) * A_in / A_out}.
 */
final class AreaResampler {
    private static final int MAX_CACHED = 4096;
    private static final Map<Key, AxisWeights> CACHE = new ConcurrentHashMap<>();
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    private AreaResampler() {
    }

    private record Key(int in, int out, long step, long start) {
    }

    /**
     * 1-D weights: output pixel j covers input coordinates {@code [start + j*step, start + (j+1)*step)} where input
     * pixel i covers {@code [i, i+1)}. Output pixel j takes input pixels {@code first[j] .. first[j]+count[j]-1} with
     * weights {@code w[offset[j] + k] = overlap / step}.
     */
    static final class AxisWeights {
        final int[] first;
        final int[] count;
        final int[] offset;
        final float[] w;

        AxisWeights(int in, int out, double step, double start) {
            first = new int[out];
            count = new int[out];
            offset = new int[out];
            int total = 0;
            for (int j = 0; j < out; j++) {
                double a = start + j * step;
                double b = a + step;
                int lo = (int) Math.max(0, Math.floor(a));
                int hi = (int) Math.min(in, Math.ceil(b));
                first[j] = lo;
                count[j] = Math.max(0, hi - lo);
                offset[j] = total;
                total += count[j];
            }
            w = new float[total];
            for (int j = 0; j < out; j++) {
                double a = start + j * step;
                double b = a + step;
                for (int k = 0; k < count[j]; k++) {
                    int i = first[j] + k;
                    double overlap = Math.min(b, i + 1.0) - Math.max(a, i);
                    w[offset[j] + k] = (float) (Math.max(0.0, overlap) / step);
                }
            }
        }
    }

    static AxisWeights weights(int in, int out, double step, double start) {
        Key key = new Key(in, out, Double.doubleToLongBits(step), Double.doubleToLongBits(start));
        AxisWeights w = CACHE.get(key);
        if (w == null) {
            if (CACHE.size() >= MAX_CACHED) {
                CACHE.clear();
            }
            w = CACHE.computeIfAbsent(key, k -> new AxisWeights(in, out, step, start));
        }
        return w;
    }

    /**
     * Resamples {@code src} ({@code srcH} rows of {@code srcW}, row-major at {@code srcOff}) into {@code dst}
     * ({@code dstH x dstW} at {@code dstOff}); output pixel (x, y) covers input coordinates
     * {@code [x0 + x*stepX, x0 + (x+1)*stepX) x [y0 + y*stepY, y0 + (y+1)*stepY)}.
     */
    static void resample(float[] src, int srcOff, int srcW, int srcH, float[] dst, int dstOff, int dstW, int dstH,
                         double stepX, double x0, double stepY, double y0) {
        AxisWeights wx = weights(srcW, dstW, stepX, x0);
        AxisWeights wy = weights(srcH, dstH, stepY, y0);
        int need = srcH * dstW;
        float[] tmp = SCRATCH.get();
        if (tmp.length < need) {
            tmp = new float[need];
            SCRATCH.set(tmp);
        }
        // the horizontal pass only runs over the input rows some output row overlaps (a small central crop
        // of a large stamp touches few of them)
        int yLo = srcH;
        int yHi = 0;
        for (int l = 0; l < dstH; l++) {
            if (wy.count[l] > 0) {
                yLo = Math.min(yLo, wy.first[l]);
                yHi = Math.max(yHi, wy.first[l] + wy.count[l]);
            }
        }
        for (int y = yLo; y < yHi; y++) {
            int row = srcOff + y * srcW;
            int trow = y * dstW;
            for (int j = 0; j < dstW; j++) {
                float s = 0f;
                int o = wx.offset[j];
                int f = row + wx.first[j];
                for (int k = 0, n = wx.count[j]; k < n; k++) {
                    s += wx.w[o + k] * src[f + k];
                }
                tmp[trow + j] = s;
            }
        }
        for (int l = 0; l < dstH; l++) {
            int drow = dstOff + l * dstW;
            java.util.Arrays.fill(dst, drow, drow + dstW, 0f);
            int o = wy.offset[l];
            for (int k = 0, n = wy.count[l]; k < n; k++) {
                float w = wy.w[o + k];
                int trow = (wy.first[l] + k) * dstW;
                for (int j = 0; j < dstW; j++) {
                    dst[drow + j] += w * tmp[trow + j];
                }
            }
        }
    }
}
