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
 * <p>Inputs are expected finite ({@code StampDecoder} replaces NaN/Inf); a non-finite input pixel makes the output
 * pixels it overlaps non-finite.
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
     * weights {@code w[offset[j] + k] = overlap / step}. When no output pixel overlaps more than two input pixels
     * (any upsampling, and downsampling by less than 2x in the common case) the weights are also kept as two taps per
     * output pixel, {@code w0[j] * in[i0[j]] + w1[j] * in[i1[j]]} ({@code w1[j] = 0} for a single overlap) for
     * the output pixels {@code lo <= j < hi} that overlap the input at all (those outside are zero padding), so the
     * horizontal pass runs without a data-dependent inner loop.
     */
    static final class AxisWeights {
        final int[] first;
        final int[] count;
        final int[] offset;
        final float[] w;
        final boolean twoTaps;
        final int lo;
        final int hi;
        final int[] i0;
        final int[] i1;
        final float[] w0;
        final float[] w1;

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
            int l = 0;
            while (l < out && count[l] == 0) {
                l++;
            }
            int h = out;
            while (h > l && count[h - 1] == 0) {
                h--;
            }
            boolean two = l < h;
            for (int j = l; j < h; j++) {
                two &= count[j] >= 1 && count[j] <= 2;
            }
            lo = l;
            hi = h;
            twoTaps = two;
            i0 = new int[two ? out : 0];
            i1 = new int[two ? out : 0];
            w0 = new float[two ? out : 0];
            w1 = new float[two ? out : 0];
            for (int j = l; two && j < h; j++) {
                i0[j] = first[j];
                w0[j] = w[offset[j]];
                i1[j] = count[j] == 2 ? first[j] + 1 : first[j];
                w1[j] = count[j] == 2 ? w[offset[j] + 1] : 0f;
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
            if (wx.twoTaps) {
                java.util.Arrays.fill(tmp, trow, trow + wx.lo, 0f);
                for (int j = wx.lo; j < wx.hi; j++) {
                    tmp[trow + j] = wx.w0[j] * src[row + wx.i0[j]] + wx.w1[j] * src[row + wx.i1[j]];
                }
                java.util.Arrays.fill(tmp, trow + wx.hi, trow + dstW, 0f);
                continue;
            }
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
            int n = wy.count[l];
            if (n == 0) {
                java.util.Arrays.fill(dst, drow, drow + dstW, 0f);
                continue;
            }
            // the first two taps are one fused pass; the sum runs in the same order as a tap-by-tap accumulation
            int o = wy.offset[l];
            int t0 = wy.first[l] * dstW;
            float w0 = wy.w[o];
            if (n == 1) {
                for (int j = 0; j < dstW; j++) {
                    dst[drow + j] = w0 * tmp[t0 + j];
                }
                continue;
            }
            float w1 = wy.w[o + 1];
            int t1 = t0 + dstW;
            for (int j = 0; j < dstW; j++) {
                dst[drow + j] = w0 * tmp[t0 + j] + w1 * tmp[t1 + j];
            }
            for (int k = 2; k < n; k++) {
                float w = wy.w[o + k];
                int trow = (wy.first[l] + k) * dstW;
                for (int j = 0; j < dstW; j++) {
                    dst[drow + j] += w * tmp[trow + j];
                }
            }
        }
    }
}
