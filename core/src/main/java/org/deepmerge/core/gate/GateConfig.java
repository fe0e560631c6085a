package org.deepmerge.core.gate;

/**
 * Thresholds of the {@link ApplicabilityGate}, all in one place.
 *
 * @param enabled              false to send every input to the model (raw scores; {@code deepmerge.gate.enabled=false},
 *                             {@code deepmerge score --no-gate})
 * @param maxPsStarScore       POINT_SOURCE_CATALOGUE when the nearest PS1 source's star/galaxy score is above this
 *                             (0.5: the decision boundary of Tachibana &amp; Miller 2018, PASP 130, 128001, as in the
 *                             ZTF alert schema docs for {@code sgscore1})
 * @param maxPsDistanceArcsec  ... and that source is at most this far from the candidate, arcsec (1.5", the radius
 *                             ZTF itself uses to associate a detection with a source, e.g. {@code ndethist})
 * @param minFieldFraction     STAMP_TOO_SMALL when the stamp covers less than this fraction of the model's angular
 *                             field on either axis (0.75: a quarter of the field zero-padded at most)
 * @param centralFraction      side of the central aperture as a fraction of the model's field side (0.25: 12" for a
 *                             48" field; for FIT resampling, of the stamp's side); at least 3 stamp pixels
 * @param minCentralSnr        EMPTY_STAMP when the summed sky-subtracted flux of the central aperture has a
 *                             background-limited S/N below this (5, the usual detection threshold)
 * @param detectSigma          pixels above sky + this many sigma form the central source's connected region (3)
 * @param pointSourceSizeRatio POINT_SOURCE_STAMP when the central source's FWHM-equivalent size is below this many
 *                             PSF FWHM (1.2: conservative, a point source measures 1.0; a galaxy whose own size
 *                             equals the PSF measures about 1.4)
 * @param maxNonFiniteFraction OUT_OF_RANGE when more than this fraction of a stamp's pixels were non-finite and
 *                             replaced by the decoder (0.25)
 */
public record GateConfig(boolean enabled, double maxPsStarScore, double maxPsDistanceArcsec, double minFieldFraction,
                         double centralFraction, double minCentralSnr, double detectSigma, double pointSourceSizeRatio,
                         double maxNonFiniteFraction) {

    /** @throws IllegalArgumentException when a fraction is outside (0, 1] or a threshold is not a finite positive number */
    public GateConfig {
        fraction("minFieldFraction", minFieldFraction);
        fraction("centralFraction", centralFraction);
        fraction("maxNonFiniteFraction", maxNonFiniteFraction);
        positive("maxPsDistanceArcsec", maxPsDistanceArcsec);
        positive("minCentralSnr", minCentralSnr);
        positive("detectSigma", detectSigma);
        positive("pointSourceSizeRatio", pointSourceSizeRatio);
        if (!(maxPsStarScore >= 0 && maxPsStarScore <= 1)) {
            throw new IllegalArgumentException("maxPsStarScore must be in [0, 1], got " + maxPsStarScore);
        }
    }

    /** @return the documented defaults, gate enabled */
    public static GateConfig defaults() {
        return new GateConfig(true, 0.5, 1.5, 0.75, 0.25, 5.0, 3.0, 1.2, 0.25);
    }

    /** @return the defaults with the gate switched off: every input goes to the model */
    public static GateConfig disabled() {
        return defaults().withEnabled(false);
    }

    /**
     * @param on whether the gate runs
     * @return a copy with {@code enabled} set
     */
    public GateConfig withEnabled(boolean on) {
        return new GateConfig(on, maxPsStarScore, maxPsDistanceArcsec, minFieldFraction, centralFraction, minCentralSnr,
                detectSigma, pointSourceSizeRatio, maxNonFiniteFraction);
    }

    private static void fraction(String name, double v) {
        if (!(v > 0 && v <= 1)) {
            throw new IllegalArgumentException(name + " must be in (0, 1], got " + v);
        }
    }

    private static void positive(String name, double v) {
        if (!(v > 0) || !Double.isFinite(v)) {
            throw new IllegalArgumentException(name + " must be finite and > 0, got " + v);
        }
    }
}
