package org.deepmerge.core.synthetic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deepmerge.core.DeepMergeException;
import org.junit.jupiter.api.Test;

class SyntheticGalaxyGeneratorTest {

    /** Rotational asymmetry A = sum|I - I_rot180| / sum|I| over one channel (rotation about the stamp centre). */
    static double asymmetry(float[] img, int channel, int n) {
        double num = 0;
        double den = 0;
        int off = channel * n * n;
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                double a = img[off + y * n + x];
                num += Math.abs(a - img[off + (n - 1 - y) * n + (n - 1 - x)]);
                den += Math.abs(a);
            }
        }
        return num / den;
    }

    static double rocAuc(double[] pos, double[] neg) {
        double s = 0;
        for (double p : pos) {
            for (double q : neg) {
                s += p > q ? 1 : p == q ? 0.5 : 0;
            }
        }
        return s / ((double) pos.length * neg.length);
    }

    @Test
    void sameSeedGivesIdenticalSpecsAndPixels() throws DeepMergeException {
        Observation obs = SurveyPreset.HLSP_HST.observation(true);
        SyntheticGalaxyGenerator a = new SyntheticGalaxyGenerator(99, SyntheticGalaxyGenerator.Config.hlsp());
        SyntheticGalaxyGenerator b = new SyntheticGalaxyGenerator(99, SyntheticGalaxyGenerator.Config.hlsp());
        for (int i = 0; i < 6; i++) {
            boolean merger = i % 2 == 0;
            GalaxySpec sa = a.sample(merger);
            GalaxySpec sb = b.sample(merger);
            assertEquals(sa, sb);
            assertEquals(merger, sa.merger());
            assertArrayEquals(a.render(sa, obs), b.render(sb, obs), "noisy pixels of sample " + i);
        }
        // indexed sampling is order-independent and matches the counter
        SyntheticGalaxyGenerator c = new SyntheticGalaxyGenerator(99, SyntheticGalaxyGenerator.Config.hlsp());
        assertEquals(c.sample(false, 5), new SyntheticGalaxyGenerator(99, SyntheticGalaxyGenerator.Config.hlsp())
                .sample(false, 5));
        assertEquals(c.sample(true, 0), a.sample(true, 0));
        SyntheticGalaxyGenerator other = new SyntheticGalaxyGenerator(100, SyntheticGalaxyGenerator.Config.hlsp());
        assertNotEquals(a.sample(true, 0), other.sample(true, 0));
    }

    @Test
    void mergersAreMoreAsymmetricButClassesOverlap() throws DeepMergeException {
        SyntheticGalaxyGenerator gen = new SyntheticGalaxyGenerator(2024, SyntheticGalaxyGenerator.Config.hlsp());
        Observation obs = SurveyPreset.HLSP_HST.observation(false);
        int n = 200;
        double[] mergers = new double[n];
        double[] isolated = new double[n];
        int withTidal = 0;
        for (int i = 0; i < n; i++) {
            GalaxySpec m = gen.sample(true, i);
            GalaxySpec s = gen.sample(false, i);
            assertTrue(m.merger() && (m.kind() == GalaxyKind.PAIR || m.kind() == GalaxyKind.LATE_STAGE));
            assertFalse(s.merger());
            assertTrue(m.fluxRatio() >= 0.25 && m.fluxRatio() <= 1.0, "flux ratio 1:4..1:1");
            withTidal += m.tidalFluxFraction() > 0 && m.blobs().stream().anyMatch(b -> !b.role().equals("clump")) ? 1 : 0;
            mergers[i] = asymmetry(gen.render(m, obs), 1, obs.size());
            isolated[i] = asymmetry(gen.render(s, obs), 1, obs.size());
        }
        double meanM = java.util.Arrays.stream(mergers).average().orElseThrow();
        double meanI = java.util.Arrays.stream(isolated).average().orElseThrow();
        double auc = rocAuc(mergers, isolated);
        assertEquals(n, withTidal, "every merger has tidal features");
        assertTrue(meanM > meanI + 0.15, "mean A mergers " + meanM + " vs isolated " + meanI);
        assertTrue(auc > 0.75 && auc < 0.97, "asymmetry ROC AUC " + auc + " should be high but not perfect");
    }

    @Test
    void bandsCarryEachComponentsColour() throws DeepMergeException {
        SyntheticGalaxyGenerator gen = new SyntheticGalaxyGenerator(7, SyntheticGalaxyGenerator.Config.hlsp());
        Observation obs = Observation.gaussian(List.of("F814W", "F160W", "F356W"), 151, 0.1875,
                new double[] {0.09, 0.18, 0.12}, NoiseModel.PRISTINE);
        int checked = 0;
        for (int i = 0; i < 40 && checked < 5; i++) {
            GalaxySpec spec = gen.sample(false, i);
            if (spec.kind() != GalaxyKind.BULGE_DISK || !Double.isNaN(spec.separationKpc())) {
                continue;
            }
            SersicComponent disk = spec.components().get(0);
            SersicComponent bulge = spec.components().get(1);
            assertTrue(bulge.role().endsWith("bulge") && disk.role().endsWith("disk"));
            double diskColour = disk.sed().fluxAt(0.80) / disk.sed().fluxAt(1.54);
            double bulgeColour = bulge.sed().fluxAt(0.80) / bulge.sed().fluxAt(1.54);
            assertTrue(bulgeColour < diskColour, "bulges are redder: F814W/F160W " + bulgeColour + " vs " + diskColour);
            float[] img = gen.render(spec, obs);
            int plane = 151 * 151;
            for (int c = 0; c < 3; c++) {
                double rendered = GalaxyRendererTest.sum(img, c * plane, plane) * 0.1875 * 0.1875;
                double expected = spec.totalFluxMicroJy(Bands.wavelengthUm(obs.bands().get(c)));
                assertEquals(expected, rendered, 0.03 * expected, "band " + obs.bands().get(c) + " flux");
            }
            checked++;
        }
        assertEquals(5, checked, "bulge+disk galaxies found");
    }

    @Test
    void presetsRenderTheirShapes() throws DeepMergeException {
        for (SurveyPreset p : SurveyPreset.values()) {
            SyntheticGalaxyGenerator gen = new SyntheticGalaxyGenerator(1, p.generatorConfig());
            float[] img = gen.render(gen.sample(true), p.observation(true));
            assertEquals(p.bands().size() * p.size() * p.size(), img.length, p.name());
            for (float v : img) {
                assertTrue(Float.isFinite(v), p.name());
            }
        }
        float[] viaArray = new SyntheticGalaxyGenerator(3, SyntheticGalaxyGenerator.Config.hlsp()).render(
                new SyntheticGalaxyGenerator(3, SyntheticGalaxyGenerator.Config.hlsp()).sample(false, 0),
                List.of("F814W", "F160W"), 75, 0.1875, new double[] {0.09, 0.18}, NoiseModel.PRISTINE);
        assertEquals(2 * 75 * 75, viaArray.length);
    }

    @Test
    void invalidConfigIsRejected() {
        DeepMergeException e = assertThrows(DeepMergeException.class,
                () -> new SyntheticGalaxyGenerator(1, new SyntheticGalaxyGenerator.Config(8.5, 1.54, 10, 1)));
        assertEquals(DeepMergeException.Reason.INVALID_CONFIG, e.reason());
        assertTrue(e.getMessage().contains("flux range"));
        e = assertThrows(DeepMergeException.class,
                () -> new SyntheticGalaxyGenerator(1, new SyntheticGalaxyGenerator.Config(0, 1.54, 1, 10)));
        assertTrue(e.getMessage().contains("kpcPerArcsec"));
    }
}
