package org.deepmerge.core.synthetic;

/**
 * The special functions behind the synthetic galaxies: the Sersic {@code b_n} constant, the Sersic
 * total-flux integral, ln Gamma and the normal CDF.
 *
 * <p>Sources: Ciotti &amp; Bertin 1999, A&amp;A 352, 447, eq. 18 (asymptotic {@code b_n}; relative error
 * below 1e-4 for n &gt; 0.36 per MacArthur, Courteau &amp; Holtzman 2003, ApJ 582, 689); Graham &amp; Driver 2005, PASA 22, 118, eq. 4 (total flux of an elliptical
 * Sersic profile); Lanczos 1964, SIAM J. Numer. Anal. B1, 86 (ln Gamma, g = 7, 9 coefficients, ~1e-15);
 * Abramowitz &amp; Stegun 1964, eq. 7.1.26 (erf, absolute error below 1.5e-7).
 */
public final class SersicMath {

    /** Smallest Sersic index for which the Ciotti &amp; Bertin expansion is accurate. */
    public static final double MIN_SERSIC_INDEX = 0.36;
    /** Largest Sersic index the generator accepts. */
    public static final double MAX_SERSIC_INDEX = 10.0;

    private static final double[] LANCZOS = {
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
        -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
        1.5056327351493116e-7};

    private SersicMath() {
    }

    /**
     * {@code b_n} such that the effective radius encloses half the light (Ciotti &amp; Bertin 1999, eq. 18):
     * {@code 2n - 1/3 + 4/(405n) + 46/(25515n^2) + 131/(1148175n^3) - 2194697/(30690717750n^4)}.
     *
     * @param n Sersic index, {@value #MIN_SERSIC_INDEX} to {@value #MAX_SERSIC_INDEX}
     * @return b_n
     * @throws IllegalArgumentException if n is outside that range
     */
    public static double bn(double n) {
        checkIndex(n);
        return 2 * n - 1.0 / 3 + 4 / (405 * n) + 46 / (25515 * n * n) + 131 / (1148175 * n * n * n)
                - 2194697 / (30690717750.0 * n * n * n * n);
    }

    /**
     * Total flux of an elliptical Sersic profile divided by {@code I_e R_e^2}:
     * {@code 2 pi q n e^{b_n} b_n^{-2n} Gamma(2n)} (Graham &amp; Driver 2005, eq. 4 times the axis ratio).
     *
     * @param n Sersic index
     * @param q axis ratio b/a, (0, 1]
     * @return the dimensionless flux factor
     */
    public static double fluxFactor(double n, double q) {
        double b = bn(n);
        return 2 * Math.PI * q * n * Math.exp(b + lnGamma(2 * n) - 2 * n * Math.log(b));
    }

    /**
     * Surface brightness at the effective radius for a requested total flux.
     *
     * @param totalFlux     total flux, e.g. microJansky
     * @param n             Sersic index
     * @param reArcsec      effective (half-light) radius along the major axis, arcsec
     * @param q             axis ratio b/a
     * @return I_e in flux units per arcsec^2 (microJansky/arcsec^2 for microJansky in)
     */
    public static double intensityAtRe(double totalFlux, double n, double reArcsec, double q) {
        return totalFlux / (fluxFactor(n, q) * reArcsec * reArcsec);
    }

    /**
     * ln Gamma(x) by the Lanczos approximation (g = 7), with the reflection formula below 0.5.
     *
     * @param x argument, not a non-positive integer
     * @return ln |Gamma(x)|
     */
    public static double lnGamma(double x) {
        if (x < 0.5) {
            return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
        }
        double z = x - 1;
        double a = LANCZOS[0];
        double t = z + 7.5;
        for (int i = 1; i < LANCZOS.length; i++) {
            a += LANCZOS[i] / (z + i);
        }
        return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
    }

    /**
     * Error function, Abramowitz &amp; Stegun 7.1.26 (|error| &lt; 1.5e-7).
     *
     * @param x argument
     * @return erf(x)
     */
    public static double erf(double x) {
        double ax = Math.abs(x);
        double t = 1 / (1 + 0.3275911 * ax);
        double y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t
                + 0.254829592) * t * Math.exp(-ax * ax);
        return x >= 0 ? y : -y;
    }

    /**
     * Standard normal cumulative distribution function.
     *
     * @param x argument in units of sigma
     * @return P(X &lt;= x) for X ~ N(0, 1)
     */
    public static double normalCdf(double x) {
        return 0.5 * (1 + erf(x / Math.sqrt(2)));
    }

    static void checkIndex(double n) {
        if (!(n >= MIN_SERSIC_INDEX && n <= MAX_SERSIC_INDEX)) {
            throw new IllegalArgumentException("Sersic index " + n + " outside [" + MIN_SERSIC_INDEX + ", "
                    + MAX_SERSIC_INDEX + "]");
        }
    }
}
