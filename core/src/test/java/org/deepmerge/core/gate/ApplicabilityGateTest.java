package org.deepmerge.core.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.alert.AlertFormat;
import org.deepmerge.core.alert.CatalogueContext;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.Normalisation;
import org.deepmerge.core.model.OutputKind;
import org.deepmerge.core.model.ResampleMode;
import org.deepmerge.core.preprocess.Preprocessor;
import org.junit.jupiter.api.Test;

/** Each gate reason on synthetic ZTF-like stamps (63x63 px at 1.012"/px, sky 100, noise sigma 5). */
class ApplicabilityGateTest {
    static final double ZTF_SCALE = 1.012;
    static final double SKY = 100;
    static final double NOISE = 5;

    /** The new default model's contract: one band-agnostic channel, 40x40 at 1.2"/px, survey normalisation. */
    static ModelContract contract(ResampleMode mode) {
        return new ModelContract("images", -1, List.of("any"), 40, 40, 1.2, mode, Normalisation.survey(0.1f), "p",
                OutputKind.LOGITS, List.of("non_merger", "merger"), 1, "gate-test", "1", Map.of());
    }

    static final ApplicabilityGate GATE = new ApplicabilityGate(GateConfig.defaults(), contract(ResampleMode.ANGULAR));

    static Alert alert(CatalogueContext cat) {
        return new Alert(AlertFormat.ZTF_AVRO_CONTAINER, "ZTF", "1", "ZTF18aaaaaaa", 10, 20, 59000, List.of(), cat);
    }

    static final Alert NO_CATALOGUE = alert(new CatalogueContext(null, null, 2.0));

    /** Noise only. */
    static float[] noise(int w, int h, long seed) {
        Random r = new Random(seed);
        float[] px = new float[w * h];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) (SKY + NOISE * r.nextGaussian());
        }
        return px;
    }

    /** Adds a circular Gaussian of total flux f and FWHM (arcsec) at the stamp centre, integrated over each pixel. */
    static void addGaussian(float[] px, int w, int h, double flux, double fwhmArcsec, double scale) {
        double s = fwhmArcsec / scale / ApplicabilityGate.FWHM_PER_SIGMA;
        double cx = w / 2.0;
        double cy = h / 2.0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double gx = cdf((x + 1 - cx) / s) - cdf((x - cx) / s);
                double gy = cdf((y + 1 - cy) / s) - cdf((y - cy) / s);
                px[y * w + x] += (float) (flux * gx * gy);
            }
        }
    }

    /**
     * Adds an exponential disk (Sersic n = 1) of total flux f and half-light radius re (arcsec), axis ratio q,
     * convolved with a Gaussian PSF of the given FWHM, by direct convolution on a 4x sub-sampled grid.
     */
    static void addConvolvedDisk(float[] px, int w, int h, double flux, double reArcsec, double q, double psfArcsec,
                                 double scale) {
        int sub = 4;
        int sw = w * sub;
        int sh = h * sub;
        double hScale = reArcsec / 1.678 / scale * sub; // disk scale length, sub-pixels (re = 1.678 h)
        double[] disk = new double[sw * sh];
        double sum = 0;
        for (int y = 0; y < sh; y++) {
            for (int x = 0; x < sw; x++) {
                double dx = (x + 0.5 - sw / 2.0);
                double dy = (y + 0.5 - sh / 2.0) / q;
                double v = Math.exp(-Math.sqrt(dx * dx + dy * dy) / hScale);
                disk[y * sw + x] = v;
                sum += v;
            }
        }
        double ps = psfArcsec / scale * sub / ApplicabilityGate.FWHM_PER_SIGMA;
        int k = (int) Math.ceil(4 * ps);
        double[] kernel = new double[2 * k + 1];
        double ks = 0;
        for (int i = -k; i <= k; i++) {
            kernel[i + k] = Math.exp(-0.5 * i * i / (ps * ps));
            ks += kernel[i + k];
        }
        double[] tmp = new double[sw * sh];
        for (int y = 0; y < sh; y++) {
            for (int x = 0; x < sw; x++) {
                double a = 0;
                for (int i = -k; i <= k; i++) {
                    int xx = x + i;
                    if (xx >= 0 && xx < sw) {
                        a += disk[y * sw + xx] * kernel[i + k];
                    }
                }
                tmp[y * sw + x] = a / ks;
            }
        }
        for (int y = 0; y < sh; y++) {
            for (int x = 0; x < sw; x++) {
                double a = 0;
                for (int i = -k; i <= k; i++) {
                    int yy = y + i;
                    if (yy >= 0 && yy < sh) {
                        a += tmp[yy * sw + x] * kernel[i + k];
                    }
                }
                px[(y / sub) * w + x / sub] += (float) (flux * a / ks / sum);
            }
        }
    }

    static double cdf(double z) {
        return 0.5 * (1 + erf(z / Math.sqrt(2)));
    }

    /** Abramowitz and Stegun 7.1.26, |error| &lt; 1.5e-7. */
    static double erf(double x) {
        double t = 1 / (1 + 0.3275911 * Math.abs(x));
        double y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592)
                * t * Math.exp(-x * x);
        return Math.copySign(y, x);
    }

    static Stamp stamp(float[] px, int w, int h) {
        return new Stamp(w, h, px, ZTF_SCALE, 0);
    }

    static Applicability judge(ApplicabilityGate gate, Alert alert, Stamp s) throws Exception {
        Preprocessor pre = new Preprocessor(contract(ResampleMode.ANGULAR));
        float[] image = pre.toTensor(List.of(s));
        return gate.evaluate(alert, List.of(s), image, 0);
    }

    static Stamp galaxy(long seed) {
        float[] px = noise(63, 63, seed);
        addConvolvedDisk(px, 63, 63, 20000, 4.0, 0.6, 2.0, ZTF_SCALE);
        return stamp(px, 63, 63);
    }

    @Test
    void extendedGalaxyIsApplicable() throws Exception {
        Applicability a = judge(GATE, NO_CATALOGUE, galaxy(1));
        assertTrue(a.applicable(), a.detail());
        assertNull(a.reason());
        assertNull(a.label());
        assertTrue(a.detail().contains("central S/N"), a.detail());
    }

    @Test
    void catalogueStarWithinRadiusIsNotApplicableButFarOrGalaxyLikeIsChecked() throws Exception {
        Applicability star = judge(GATE, alert(new CatalogueContext(0.98, 0.3, 2.0)), galaxy(2));
        assertEquals(NotApplicableReason.POINT_SOURCE_CATALOGUE, star.reason(), star.detail());
        assertTrue(star.detail().contains("0.980") && star.detail().contains("0.30"), star.detail());
        assertTrue(star.label().startsWith("POINT_SOURCE_CATALOGUE: "));
        assertTrue(judge(GATE, alert(new CatalogueContext(0.98, 2.5, 2.0)), galaxy(2)).applicable(), "star 2.5\" away");
        assertTrue(judge(GATE, alert(new CatalogueContext(0.2, 0.3, 2.0)), galaxy(2)).applicable(), "PS1 galaxy");
        assertTrue(judge(GATE, alert(new CatalogueContext(null, 0.3, 2.0)), galaxy(2)).applicable(), "unknown score");
    }

    @Test
    void stampCoveringLessThanThreeQuartersOfTheFieldIsTooSmallInAngularModeOnly() throws Exception {
        // Rubin-like: 30x30 px at 0.2"/px = 6", against a 48" field
        float[] px = noise(30, 30, 3);
        addGaussian(px, 30, 30, 5000, 3.0, 0.2);
        Stamp rubin = new Stamp(30, 30, px, 0.2, 0);
        Applicability a = GATE.evaluate(alert(CatalogueContext.UNKNOWN), List.of(rubin), null, 0);
        assertEquals(NotApplicableReason.STAMP_TOO_SMALL, a.reason(), a.detail());
        assertTrue(a.detail().contains("6.0 x 6.0 arcsec") && a.detail().contains("48.0 x 48.0"), a.detail());
        // a ZTF edge stamp of 35 px (35.4") is below 36" = 75% of 48"; 36 px (36.4") is not
        assertEquals(NotApplicableReason.STAMP_TOO_SMALL,
                GATE.evaluate(NO_CATALOGUE, List.of(stamp(noise(63, 35, 4), 63, 35)), null, 0).reason());
        float[] edge = noise(63, 36, 4);
        addConvolvedDisk(edge, 63, 36, 20000, 4.0, 0.6, 2.0, ZTF_SCALE);
        Applicability ok = GATE.evaluate(NO_CATALOGUE, List.of(stamp(edge, 63, 36)), null, 0);
        assertTrue(ok.applicable(), ok.detail());
        ApplicabilityGate fit = new ApplicabilityGate(GateConfig.defaults(), contract(ResampleMode.FIT));
        assertTrue(fit.evaluate(alert(CatalogueContext.UNKNOWN), List.of(rubin), null, 0).reason()
                != NotApplicableReason.STAMP_TOO_SMALL, "FIT mode never checks the field");
    }

    @Test
    void skyOnlyAndConstantStampsAreEmpty() throws Exception {
        Applicability sky = judge(GATE, NO_CATALOGUE, stamp(noise(63, 63, 5), 63, 63));
        assertEquals(NotApplicableReason.EMPTY_STAMP, sky.reason(), sky.detail());
        assertTrue(sky.detail().contains("S/N"), sky.detail());
        float[] flat = new float[63 * 63];
        java.util.Arrays.fill(flat, 7f);
        Applicability c = judge(GATE, NO_CATALOGUE, stamp(flat, 63, 63));
        assertEquals(NotApplicableReason.EMPTY_STAMP, c.reason(), c.detail());
        assertTrue(c.detail().contains("constant"), c.detail());
        // a faint source: total flux 150 in a 12x12 aperture of sigma 5 -> S/N 2.5, below 5
        float[] faint = noise(63, 63, 6);
        addGaussian(faint, 63, 63, 150, 2.0, ZTF_SCALE);
        assertEquals(NotApplicableReason.EMPTY_STAMP, judge(GATE, NO_CATALOGUE, stamp(faint, 63, 63)).reason());
    }

    @Test
    void gaussianPointSourcesAreRejectedAndExtendedOrCompactGalaxiesAreNot() throws Exception {
        int stars = 0;
        for (long seed = 10; seed < 20; seed++) {
            for (double flux : new double[] {2000, 20000, 200000}) {
                float[] px = noise(63, 63, seed);
                addGaussian(px, 63, 63, flux, 2.0, ZTF_SCALE);
                Applicability a = judge(GATE, NO_CATALOGUE, stamp(px, 63, 63));
                assertEquals(NotApplicableReason.POINT_SOURCE_STAMP, a.reason(), "flux " + flux + ": " + a.detail());
                stars++;
            }
        }
        assertEquals(30, stars);
        // compact galaxies: exponential disks with half-light radius 1" and 1.5" under the same 2" PSF
        for (double re : new double[] {1.0, 1.5, 3.0}) {
            for (long seed = 30; seed < 35; seed++) {
                float[] px = noise(63, 63, seed);
                addConvolvedDisk(px, 63, 63, 20000, re, 1.0, 2.0, ZTF_SCALE);
                Applicability a = judge(GATE, NO_CATALOGUE, stamp(px, 63, 63));
                assertTrue(a.applicable(), "disk re " + re + "\": " + a.detail());
            }
        }
        // the same star under a seeing the alert says is 3" looks even more point-like; under unknown seeing
        // (no catalogue context, unknown survey) the stamp check is skipped
        float[] px = noise(63, 63, 40);
        addGaussian(px, 63, 63, 20000, 2.0, ZTF_SCALE);
        Alert unknown = new Alert(AlertFormat.DEEPMERGE_CUTOUT, "SIM", "s", null, 0, 0, 0, List.of(), null);
        assertTrue(judge(GATE, unknown, stamp(px, 63, 63)).applicable());
    }

    @Test
    void mostlyNonFiniteStampsAndConstantModelInputsAreOutOfRange() throws Exception {
        Stamp g = galaxy(50);
        Stamp patched = new Stamp(63, 63, g.pixels(), ZTF_SCALE, 63 * 63 / 3);
        Applicability a = judge(GATE, NO_CATALOGUE, patched);
        assertEquals(NotApplicableReason.OUT_OF_RANGE, a.reason(), a.detail());
        assertTrue(a.detail().contains("33%"), a.detail());
        Stamp fewPatched = new Stamp(63, 63, g.pixels(), ZTF_SCALE, 63 * 63 / 5);
        assertTrue(judge(GATE, NO_CATALOGUE, fewPatched).applicable());
        float[] flatInput = new float[40 * 40];
        Applicability c = GATE.evaluate(NO_CATALOGUE, List.of(g), flatInput, 0);
        assertEquals(NotApplicableReason.OUT_OF_RANGE, c.reason(), c.detail());
        assertTrue(c.detail().contains("constant"), c.detail());
        float[] nan = new Preprocessor(contract(ResampleMode.ANGULAR)).toTensor(List.of(g));
        nan[17] = Float.NaN;
        assertEquals(NotApplicableReason.OUT_OF_RANGE, GATE.evaluate(NO_CATALOGUE, List.of(g), nan, 0).reason());
    }

    @Test
    void disabledGateLetsEverythingThrough() throws Exception {
        ApplicabilityGate off = new ApplicabilityGate(GateConfig.disabled(), contract(ResampleMode.ANGULAR));
        float[] flat = new float[63 * 63];
        Applicability a = off.evaluate(alert(new CatalogueContext(1.0, 0.0, 2.0)), List.of(stamp(flat, 63, 63)), null, 0);
        assertTrue(a.applicable());
        assertEquals("gate disabled", a.detail());
        assertFalse(GateConfig.disabled().enabled());
    }
}
