package org.deepmerge.core.synthetic;

import java.util.ArrayList;
import java.util.List;
import org.deepmerge.core.DeepMergeException;

/**
 * How a {@link GalaxySpec} is observed: bands (channel order), stamp size, pixel scale, one PSF per band, noise.
 *
 * @param bands            band/filter names in channel order, e.g. [F814W, F160W]; see {@link Bands}
 * @param size             stamp width = height, pixels (odd sizes put the centre on a pixel centre)
 * @param pixelScaleArcsec pixel scale, arcsec/px
 * @param psfs             one PSF per band, same order as {@code bands}
 * @param noise            noise model; {@link NoiseModel#PRISTINE} for none
 */
public record Observation(List<String> bands, int size, double pixelScaleArcsec, List<Psf> psfs, NoiseModel noise) {

    /** Largest stamp side accepted, pixels. */
    public static final int MAX_SIZE = 4096;

    public Observation {
        bands = List.copyOf(bands);
        psfs = List.copyOf(psfs);
    }

    /**
     * Validated construction.
     *
     * @param bands            band names in channel order
     * @param size             stamp side, pixels, 1 to {@value #MAX_SIZE}
     * @param pixelScaleArcsec arcsec/px, &gt; 0
     * @param psfs             one PSF per band
     * @param noise            noise model
     * @return the observation
     * @throws DeepMergeException INVALID_CONFIG naming the bad value (unknown band, size, scale, PSF count)
     */
    public static Observation of(List<String> bands, int size, double pixelScaleArcsec, List<Psf> psfs,
            NoiseModel noise) throws DeepMergeException {
        if (bands == null || bands.isEmpty()) {
            throw invalid("at least one band is required");
        }
        for (String b : bands) {
            Bands.wavelengthUm(b);
        }
        if (size < 1 || size > MAX_SIZE) {
            throw invalid("stamp size " + size + " px outside 1.." + MAX_SIZE);
        }
        if (!(pixelScaleArcsec > 0) || Double.isInfinite(pixelScaleArcsec)) {
            throw invalid("pixel scale must be a positive number of arcsec/px: " + pixelScaleArcsec);
        }
        if (psfs == null || psfs.size() != bands.size()) {
            throw invalid("need one PSF per band: " + bands.size() + " bands, "
                    + (psfs == null ? 0 : psfs.size()) + " PSFs");
        }
        if (noise == null) {
            throw invalid("noise model is null (use NoiseModel.PRISTINE for none)");
        }
        return new Observation(bands, size, pixelScaleArcsec, psfs, noise);
    }

    /**
     * Gaussian PSFs given by their FWHM.
     *
     * @param bands            band names in channel order
     * @param size             stamp side, pixels
     * @param pixelScaleArcsec arcsec/px
     * @param psfFwhmArcsec    Gaussian FWHM per band, arcsec (0 = no blur)
     * @param noise            noise model
     * @return the observation
     * @throws DeepMergeException INVALID_CONFIG as {@link #of(List, int, double, List, NoiseModel)}, or for a
     *                            negative FWHM
     */
    public static Observation gaussian(List<String> bands, int size, double pixelScaleArcsec, double[] psfFwhmArcsec,
            NoiseModel noise) throws DeepMergeException {
        if (psfFwhmArcsec == null) {
            throw invalid("PSF FWHM array is null");
        }
        List<Psf> psfs = new ArrayList<>();
        for (double f : psfFwhmArcsec) {
            if (!(f >= 0) || Double.isInfinite(f)) {
                throw invalid("PSF FWHM must be a finite number >= 0 arcsec: " + f);
            }
            psfs.add(Psf.gaussian(f));
        }
        return of(bands, size, pixelScaleArcsec, psfs, noise);
    }

    /**
     * @param newNoise noise model
     * @return this observation with another noise model
     */
    public Observation withNoise(NoiseModel newNoise) {
        return new Observation(bands, size, pixelScaleArcsec, psfs, newNoise);
    }

    /** @return number of channels C of a rendered {@code [C,H,W]} image */
    public int channels() {
        return bands.size();
    }

    private static DeepMergeException invalid(String message) {
        return new DeepMergeException(DeepMergeException.Reason.INVALID_CONFIG, "synthetic observation: " + message);
    }
}
