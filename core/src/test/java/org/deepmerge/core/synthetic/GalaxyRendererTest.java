package org.deepmerge.core.synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deepmerge.core.DeepMergeException;
import org.junit.jupiter.api.Test;

class GalaxyRendererTest {

    private static final double SCALE = 0.1875;

    static GalaxySpec single(double n, double reArcsec, double q, double fluxMicroJy) {
        SersicComponent c = new SersicComponent(0.1, -0.05, n, reArcsec, q, 30, 0, 0,
                new Sed(fluxMicroJy, 1.54, 1.0, 0.5), "test");
        return new GalaxySpec(false, GalaxyKind.SERSIC, List.of(c), List.of(), 8.533, Double.NaN, 0, 0, 1234L);
    }

    static double sum(float[] img, int from, int count) {
        double s = 0;
        for (int i = from; i < from + count; i++) {
            s += img[i];
        }
        return s;
    }

    @Test
    void wellResolvedSersicConservesFlux() throws DeepMergeException {
        for (double n : new double[] {0.5, 1, 2.5}) {
            GalaxySpec spec = single(n, 1.0, 0.6, 10);
            Observation obs = Observation.gaussian(List.of("F160W"), 151, SCALE, new double[] {0}, NoiseModel.PRISTINE);
            float[] img = GalaxyRenderer.render(spec, obs);
            double flux = sum(img, 0, img.length) * SCALE * SCALE;
            assertEquals(10, flux, 0.3, "total flux, n=" + n);
        }
    }

    @Test
    void subPixelGalaxyIsNotAliased() throws DeepMergeException {
        // R_e = 0.4 px: point sampling at pixel centres would miss or overshoot the flux badly
        GalaxySpec spec = single(1, 0.4 * SCALE, 0.8, 5);
        Observation obs = Observation.gaussian(List.of("F160W"), 31, SCALE, new double[] {0}, NoiseModel.PRISTINE);
        float[] img = GalaxyRenderer.render(spec, obs);
        assertEquals(5, sum(img, 0, img.length) * SCALE * SCALE, 0.15);
    }

    @Test
    void deVaucouleursFluxWithinAFewPercent() throws DeepMergeException {
        // n = 4 has extended wings: R_e = 0.75" in a 201 px (37.7") stamp holds ~99.8% of the light
        GalaxySpec spec = single(4, 0.75, 1.0, 10);
        Observation obs = Observation.gaussian(List.of("F160W"), 201, SCALE, new double[] {0}, NoiseModel.PRISTINE);
        float[] img = GalaxyRenderer.render(spec, obs);
        double flux = sum(img, 0, img.length) * SCALE * SCALE;
        assertTrue(flux > 9.7 && flux < 10.05, "n=4 flux " + flux);
    }

    @Test
    void psfConservesFluxAndHasTheRequestedWidth() throws DeepMergeException {
        // a near point source: a blob of sigma 0.01" blurred by a 0.6" FWHM Gaussian and a 0.6" Moffat
        GaussianBlob point = new GaussianBlob(0, 0, 0.01, new Sed(3, 1.54, 0, 0), "point");
        SersicComponent faint = new SersicComponent(0, 0, 1, 0.2, 1, 0, 0, 0, new Sed(1e-9, 1.54, 0, 0), "faint");
        GalaxySpec spec = new GalaxySpec(false, GalaxyKind.SERSIC, List.of(faint), List.of(point), 8.533,
                Double.NaN, 0, 0, 1L);
        Observation obs = Observation.of(List.of("F160W", "F814W"), 61, SCALE,
                List.of(Psf.gaussian(0.6), Psf.moffat(0.6, 3)), NoiseModel.PRISTINE);
        float[] img = GalaxyRenderer.render(spec, obs);
        int plane = 61 * 61;
        assertEquals(3, sum(img, 0, plane) * SCALE * SCALE, 0.01, "Gaussian PSF flux");
        assertEquals(3, sum(img, plane, plane) * SCALE * SCALE, 0.01, "Moffat PSF flux (kernel renormalised)");
        double m2 = 0;
        double s = 0;
        for (int y = 0; y < 61; y++) {
            for (int x = 0; x < 61; x++) {
                double v = img[y * 61 + x];
                m2 += v * (x - 30) * (x - 30);
                s += v;
            }
        }
        double sigmaArcsec = Math.sqrt(m2 / s) * SCALE;
        double expected = Math.sqrt(Math.pow(0.6 * Psf.GAUSSIAN_SIGMA_PER_FWHM, 2) + SCALE * SCALE / 12);
        assertEquals(expected, sigmaArcsec, 0.01, "Gaussian PSF sigma");
        // half maximum of the Moffat profile near FWHM/2 from the centre
        double peak = img[plane + 30 * 61 + 30];
        assertTrue(peak > 0);
        double atHalfFwhm = img[plane + 30 * 61 + 30 + (int) Math.round(0.3 / SCALE)];
        assertTrue(atHalfFwhm / peak > 0.35 && atHalfFwhm / peak < 0.75, "Moffat profile at FWHM/2: " + atHalfFwhm / peak);
    }

    @Test
    void skyNoiseMatchesLimitingSurfaceBrightness() throws DeepMergeException {
        // 25 mag/arcsec^2 -> 10^(-0.4 (25 - 23.9)) = 0.36308 uJy/arcsec^2
        assertEquals(0.363078, NoiseModel.magToMicroJy(25), 1e-5);
        assertEquals(0.363078 / SCALE, NoiseModel.limiting(25).skySigmaPerPixel(SCALE), 1e-5);
        assertEquals(0.363078, NoiseModel.HLSP_NOISY.skySigmaPerPixel(SCALE), 1e-5);
        assertEquals(0.363078 / 3 * 10 / SCALE, new NoiseModel(25, 3, 100, 0).skySigmaPerPixel(SCALE), 1e-4);
        assertEquals(0, NoiseModel.PRISTINE.skySigmaPerPixel(SCALE));

        GalaxySpec spec = single(1, 0.5, 0.7, 5);
        NoiseModel noise = NoiseModel.limiting(24.5);
        Observation pristine = Observation.gaussian(List.of("F814W", "F160W"), 75, SCALE, new double[] {0.09, 0.18},
                NoiseModel.PRISTINE);
        float[] clean = GalaxyRenderer.render(spec, pristine);
        float[] noisy = GalaxyRenderer.render(spec, pristine.withNoise(noise));
        double expected = noise.skySigmaPerPixel(SCALE);
        for (int c = 0; c < 2; c++) {
            double ss = 0;
            double mean = 0;
            int n = 75 * 75;
            for (int i = c * n; i < (c + 1) * n; i++) {
                double d = noisy[i] - clean[i];
                ss += d * d;
                mean += d;
            }
            assertEquals(expected, Math.sqrt(ss / n), 0.04 * expected, "channel " + c + " noise sigma");
            assertEquals(0, mean / n, 4 * expected / Math.sqrt(n), "noise is zero-mean");
        }
        assertNotEquals(noisy[0], noisy[75 * 75], "bands get independent noise");
    }

    @Test
    void sourceNoiseScalesWithSignal() throws DeepMergeException {
        GalaxySpec spec = single(1, 1.0, 1.0, 200);
        Observation pristine = Observation.gaussian(List.of("F160W"), 45, SCALE, new double[] {0}, NoiseModel.PRISTINE);
        float[] clean = GalaxyRenderer.render(spec, pristine);
        double gain = 5;
        float[] noisy = GalaxyRenderer.render(spec, pristine.withNoise(new NoiseModel(Double.NaN, 1, 1, gain)));
        double chi2 = 0;
        int n = 0;
        for (int i = 0; i < clean.length; i++) {
            if (clean[i] > 1) {
                double d = noisy[i] - clean[i];
                chi2 += d * d / (clean[i] / gain);
                n++;
            }
        }
        assertTrue(n > 200, "bright pixels: " + n);
        assertEquals(1.0, chi2 / n, 0.15, "reduced chi^2 of source noise");
    }

    @Test
    void unknownBandAndBadGeometryAreRejected() {
        GalaxySpec spec = single(1, 1, 1, 1);
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> GalaxyRenderer.render(spec,
                Observation.gaussian(List.of("Q9"), 10, SCALE, new double[] {0}, NoiseModel.PRISTINE)));
        assertEquals(DeepMergeException.Reason.INVALID_CONFIG, e.reason());
        assertTrue(e.getMessage().contains("Q9"));
        e = assertThrows(DeepMergeException.class, () -> Observation.gaussian(List.of("F160W"), 10, SCALE,
                new double[] {0.1, 0.2}, NoiseModel.PRISTINE));
        assertEquals(DeepMergeException.Reason.INVALID_CONFIG, e.reason());
        e = assertThrows(DeepMergeException.class, () -> Observation.gaussian(List.of("F160W"), 0, SCALE,
                new double[] {0.1}, NoiseModel.PRISTINE));
        assertTrue(e.getMessage().contains("size"));
    }
}
