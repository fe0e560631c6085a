package org.deepmerge.core.morphology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Analytic Sersic profiles (n = 1 exponential disk, n = 4 de Vaucouleurs) drawn by the project's renderer, measured,
 * and compared with the same statistics computed from the continuous profile ({@link AnalyticProfile}).
 *
 * <p>Set-up: 201x201 px at 0.5 arcsec/px, R_e = 5" = 10 px (n = 1) and 10" = 20 px (n = 4), round, no PSF, white noise
 * of 1e-5 (n = 1) and 3e-4 (n = 4) of the brightest pixel, so that the stamp's border is sky-dominated (the n = 4
 * wings are still 1.6 sigma at the border for 1e-4: the stamp would rightly be flagged NOT_SKY_SUBTRACTED) and the
 * detection segment ends inside the stamp. Expected values (continuous profile, the definitions of {@link Morphology}):
 * <pre>
 *            r_p (px)  C (1.5 r_p)  C (to infinity)  G (r &lt; r_p)  M20 (r &lt; r_p)  r_half (2 r_p, px)
 *   n = 1    21.59     2.736        2.801            0.489          -1.816          9.94
 *   n = 4    36.41     4.286        5.273            0.601          -2.472          14.59
 * </pre>
 * The C to infinity are the textbook values (an exponential 2.8, de Vaucouleurs 5.3: e.g. Bershady, Jangren &amp;
 * Conselice 2000, AJ 119, 2645, quote ~2.7 and ~5.2 from profiles fitted within finite radii); statmorph's total within
 * 1.5 r_p misses 3% of an exponential's light but 23% of a de Vaucouleurs', hence 4.29.
 *
 * <p>Tolerances come from the pixels, which the continuous values do not have: each pixel is the profile's mean over
 * 1 px (the renderer oversamples 5x5, 20x20 near the centre), which blurs the profile by a 1 px box (variance 1/12 px^2)
 * and matters most at the smallest radius used, r20 = 4.8 px (n = 1) and 4.2 px (n = 4) and the brightest-20% radius of
 * M20 (~3.6 px for n = 4, where the cusp is steep); and the Gini segmap is the smoothed image's isophote, only close to
 * the disk r &lt; r_p. Hence C within 0.02 (n = 1) and 0.03 (n = 4, i.e. 1.4% in r80/r20), G within 0.01, M20 within
 * 0.01 and 0.03, radii within 0.5% and 1%. The Gini's (n - 1) denominator changes G by n / (n - 1) - 1 &lt; 0.1% for the
 * 1,500-4,200 pixels here.
 */
class MorphologySersicTest {
    static final double SCALE = 0.5;
    static final int SIZE = 201;

    @Test
    void theAnalyticHelperReproducesTheClosedForms() {
        // for integer 2n the incomplete gamma function has a closed form: F(r)/F_tot = P(2n, x) with x = b (r/r_e)^(1/n)
        // and P(m, x) = 1 - e^-x sum_{k<m} x^k / k!
        for (int n : new int[] {1, 4}) {
            AnalyticProfile.Sersic p = new AnalyticProfile.Sersic(n, 10);
            for (double r : new double[] {0.5, 3, 10, 40, 200}) {
                double x = p.b * Math.pow(r / 10, 1.0 / n);
                double sum = 0;
                double term = 1;
                for (int k = 0; k < 2 * n; k++) {
                    sum += term;
                    term *= x / (k + 1);
                }
                assertEquals(1 - Math.exp(-x) * sum, p.flux(r) / p.totalFlux(), 1e-9, "n=" + n + " r=" + r);
            }
        }
        // exponential: (1 + x) e^-x = 0.8 at x = 0.82439, = 0.2 at x = 2.99431 -> C = 5 log10(3.63214) = 2.8006
        assertEquals(2.8006, new AnalyticProfile.Sersic(1, 10).concentrationToInfinity(), 1e-3);
        assertEquals(5.273, new AnalyticProfile.Sersic(4, 20).concentrationToInfinity(), 1e-3);
        // a uniform disk has G = 0 by the identity G = 1 - 2 M(R) / (R^2 F(R)): a Sersic with n -> small is not
        // available, so check the identity on the Gaussian's closed forms against its direct definition instead
        AnalyticProfile.Gaussian g = new AnalyticProfile.Gaussian(2);
        double direct = 1 - 4 / 36.0 * AnalyticProfile.simpson(r -> (1 - g.flux(r) / g.flux(6)) * r, 0, 6, 2000);
        assertEquals(direct, g.gini(6), 1e-9);
    }

    @Test
    void exponentialDisk() throws Exception {
        check(1, 10, 1e-5, 0.02, 0.01, 0.01, 0.005);
    }

    @Test
    void deVaucouleurs() throws Exception {
        check(4, 20, 3e-4, 0.03, 0.01, 0.03, 0.01);
    }

    private static void check(double n, double rePx, double noise, double tolC, double tolG, double tolM20,
                              double tolRadius) throws Exception {
        float[] img = Images.render(List.of(Images.sersic(0, 0, n, rePx * SCALE, 1, 0, 0, 1000)), List.of(), SIZE,
                SCALE, noise, 11);
        MorphologyResult m = Morphology.measure(img, SIZE, SIZE, SCALE);
        AnalyticProfile.Sersic p = new AnalyticProfile.Sersic(n, rePx);
        double rp = p.petrosianRadius();
        String what = "n=" + n + ": " + m;
        System.out.printf("Sersic n=%.0f: C %.4f (expected %.4f), G %.4f (%.4f), M20 %.4f (%.4f), r_p %.3f\" (%.3f),"
                        + " r_half %.3f\" (%.3f), A %.5f%n", n, m.concentration(), p.concentration(), m.gini(),
                p.gini(rp), m.m20(), p.m20(rp), m.petrosianRadiusArcsec(), rp * SCALE, m.halfLightRadiusArcsec(),
                p.radiusAtFraction(2 * rp, 0.5) * SCALE, m.asymmetry());
        assertEquals(MorphologyFlag.OK, m.flag(), what);
        assertEquals(p.concentration(), m.concentration(), tolC, what);
        assertEquals(p.gini(rp), m.gini(), tolG, what);
        assertEquals(p.m20(rp), m.m20(), tolM20, what);
        assertEquals(rp * SCALE, m.petrosianRadiusArcsec(), tolRadius * rp * SCALE, what);
        assertEquals(p.radiusAtFraction(2 * rp, 0.5) * SCALE, m.halfLightRadiusArcsec(),
                tolRadius * rp * SCALE, what);
        assertEquals(p.radiusAtFraction(1.5 * rp, 0.2) * SCALE, m.r20Arcsec(), 2 * tolRadius * rp * SCALE, what);
        // the symmetric profile is found at the stamp centre with no asymmetry beyond the noise
        assertEquals(100, m.centreX(), 0.01, what);
        assertEquals(100, m.centreY(), 0.01, what);
        assertEquals(0, m.asymmetry(), 0.01, what);
        // the Gini-M20 statistics are the published combinations; F separates the bulge (n = 4) from the disk (n = 1)
        assertEquals(0.139 * m.m20() + 0.990 * m.gini() - 0.327, m.giniM20Merger(), 1e-12);
        assertEquals(-0.693 * m.m20() + 4.95 * m.gini() - 3.96, m.giniM20Bulge(), 1e-12);
        assertTrue(n == 4 ? m.giniM20Bulge() > 0.3 : m.giniM20Bulge() < -0.1, what);
        assertTrue(m.giniM20Merger() < 0, "a single Sersic profile is not a merger: " + what);
    }
}
