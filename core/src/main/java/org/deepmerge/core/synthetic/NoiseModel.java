package org.deepmerge.core.synthetic;

/**
 * Image noise: Gaussian sky noise set by a limiting surface brightness, plus optional source (Poisson-like)
 * noise.
 *
 * <p><b>Convention.</b> The limit {@code mu_lim} (AB mag/arcsec^2) is the surface brightness whose value equals
 * {@code nSigma} times the standard deviation of the mean surface brightness measured in a box of
 * {@code areaArcsec2}. With {@code 1 uJy = 23.9 AB} ({@code m_AB = -2.5 log10(F_nu / 3631 Jy)}):
 * <pre>
 *   S_lim   = 10^(-0.4 (mu_lim - 23.9))             [uJy/arcsec^2]
 *   sigma_A = S_lim / nSigma                          [uJy/arcsec^2, rms of the mean over the box]
 *   sigma_px = sigma_A * sqrt(areaArcsec2 / pixelScale^2)   [uJy/arcsec^2, per pixel, white noise]
 * </pre>
 * The default ({@link #limiting(double)}) is 1 sigma over 1 arcsec^2. For the HLSP "noisy" sets
 * ({@code mu_lim ~ 25}) at 0.1875 arcsec/px this gives {@code sigma_px = 0.363 * 5.333 = 1.94 uJy/arcsec^2}.
 * Román et al. 2020 (A&amp;A 644, A42) use 3 sigma over 10"x10" boxes: {@code new NoiseModel(mu, 3, 100, 0)}.
 *
 * <p>Source noise: each pixel gets an extra Gaussian deviate with variance {@code max(I, 0) / sourceGain},
 * where {@code sourceGain} is the effective number of detected counts per uJy/arcsec^2 in one pixel (the
 * Gaussian limit of Poisson statistics); 0 disables it.
 *
 * @param limitingMagArcsec2 mu_lim, AB mag/arcsec^2; NaN for no sky noise (pristine)
 * @param nSigma             how many sigma the limit represents, &gt; 0
 * @param areaArcsec2        box area the limit refers to, arcsec^2, &gt; 0
 * @param sourceGain         counts per (uJy/arcsec^2) per pixel for source noise; 0 = none
 */
public record NoiseModel(double limitingMagArcsec2, double nSigma, double areaArcsec2, double sourceGain) {

    /** AB magnitude of 1 microJansky: -2.5 log10(1e-6 / 3631) = 23.9 (Oke &amp; Gunn 1983). */
    public static final double AB_MAG_OF_ONE_MICROJANSKY = 23.9;

    /** No noise at all: the HLSP "pristine" sets. */
    public static final NoiseModel PRISTINE = new NoiseModel(Double.NaN, 1, 1, 0);

    /**
     * The HLSP noisy sets as this project reads them: 25 AB mag/arcsec^2 as a 1-sigma limit per 0.1875" pixel,
     * i.e. 0.363 uJy/arcsec^2 per pixel (the HLSP does not state its convention; see {@link SurveyPreset}).
     */
    public static final NoiseModel HLSP_NOISY = new NoiseModel(25.0, 1, 0.1875 * 0.1875, 0);

    public NoiseModel {
        if (!(nSigma > 0) || !(areaArcsec2 > 0) || !(sourceGain >= 0) || Double.isInfinite(sourceGain)
                || Double.isInfinite(limitingMagArcsec2)) {
            throw new IllegalArgumentException("noise model needs nSigma > 0, area > 0, finite sourceGain >= 0: "
                    + nSigma + ", " + areaArcsec2 + ", " + sourceGain);
        }
    }

    /**
     * @param limitingMagArcsec2 1-sigma limit over 1 arcsec^2, AB mag/arcsec^2
     * @return sky noise only, the default convention
     */
    public static NoiseModel limiting(double limitingMagArcsec2) {
        return new NoiseModel(limitingMagArcsec2, 1, 1, 0);
    }

    /** @return true when no noise is added */
    public boolean isPristine() {
        return Double.isNaN(limitingMagArcsec2) && sourceGain == 0;
    }

    /**
     * @param magArcsec2 surface brightness, AB mag/arcsec^2
     * @return the same in microJansky/arcsec^2
     */
    public static double magToMicroJy(double magArcsec2) {
        return Math.pow(10, -0.4 * (magArcsec2 - AB_MAG_OF_ONE_MICROJANSKY));
    }

    /**
     * @param pixelScaleArcsec pixel scale, arcsec/px
     * @return standard deviation of the sky noise in one pixel, microJansky/arcsec^2 (0 without sky noise)
     */
    public double skySigmaPerPixel(double pixelScaleArcsec) {
        if (Double.isNaN(limitingMagArcsec2)) {
            return 0;
        }
        return magToMicroJy(limitingMagArcsec2) / nSigma * Math.sqrt(areaArcsec2) / pixelScaleArcsec;
    }
}
