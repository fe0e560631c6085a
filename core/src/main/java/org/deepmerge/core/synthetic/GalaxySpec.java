package org.deepmerge.core.synthetic;

import java.util.List;

/**
 * One sampled synthetic galaxy (or merging system): everything needed to render it at any pixel scale, size,
 * band set, PSF and noise level. Positions are in arcsec from the stamp centre, fluxes in microJansky.
 * Rendering is a pure function of the spec and the {@link Observation}: the same spec always gives the same
 * pixels, noise included ({@code noiseSeed}).
 *
 * @param merger            the label: true for a merger
 * @param kind              the recipe used
 * @param components        Sersic components (the primary's first), at least one
 * @param blobs             Gaussian blobs (tidal features, clumps), possibly empty
 * @param kpcPerArcsec      angular scale the physical sizes were converted with, kpc/arcsec
 * @param separationKpc     projected separation of the companion, kpc; NaN without one
 * @param fluxRatio         companion / primary flux at the reference wavelength; 0 without a companion
 * @param tidalFluxFraction tidal-feature flux / total flux at the reference wavelength; 0 if none
 * @param noiseSeed         seed of this galaxy's noise realisation
 */
public record GalaxySpec(boolean merger, GalaxyKind kind, List<SersicComponent> components,
        List<GaussianBlob> blobs, double kpcPerArcsec, double separationKpc, double fluxRatio,
        double tidalFluxFraction, long noiseSeed) {

    public GalaxySpec {
        components = List.copyOf(components);
        blobs = List.copyOf(blobs);
        if (components.isEmpty()) {
            throw new IllegalArgumentException("a galaxy spec needs at least one Sersic component");
        }
        if (!(kpcPerArcsec > 0)) {
            throw new IllegalArgumentException("kpcPerArcsec must be > 0: " + kpcPerArcsec);
        }
    }

    /**
     * @param wavelengthUm band effective wavelength, micrometres
     * @return total flux of all components and blobs in that band, microJansky
     */
    public double totalFluxMicroJy(double wavelengthUm) {
        double f = 0;
        for (SersicComponent c : components) {
            f += c.sed().fluxAt(wavelengthUm);
        }
        for (GaussianBlob b : blobs) {
            f += b.sed().fluxAt(wavelengthUm);
        }
        return f;
    }
}
