package org.deepmerge.core.preprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.alert.AlertReader;
import org.deepmerge.core.alert.CutoutStamp;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.fits.StampDecoder;
import org.deepmerge.core.fits.StampLimits;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.Normalisation;
import org.deepmerge.core.model.OutputKind;
import org.deepmerge.core.model.ResampleMode;
import org.deepmerge.core.testing.TestData;
import org.junit.jupiter.api.Test;

/**
 * The SURVEY normalisation makes the model input independent of the stamp's units, zero point and sky level: on every
 * real ZTF template stamp, multiplying by 10 or 0.1 or adding a constant sky changes no input pixel by more than
 * float rounding, so no model reading this contract can change its score.
 */
class SurveyNormalisationTest {

    static ModelContract surveyContract(int size, double scale) {
        return new ModelContract("x", -1, List.of(ChannelMapping.ANY_BAND), size, size, scale, ResampleMode.ANGULAR,
                Normalisation.survey(0.1f), "p", OutputKind.LOGITS, List.of("non-merger", "merger"), 1, "t", "1", Map.of());
    }

    @Test
    void inputIsInvariantToFluxScaleAndSkyOnRealZtfStamps() throws Exception {
        Path dir = TestData.require("alerts/ztf");
        AlertReader reader = new AlertReader(null);
        StampDecoder decoder = new StampDecoder(StampLimits.defaults());
        Preprocessor pre = new Preprocessor(surveyContract(40, 1.2));
        int checked = 0;
        double worst = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".avro")).sorted().toList()) {
                Alert alert = reader.read(Files.readAllBytes(f));
                CutoutStamp template = alert.stamp("template").orElseThrow();
                Stamp s = decoder.decode(template);
                float[] base = pre.toTensor(List.of(s));
                for (float[] t : new float[][] {
                        pre.toTensor(List.of(transformed(s, 10f, 0f))),
                        pre.toTensor(List.of(transformed(s, 0.1f, 0f))),
                        pre.toTensor(List.of(transformed(s, 1f, 500f))),
                        pre.toTensor(List.of(transformed(s, 1f, -37.5f)))}) {
                    for (int i = 0; i < base.length; i++) {
                        worst = Math.max(worst, Math.abs(base[i] - t[i]));
                    }
                }
                checked++;
            }
        }
        assertEquals(87, checked);
        assertTrue(worst < 2e-3, "largest input change " + worst);
    }

    @Test
    void skyIsRemovedAndBrightCoreMapsNearOne() throws Exception {
        int n = 41;
        float[] px = new float[n * n];
        java.util.Random rnd = new java.util.Random(1);
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                double r2 = (x - 20) * (x - 20) + (y - 20) * (y - 20);
                px[y * n + x] = (float) (1000 + 5 * rnd.nextGaussian() + 400 * Math.exp(-r2 / 18.0));
            }
        }
        float[] t = new Preprocessor(surveyContract(41, 1.0)).toTensor(List.of(new Stamp(n, n, px, 1.0, 0)));
        assertEquals(0.0, RobustStats.borderSky(t, 0, n, n).level(), 0.02, "sky level after normalisation");
        assertTrue(t[20 * n + 20] > 0.95 && t[20 * n + 20] < 1.2, "centre " + t[20 * n + 20]);
    }

    @Test
    void clippedSkyIgnoresASourceOnTheBorder() {
        double[] v = new double[200];
        for (int i = 0; i < v.length; i++) {
            v[i] = 10 + (i % 7) - 3;
        }
        for (int i = 0; i < 20; i++) {
            v[i] = 5000;
        }
        RobustStats.Sky sky = RobustStats.clippedStats(v, v.length);
        assertEquals(10, sky.level(), 0.6);
        assertTrue(sky.count() <= 180, "the 20 bright pixels are clipped, kept " + sky.count());
    }

    @Test
    void selectionGivesTheSortedOrderStatistics() {
        java.util.Random rnd = new java.util.Random(11);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + rnd.nextInt(300);
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = rnd.nextInt(4) == 0 ? rnd.nextInt(5) : rnd.nextGaussian();
            }
            double[] sorted = v.clone();
            java.util.Arrays.sort(sorted);
            int k = rnd.nextInt(n);
            assertEquals(sorted[k], RobustStats.select(v.clone(), n, k), "k=" + k + " of " + n);
            float[] f = new float[n];
            for (int i = 0; i < n; i++) {
                f[i] = (float) v[i];
            }
            float[] fs = f.clone();
            java.util.Arrays.sort(fs);
            double q = rnd.nextDouble();
            double pos = q * (n - 1);
            int lo = (int) Math.floor(pos);
            int hi = Math.min(n - 1, lo + 1);
            double expected = fs[lo] + (pos - lo) * (fs[hi] - fs[lo]);
            assertEquals(expected, RobustStats.quantile(f, 0, n, q), 0.0, "q=" + q + " of " + n);
        }
    }

    @Test
    void clippedStatsEqualTheDirectDefinition() {
        java.util.Random rnd = new java.util.Random(5);
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + rnd.nextInt(400);
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = rnd.nextInt(10) == 0 ? 1000 * rnd.nextDouble() : rnd.nextInt(3) == 0 ? rnd.nextInt(4) : rnd.nextGaussian();
            }
            RobustStats.Sky expected = direct(v.clone(), n);
            RobustStats.Sky got = RobustStats.clippedStats(v.clone(), n);
            assertEquals(expected.level(), got.level(), 0.0, "level, trial " + trial);
            assertEquals(expected.sigma(), got.sigma(), 0.0, "sigma, trial " + trial);
            assertEquals(expected.count(), got.count(), "count, trial " + trial);
        }
    }

    /** The sigma clipping as written in its Javadoc: sort, median, MAD, keep [m - 3s, m + 3s], at most 5 times. */
    private static RobustStats.Sky direct(double[] values, int n) {
        double median = 0;
        double sigma = 0;
        int kept = n;
        for (int it = 0; it < 5; it++) {
            java.util.Arrays.sort(values, 0, kept);
            median = (kept & 1) == 1 ? values[kept / 2] : 0.5 * (values[kept / 2 - 1] + values[kept / 2]);
            double[] dev = new double[kept];
            for (int i = 0; i < kept; i++) {
                dev[i] = Math.abs(values[i] - median);
            }
            java.util.Arrays.sort(dev);
            sigma = 1.4826 * ((kept & 1) == 1 ? dev[kept / 2] : 0.5 * (dev[kept / 2 - 1] + dev[kept / 2]));
            if (!(sigma > 0)) {
                break;
            }
            int k = 0;
            for (int i = 0; i < kept; i++) {
                if (values[i] >= median - 3 * sigma && values[i] <= median + 3 * sigma) {
                    values[k++] = values[i];
                }
            }
            if (k == kept || k == 0) {
                break;
            }
            kept = k;
        }
        return new RobustStats.Sky(median, sigma, kept);
    }

    private static Stamp transformed(Stamp s, float scale, float offset) {
        float[] p = s.pixels().clone();
        for (int i = 0; i < p.length; i++) {
            p[i] = p[i] * scale + offset;
        }
        return new Stamp(s.width(), s.height(), p, s.pixelScaleArcsec(), s.nonFiniteReplaced());
    }
}
