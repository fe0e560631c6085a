package org.deepmerge.core.synthetic;

/**
 * One elliptical Sersic light component (a disk, a bulge, or a whole galaxy), optionally lopsided.
 *
 * <p>Surface brightness {@code I(R) = I_e exp(-b_n[(R/R_e)^(1/n) - 1]) * (1 + lopsidedness cos(phi - phi_0))},
 * R the elliptical radius {@code sqrt(x'^2 + (y'/q)^2)} in the component's frame, phi the eccentric angle
 * {@code atan2(y'/q, x')}; the m=1 term integrates to zero over phi, so the total flux stays the SED's flux.
 *
 * @param xArcsec                offset of the centre from the stamp centre along +x (NAXIS1), arcsec
 * @param yArcsec                offset along +y (NAXIS2), arcsec
 * @param sersicIndex            n, {@value SersicMath#MIN_SERSIC_INDEX} to {@value SersicMath#MAX_SERSIC_INDEX}
 * @param effectiveRadiusArcsec  half-light radius along the major axis, arcsec, &gt; 0
 * @param axisRatio              q = b/a, (0, 1]
 * @param positionAngleDeg       major axis angle, degrees counter-clockwise from +x
 * @param lopsidedness           amplitude of the m=1 mode, [0, 1)
 * @param lopsidedAngleDeg       direction of the bright side, degrees counter-clockwise from the major axis
 * @param sed                    flux and colours
 * @param role                   descriptive role, e.g. "disk", "bulge", "secondary"
 */
public record SersicComponent(double xArcsec, double yArcsec, double sersicIndex, double effectiveRadiusArcsec,
        double axisRatio, double positionAngleDeg, double lopsidedness, double lopsidedAngleDeg, Sed sed,
        String role) {

    public SersicComponent {
        SersicMath.checkIndex(sersicIndex);
        if (!(effectiveRadiusArcsec > 0) || !(axisRatio > 0 && axisRatio <= 1)
                || !(lopsidedness >= 0 && lopsidedness < 1)) {
            throw new IllegalArgumentException("Sersic component '" + role + "' needs R_e > 0, 0 < q <= 1 and "
                    + "0 <= lopsidedness < 1: R_e=" + effectiveRadiusArcsec + " q=" + axisRatio
                    + " lopsidedness=" + lopsidedness);
        }
    }
}
