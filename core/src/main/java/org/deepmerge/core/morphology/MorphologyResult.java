package org.deepmerge.core.morphology;

/**
 * Non-parametric morphology of the central source of one stamp (see {@link Morphology} for the definitions and their
 * sources). Statistics that could not be computed are NaN; when {@link MorphologyFlag#measured()} is false (a failure
 * flag) they all are.
 *
 * @param flag                   the most severe problem met, {@link MorphologyFlag#OK} when none
 * @param concentration          C = 5 log10(r80 / r20), dimensionless (Conselice 2003; Lotz et al. 2004)
 * @param asymmetry              rotational asymmetry A minus the sky's, dimensionless (Conselice et al. 2000);
 *                               may be slightly negative for a symmetric source in noise
 * @param gini                   Gini coefficient of the pixel fluxes in the Gini segmap, [0, 1] (Lotz et al. 2004)
 * @param m20                    M20, log10 of the normalised second moment of the brightest 20% of the flux, dex,
 *                               &lt; 0 (Lotz et al. 2004)
 * @param giniM20Merger          S(G, M20) = 0.139 M20 + 0.990 G - 0.327 (Snyder et al. 2015; Rodriguez-Gomez et al.
 *                               2019): &gt; 0 in the merger region of the Gini-M20 plane
 * @param giniM20Bulge           F(G, M20) = -0.693 M20 + 4.95 G - 3.96 (Snyder et al. 2015; Rodriguez-Gomez et al.
 *                               2019): &gt; 0 for bulge-dominated (early-type) galaxies
 * @param halfLightRadiusArcsec  radius of the circle about the asymmetry centre holding half the light within
 *                               2 circular Petrosian radii, arcsec
 * @param petrosianRadiusArcsec  circular Petrosian radius (eta = 0.2) about the asymmetry centre, arcsec
 * @param r20Arcsec              radius holding 20% of the light within 1.5 Petrosian radii, arcsec
 * @param r80Arcsec              radius holding 80% of the light within 1.5 Petrosian radii, arcsec
 * @param centreX                asymmetry centre, x (column) in the input image, pixels (pixel centres at integers)
 * @param centreY                asymmetry centre, y (row) in the input image, pixels
 * @param segmentPixels          pixels in the central source's detection segment (0 when there is none)
 * @param snPerPixel             average signal-to-noise per pixel of the Gini segmap, the significance the statistics
 *                               are judged by (statmorph's {@code sn_per_pixel}; see {@link Morphology}); kept with
 *                               {@link MorphologyFlag#LOW_SIGNAL_TO_NOISE}, which it explains; NaN for the other
 *                               failure flags and for an image without noise (sky sigma 0)
 */
public record MorphologyResult(MorphologyFlag flag, double concentration, double asymmetry, double gini, double m20,
        double giniM20Merger, double giniM20Bulge, double halfLightRadiusArcsec, double petrosianRadiusArcsec,
        double r20Arcsec, double r80Arcsec, double centreX, double centreY, int segmentPixels, double snPerPixel) {

    public MorphologyResult {
        if (flag == null) {
            throw new IllegalArgumentException("flag is null");
        }
    }

    /**
     * @param flag          a failure flag
     * @param segmentPixels pixels in the central segment, 0 when there is none
     * @return a result with every statistic NaN
     */
    static MorphologyResult failed(MorphologyFlag flag, int segmentPixels) {
        return failed(flag, segmentPixels, Double.NaN);
    }

    /**
     * @param flag          a failure flag
     * @param segmentPixels pixels in the central segment, 0 when there is none
     * @param snPerPixel    the S/N per pixel that made it fail, NaN when that was not the reason
     * @return a result with every statistic NaN
     */
    static MorphologyResult failed(MorphologyFlag flag, int segmentPixels, double snPerPixel) {
        double n = Double.NaN;
        return new MorphologyResult(flag, n, n, n, n, n, n, n, n, n, n, n, n, segmentPixels, snPerPixel);
    }
}
