package org.deepmerge.core.alert;

import java.util.Locale;

/**
 * What an alert says about the source at its position besides the stamps: the catalogue star/galaxy context and the
 * seeing, read by the applicability gate ({@code org.deepmerge.core.gate.ApplicabilityGate}). Every field is nullable:
 * null means the alert does not carry it (an older schema, a Rubin alert, a Cutout record) and the check that needs it
 * is skipped.
 *
 * @param psStarGalaxyScore   ZTF {@code candidate.sgscore1}: star/galaxy score of the nearest Pan-STARRS1 source within
 *                            30 arcsec, 0 (galaxy) to 1 (star) (Tachibana &amp; Miller 2018, PASP 130, 128001); null
 *                            when absent, null or negative (ZTF writes -999 when there is no PS1 source)
 * @param psDistanceArcsec    ZTF {@code candidate.distpsnr1}: distance from the candidate to that PS1 source, arcsec;
 *                            null when absent, null or negative
 * @param seeingFwhmArcsec    PSF FWHM of the survey image, arcsec: ZTF {@code candidate.fwhm} (SExtractor FWHM in
 *                            pixels) times the ZTF pixel scale when present and within [{@value #MIN_SEEING_FACTOR},
 *                            {@value #MAX_SEEING_FACTOR}] times the survey's typical seeing, else the typical seeing
 *                            ({@link #typicalSeeingArcsec(String)}); null when neither is known
 */
public record CatalogueContext(Double psStarGalaxyScore, Double psDistanceArcsec, Double seeingFwhmArcsec) {

    /** Typical ZTF seeing, arcsec (Bellm et al. 2019, PASP 131, 018002: median 2.0" FWHM). */
    public static final double ZTF_TYPICAL_SEEING_ARCSEC = 2.0;
    /** Typical Rubin/LSST seeing, arcsec (Ivezic et al. 2019, ApJ 873, 111: median delivered ~0.7" FWHM). */
    public static final double LSST_TYPICAL_SEEING_ARCSEC = 0.7;
    /**
     * Smallest per-alert seeing believed, as a fraction of the typical seeing. {@code candidate.fwhm} is SExtractor's
     * FWHM of the candidate on the difference image: on bogus residuals (subtraction artefacts, cosmic rays) it is
     * far from the PSF, and on the real alerts it reached 6" (3x the ZTF median).
     */
    public static final double MIN_SEEING_FACTOR = 0.5;
    /** Largest per-alert seeing believed, as a multiple of the typical seeing (see {@link #MIN_SEEING_FACTOR}). */
    public static final double MAX_SEEING_FACTOR = 2.0;

    /** Nothing known (Cutout records, assembled alerts). */
    public static final CatalogueContext UNKNOWN = new CatalogueContext(null, null, null);

    /**
     * @param survey {@link Alert#survey()}
     * @return the survey's typical seeing FWHM, arcsec: ZTF {@value #ZTF_TYPICAL_SEEING_ARCSEC}, LSST/RUBIN
     *         {@value #LSST_TYPICAL_SEEING_ARCSEC}; null for other surveys
     */
    public static Double typicalSeeingArcsec(String survey) {
        if (survey == null) {
            return null;
        }
        return switch (survey.trim().toUpperCase(Locale.ROOT)) {
            case "ZTF" -> ZTF_TYPICAL_SEEING_ARCSEC;
            case "LSST", "RUBIN" -> LSST_TYPICAL_SEEING_ARCSEC;
            default -> null;
        };
    }
}
