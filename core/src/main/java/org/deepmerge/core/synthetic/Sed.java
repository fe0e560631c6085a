package org.deepmerge.core.synthetic;

/**
 * A component's spectral energy distribution: a broken power law in F_nu,
 * {@code F(lambda) = referenceFlux * (lambda / referenceWavelength)^slope}, with {@code blueSlope} below the
 * reference wavelength and {@code redSlope} above it. Red (old, bulge) components have large positive slopes
 * blueward of the reference; blue (star-forming clumps, tidal debris) have slopes near zero.
 *
 * @param referenceFluxMicroJy   total flux at the reference wavelength, microJansky
 * @param referenceWavelengthUm  reference wavelength, micrometres (1.54 = F160W for the z=2 HLSP setup)
 * @param blueSlope              d ln F_nu / d ln lambda for lambda below the reference
 * @param redSlope               d ln F_nu / d ln lambda for lambda above the reference
 */
public record Sed(double referenceFluxMicroJy, double referenceWavelengthUm, double blueSlope, double redSlope) {

    public Sed {
        if (!(referenceFluxMicroJy >= 0) || Double.isInfinite(referenceFluxMicroJy)) {
            throw new IllegalArgumentException("SED reference flux must be finite and >= 0 uJy: " + referenceFluxMicroJy);
        }
        if (!(referenceWavelengthUm > 0) || !Double.isFinite(blueSlope) || !Double.isFinite(redSlope)) {
            throw new IllegalArgumentException("SED needs a positive reference wavelength and finite slopes");
        }
    }

    /**
     * @param wavelengthUm effective wavelength of the band, micrometres
     * @return total flux of the component in that band, microJansky
     */
    public double fluxAt(double wavelengthUm) {
        double slope = wavelengthUm < referenceWavelengthUm ? blueSlope : redSlope;
        return referenceFluxMicroJy * Math.pow(wavelengthUm / referenceWavelengthUm, slope);
    }

    /**
     * @param factor multiplier for the flux
     * @return the same colours with the flux scaled
     */
    public Sed scaled(double factor) {
        return new Sed(referenceFluxMicroJy * factor, referenceWavelengthUm, blueSlope, redSlope);
    }
}
