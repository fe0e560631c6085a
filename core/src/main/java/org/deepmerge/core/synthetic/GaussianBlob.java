package org.deepmerge.core.synthetic;

/**
 * A circular Gaussian light blob: the building block of tidal tails, shells and star-forming clumps.
 * Rendered exactly integrated over each pixel (product of normal CDF differences).
 *
 * @param xArcsec     centre offset from the stamp centre along +x, arcsec
 * @param yArcsec     centre offset along +y, arcsec
 * @param sigmaArcsec Gaussian sigma, arcsec, &gt; 0
 * @param sed         flux and colours
 * @param role        "tail", "shell", "clump"
 */
public record GaussianBlob(double xArcsec, double yArcsec, double sigmaArcsec, Sed sed, String role) {

    public GaussianBlob {
        if (!(sigmaArcsec > 0)) {
            throw new IllegalArgumentException("blob sigma must be > 0 arcsec: " + sigmaArcsec);
        }
    }
}
