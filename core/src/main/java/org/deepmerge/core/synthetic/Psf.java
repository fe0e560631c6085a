package org.deepmerge.core.synthetic;

/**
 * A point-spread function. Gaussian PSFs are applied as two 1-D passes (separable, no FFT); Moffat PSFs as a
 * direct 2-D convolution with a kernel truncated at 4 FWHM and renormalised to unit sum.
 *
 * <p>Moffat profile {@code [1 + (r/alpha)^2]^-beta} with {@code FWHM = 2 alpha sqrt(2^(1/beta) - 1)}
 * (Moffat 1969, A&amp;A 3, 455). Gaussian {@code FWHM = 2 sqrt(2 ln 2) sigma}.
 *
 * @param kind       profile shape
 * @param fwhmArcsec full width at half maximum, arcsec; 0 means no blur
 * @param beta       Moffat beta (&gt; 1); ignored for Gaussian
 */
public record Psf(Kind kind, double fwhmArcsec, double beta) {

    /** PSF profile shapes. */
    public enum Kind {
        /** Gaussian, separable. */
        GAUSSIAN,
        /** Moffat, heavier wings (ground-based seeing). */
        MOFFAT
    }

    /** sigma / FWHM for a Gaussian: 1 / (2 sqrt(2 ln 2)). */
    public static final double GAUSSIAN_SIGMA_PER_FWHM = 1 / (2 * Math.sqrt(2 * Math.log(2)));

    public Psf {
        if (kind == null || !(fwhmArcsec >= 0) || Double.isInfinite(fwhmArcsec)) {
            throw new IllegalArgumentException("PSF needs a kind and a finite FWHM >= 0 arcsec: " + kind + " " + fwhmArcsec);
        }
        if (kind == Kind.MOFFAT && !(beta > 1)) {
            throw new IllegalArgumentException("Moffat beta must be > 1: " + beta);
        }
    }

    /**
     * @param fwhmArcsec FWHM, arcsec
     * @return a Gaussian PSF
     */
    public static Psf gaussian(double fwhmArcsec) {
        return new Psf(Kind.GAUSSIAN, fwhmArcsec, 0);
    }

    /**
     * @param fwhmArcsec FWHM, arcsec
     * @param beta       Moffat beta (2.5-4.765 typical of seeing; Trujillo et al. 2001)
     * @return a Moffat PSF
     */
    public static Psf moffat(double fwhmArcsec, double beta) {
        return new Psf(Kind.MOFFAT, fwhmArcsec, beta);
    }
}
