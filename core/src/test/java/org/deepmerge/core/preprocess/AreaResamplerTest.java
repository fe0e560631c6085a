package org.deepmerge.core.preprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The separable resampler against a direct evaluation of its definition: each output pixel is the mean of the input
 * over the output pixel's square, computed here in double precision from the 2-D overlap areas, input pixel by input
 * pixel. Covers the two-tap fast path (upsampling, mild downsampling, zero padding at the edges) and the general path.
 */
class AreaResamplerTest {

    private static double overlap(double a0, double a1, double b0, double b1) {
        return Math.max(0.0, Math.min(a1, b1) - Math.max(a0, b0));
    }

    private static float[] direct(float[] src, int srcW, int srcH, int dstW, int dstH, double stepX, double x0,
                                  double stepY, double y0) {
        float[] out = new float[dstW * dstH];
        for (int l = 0; l < dstH; l++) {
            double ya = y0 + l * stepY;
            for (int j = 0; j < dstW; j++) {
                double xa = x0 + j * stepX;
                double sum = 0;
                for (int y = 0; y < srcH; y++) {
                    double oy = overlap(ya, ya + stepY, y, y + 1.0);
                    for (int x = 0; oy > 0 && x < srcW; x++) {
                        sum += oy * overlap(xa, xa + stepX, x, x + 1.0) * src[y * srcW + x];
                    }
                }
                out[l * dstW + j] = (float) (sum / (stepX * stepY));
            }
        }
        return out;
    }

    private static void check(int srcW, int srcH, int dstW, int dstH, double stepX, double x0, double stepY, double y0,
                              long seed) {
        Random r = new Random(seed);
        float[] src = new float[srcW * srcH];
        for (int i = 0; i < src.length; i++) {
            src[i] = (float) (r.nextGaussian() * 10 + 100);
        }
        float[] expected = direct(src, srcW, srcH, dstW, dstH, stepX, x0, stepY, y0);
        float[] dst = new float[dstW * dstH + 7];
        AreaResampler.resample(src, 0, srcW, srcH, dst, 7, dstW, dstH, stepX, x0, stepY, y0);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], dst[7 + i], 1e-4f * Math.max(1f, Math.abs(expected[i])),
                    "pixel " + i + " of " + srcW + "x" + srcH + " -> " + dstW + "x" + dstH + " step " + stepX);
        }
    }

    @Test
    void twoTapPathsMatchTheDefinition() {
        // ZTF 63 px at 1.01"/px onto the DeepMerge grid, 75 px at 0.1875"/px: every output pixel overlaps 1-2 inputs
        double step = 0.1875 / 1.01;
        assertTrue(AreaResampler.weights(63, 75, step, 63 / 2.0 - 37.5 * step).twoTaps);
        check(63, 63, 75, 75, step, 63 / 2.0 - 37.5 * step, step, 63 / 2.0 - 37.5 * step, 1);
        // a small stamp: zero padding around a two-tap core
        double small = 0.1875 / 0.2;
        AreaResampler.AxisWeights padded = AreaResampler.weights(30, 75, small, 15 - 37.5 * small);
        assertTrue(padded.twoTaps);
        assertTrue(padded.lo > 0 && padded.hi < 75, padded.lo + ".." + padded.hi);
        check(30, 30, 75, 75, small, 15 - 37.5 * small, small, 15 - 37.5 * small, 2);
        // non-square steps and a 1:1 grid shifted by half a pixel
        check(40, 50, 33, 21, 0.7, 3.3, 1.3, -2.1, 3);
        check(20, 20, 20, 20, 1.0, 0.5, 1.0, -0.5, 4);
    }

    @Test
    void generalPathMatchesTheDefinition() {
        // downsampling by more than 2x: up to 4 inputs per output pixel
        assertFalse(AreaResampler.weights(200, 64, 3.1, 1.2).twoTaps);
        check(200, 180, 64, 55, 3.1, 1.2, 3.1, 2.7, 5);
        check(100, 100, 75, 75, 1.9, -20, 2.6, -10, 6);
    }
}
