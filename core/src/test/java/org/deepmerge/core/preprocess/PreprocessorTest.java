package org.deepmerge.core.preprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.Normalisation;
import org.deepmerge.core.model.OutputKind;
import org.deepmerge.core.model.ResampleMode;
import org.junit.jupiter.api.Test;

class PreprocessorTest {

    static ModelContract contract(int c, int h, int w, double scale, ResampleMode mode, Normalisation n) {
        List<String> bands = c == 1 ? List.of("r") : List.of("F814W", "F160W", "F356W").subList(0, c);
        return new ModelContract("x", -1, bands, h, w, scale, mode, n, "y", OutputKind.SIGMOID,
                List.of("non-merger", "merger"), 1, "m", "1", Map.of());
    }

    static Stamp constant(int w, int h, double scale, float value) {
        float[] p = new float[w * h];
        java.util.Arrays.fill(p, value);
        return new Stamp(w, h, p, scale, 0);
    }

    static double sum(float[] a) {
        double s = 0;
        for (float v : a) {
            s += v;
        }
        return s;
    }

    @Test
    void constantZtfStampKeepsSurfaceBrightnessOnTheModelGrid() throws Exception {
        Preprocessor p = new Preprocessor(contract(1, 75, 75, 0.1875, ResampleMode.ANGULAR, Normalisation.none()));
        float[] out = p.toTensor(List.of(constant(63, 63, 1.012, 42.5f)));
        assertEquals(75 * 75, out.length);
        for (float v : out) {
            assertEquals(42.5f, v, 1e-4f);
        }
    }

    @Test
    void smallStampIsCentredZeroPaddedAndConservesFlux() throws Exception {
        // a Rubin-like 30x30 stamp at 0.2"/px covers 6"; the 75x75 grid at 0.1875"/px covers 14.06"
        Preprocessor p = new Preprocessor(contract(1, 75, 75, 0.1875, ResampleMode.ANGULAR, Normalisation.none()));
        float[] out = p.toTensor(List.of(constant(30, 30, 0.2, 1f)));
        assertEquals(0f, out[0]);
        assertEquals(0f, out[74]);
        assertEquals(0f, out[20 * 75 + 5], "outside the stamp's 6 arcsec is zero");
        assertEquals(1f, out[37 * 75 + 37], 1e-5f, "inside keeps the surface brightness");
        // symmetric about the centre
        for (int y = 0; y < 75; y++) {
            for (int x = 0; x < 75; x++) {
                assertEquals(out[y * 75 + x], out[(74 - y) * 75 + (74 - x)], 1e-5f);
            }
        }
        // total flux: sum(out) * A_out = sum(in) * A_in
        assertEquals(30 * 30 * 0.2 * 0.2, sum(out) * 0.1875 * 0.1875, 1e-3);
    }

    @Test
    void pointSourceTotalScalesByPixelAreaRatio() {
        float[] in = new float[64 * 64];
        in[32 * 64 + 32] = 1000f;
        Stamp s = new Stamp(64, 64, in, 0.1, 0);
        float[] out = Preprocessor.resample(s, 32, 32, 0.25, ResampleMode.ANGULAR);
        assertEquals(1000.0 * (0.1 * 0.1) / (0.25 * 0.25), sum(out), 1e-3);
    }

    @Test
    void sameGridIsAnExactCopyAndOffsetStampsAreCentred() {
        float[] in = new float[75 * 75];
        for (int i = 0; i < in.length; i++) {
            in[i] = i * 0.5f - 100f;
        }
        float[] out = new float[75 * 75];
        Preprocessor.resample(in, 0, 75, 75, 0.1875, out, 0, 75, 75, 0.1875, ResampleMode.ANGULAR);
        assertArrayEquals(in, out, "HLSP images on the HLSP grid are unchanged");

        // 63x63 stamp at the model's scale lands 6 pixels in from each edge of the 75x75 grid
        float[] small = new float[63 * 63];
        for (int i = 0; i < small.length; i++) {
            small[i] = 1 + i;
        }
        Preprocessor.resample(small, 0, 63, 63, 1.0, out, 0, 75, 75, 1.0, ResampleMode.ANGULAR);
        for (int y = 0; y < 75; y++) {
            for (int x = 0; x < 75; x++) {
                boolean inside = x >= 6 && x < 69 && y >= 6 && y < 69;
                assertEquals(inside ? small[(y - 6) * 63 + (x - 6)] : 0f, out[y * 75 + x], "pixel " + x + "," + y);
            }
        }
    }

    @Test
    void offCentreSourceLandsAtTheRightAngularOffset() {
        // source 10 px (= 10 arcsec) right and 4 px up of the centre of a 41x41 stamp at 1"/px
        float[] in = new float[41 * 41];
        in[(20 + 4) * 41 + (20 + 10)] = 1f;
        float[] out = new float[81 * 81];
        Preprocessor.resample(in, 0, 41, 41, 1.0, out, 0, 81, 81, 0.5, ResampleMode.ANGULAR);
        double sx = 0;
        double sy = 0;
        double t = 0;
        for (int y = 0; y < 81; y++) {
            for (int x = 0; x < 81; x++) {
                double v = out[y * 81 + x];
                sx += v * (x + 0.5);
                sy += v * (y + 0.5);
                t += v;
            }
        }
        // grid centre at 40.5 px; +10" = +20 px, +4" = +8 px
        assertEquals(40.5 + 20, sx / t, 1e-4);
        assertEquals(40.5 + 8, sy / t, 1e-4);
    }

    @Test
    void fitModeStretchesTheWholeStamp() throws Exception {
        float[] in = new float[150 * 100];
        for (int y = 0; y < 100; y++) {
            for (int x = 0; x < 150; x++) {
                in[y * 150 + x] = x + 1000f * y;
            }
        }
        Preprocessor p = new Preprocessor(contract(1, 50, 75, 0.1875, ResampleMode.FIT, Normalisation.none()));
        float[] out = p.toTensor(List.of(new Stamp(150, 100, in, Double.NaN, 0)));
        for (int y = 0; y < 50; y++) {
            for (int x = 0; x < 75; x++) {
                // mean of the 2x2 block: x-mean 2x+0.5, y-mean 2y+0.5
                assertEquals((2 * x + 0.5) + 1000.0 * (2 * y + 0.5), out[y * 75 + x], 0.05, "pixel " + x + "," + y);
            }
        }
    }

    @Test
    void normalisations() throws Exception {
        Stamp a = constant(10, 10, 0.1875, 5f);
        Stamp b = constant(10, 10, 0.1875, -3f);
        float[] std = new Preprocessor(contract(2, 10, 10, 0.1875, ResampleMode.ANGULAR,
                Normalisation.standardize(List.of(1f, -1f), List.of(2f, 4f)))).toTensor(List.of(a, b));
        assertEquals(2f, std[0], 1e-6f);
        assertEquals(-0.5f, std[100], 1e-6f);
        float[] replicated = new Preprocessor(contract(2, 10, 10, 0.1875, ResampleMode.ANGULAR,
                Normalisation.standardize(List.of(1f, -1f), List.of(2f, 4f)))).toTensor(List.of(a, a));
        assertEquals(2f, replicated[0], 1e-6f);
        assertEquals(1.5f, replicated[100], 1e-6f, "a replicated stamp is normalised per channel");
        float[] asinh = new Preprocessor(contract(2, 10, 10, 0.1875, ResampleMode.ANGULAR, Normalisation.asinh(0.5f)))
                .toTensor(List.of(a, b));
        assertEquals(Math.log(10 + Math.sqrt(101)), asinh[0], 1e-5);
        assertEquals(-Math.log(6 + Math.sqrt(37)), asinh[100], 1e-5);
        float[] none = new Preprocessor(contract(2, 10, 10, 0.1875, ResampleMode.ANGULAR, Normalisation.none()))
                .toTensor(List.of(a, b));
        assertEquals(5f, none[0]);
        assertEquals(-3f, none[199]);
    }

    @Test
    void writesIntoABatchAtAnOffsetAndRejectsWrongChannelCounts() throws Exception {
        Preprocessor p = new Preprocessor(contract(2, 4, 4, 1.0, ResampleMode.ANGULAR, Normalisation.none()));
        float[] batch = new float[3 * 32];
        p.toTensor(List.of(constant(4, 4, 1.0, 1f), constant(4, 4, 1.0, 2f)), batch, 32);
        assertEquals(0f, batch[31]);
        assertEquals(1f, batch[32]);
        assertEquals(2f, batch[63]);
        assertEquals(0f, batch[64]);
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> p.toTensor(List.of(constant(4, 4, 1.0, 1f))));
        assertEquals(Reason.WRONG_SHAPE, e.reason());
        assertEquals(Reason.WRONG_SHAPE, assertThrows(DeepMergeException.class,
                () -> p.toTensor(List.of(constant(4, 4, 0.0, 1f), constant(4, 4, 1.0, 1f)))).reason());
    }

    @Test
    void ztfStampToThreeChannelInputThroughputIsPrinted() throws Exception {
        Preprocessor p = new Preprocessor(contract(3, 75, 75, 0.1875, ResampleMode.ANGULAR, Normalisation.none()));
        Stamp s = constant(63, 63, 1.012, 1f);
        List<Stamp> three = List.of(s, s, s);
        float[] batch = new float[256 * p.contract().imageSize()];
        for (int i = 0; i < 256; i++) {
            p.toTensor(three, batch, i * p.contract().imageSize());
        }
        int n = 5000;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            p.toTensor(three, batch, (i % 256) * p.contract().imageSize());
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        assertEquals(1f, batch[batch.length - 1], 1e-5f);
        System.out.printf("preprocess ZTF 63x63 @1.012\" -> [3,75,75] @0.1875\": %.0f images/s (one thread)%n", n / secs);
    }

    @Test
    void normalisationSpecsParseAndRoundTrip() throws Exception {
        for (String spec : List.of("none", "asinh:0.5", "display:0.05", "standardize:1.0,2.0:3.0,4.0")) {
            assertEquals(spec, Normalisation.parse(spec).spec());
        }
        assertEquals(Reason.INVALID_CONFIG, assertThrows(DeepMergeException.class,
                () -> Normalisation.parse("standardize:1:0")).reason());
        assertEquals(Reason.INVALID_CONFIG, assertThrows(DeepMergeException.class, () -> Normalisation.parse("log")).reason());
        assertEquals(Reason.INVALID_CONFIG, assertThrows(DeepMergeException.class,
                () -> Normalisation.parse("display:2")).reason(), "display softening is a fraction of the maximum");
    }

    @Test
    void displayStretchUsesOneScaleForAllChannelsByHand() throws Exception {
        // 2 channels of 1x2 (flux units): maximum M = 8 over the whole image, b = 0.5 * 8 = 4
        float[] img = {8f, 2f, /* channel 2 */ 4f, -1f};
        Preprocessor.normaliseImage(img, 0, 2, 2, Normalisation.display(0.5f));
        double norm = asinh(2.0);
        assertEquals(1.0, img[0], 1e-6, "the brightest pixel maps to 1");
        assertEquals(asinh(0.5) / norm, img[1], 1e-6);
        assertEquals(asinh(1.0) / norm, img[2], 1e-6, "channels share the scale, so colours are kept");
        assertEquals(0.0, img[3], 0.0, "negative sky is clipped to 0");
        float[] dark = {0f, -1f, -2f, 0f};
        Preprocessor.normaliseImage(dark, 0, 2, 2, Normalisation.display(0.05f));
        assertArrayEquals(new float[4], dark, "an image without a positive pixel becomes 0");
        float[] scaled = {80f, 20f, 40f, -10f};
        Preprocessor.normaliseImage(scaled, 0, 2, 2, Normalisation.display(0.5f));
        float[] again = {8f, 2f, 4f, -1f};
        Preprocessor.normaliseImage(again, 0, 2, 2, Normalisation.display(0.5f));
        assertArrayEquals(again, scaled, 1e-6f, "independent of the flux scale (per-image maximum)");
    }

    private static double asinh(double x) {
        return Math.log(x + Math.sqrt(x * x + 1));
    }
}
