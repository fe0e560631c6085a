package org.deepmerge.core.synthetic;

import java.util.List;

/**
 * Observation set-ups and matching galaxy populations for the surveys the project serves.
 *
 * <ul>
 * <li>{@link #HLSP_HST}: the DeepMerge HLSP 2-filter sets (MAST DOI 10.17909/t9-vqk6-pc80): 75x75 px at
 *     0.1875 arcsec/px (120 kpc at z=2), F814W + F160W, Gaussian PSFs FWHM 0.09" and 0.18" (ACS/WFC3
 *     handbooks), noisy limit 25 mag/arcsec^2. The HLSP does not state its convention; we read it as 1 sigma
 *     per pixel ({@link NoiseModel#HLSP_NOISY}: 0.363 uJy/arcsec^2 per pixel), which keeps galaxies clearly visible in
 *     noisy stamps as in the MAST example figure; 1 sigma over 1 arcsec^2 would be 5.3x noisier.</li>
 * <li>{@link #HLSP_HST_JWST}: the 3-filter sets, adding NIRCam F356W (FWHM 0.12").</li>
 * <li>{@link #ZTF}: ZTF alert cutouts: 63x63 px at 1.012 arcsec/px, band r, Moffat seeing FWHM 2.0"
 *     (beta 3), galaxies at z ~ 0.05 (0.98 kpc/arcsec), sky limit 24.0 mag/arcsec^2 (1 sigma, 1 arcsec^2;
 *     from the ~20.5 mag 5-sigma point-source depth).</li>
 * <li>{@link #LSST}: Rubin alert cutouts (~30x30 px) at 0.2 arcsec/px, band r, Moffat FWHM 0.7" (beta 3),
 *     galaxies at z ~ 0.3 (4.5 kpc/arcsec), single-visit limit 26.3 mag/arcsec^2 (from the ~24.5 mag
 *     5-sigma depth).</li>
 * </ul>
 */
public enum SurveyPreset {
    /** DeepMerge HLSP HST 2-filter: 75x75 @ 0.1875"/px, F814W + F160W. */
    HLSP_HST(List.of("F814W", "F160W"), 75, 0.1875,
            List.of(Psf.gaussian(0.09), Psf.gaussian(0.18)), NoiseModel.HLSP_NOISY, 8.533, 1.54, 1.0, 15.0),
    /** DeepMerge HLSP HST+JWST 3-filter: 75x75 @ 0.1875"/px, F814W + F160W + F356W. */
    HLSP_HST_JWST(List.of("F814W", "F160W", "F356W"), 75, 0.1875,
            List.of(Psf.gaussian(0.09), Psf.gaussian(0.18), Psf.gaussian(0.12)), NoiseModel.HLSP_NOISY, 8.533, 1.54, 1.0, 15.0),
    /** ZTF-like alert cutout: 63x63 @ 1.012"/px, r. */
    ZTF(List.of("r"), 63, 1.012, List.of(Psf.moffat(2.0, 3.0)), NoiseModel.limiting(24.0), 0.98, 0.62, 300.0, 3000.0),
    /** Rubin/LSST-like alert cutout: 30x30 @ 0.2"/px, r. */
    LSST(List.of("r"), 30, 0.2, List.of(Psf.moffat(0.7, 3.0)), NoiseModel.limiting(26.3), 4.5, 0.62, 10.0, 100.0);

    private final List<String> bands;
    private final int size;
    private final double pixelScaleArcsec;
    private final List<Psf> psfs;
    private final NoiseModel noisy;
    private final double kpcPerArcsec;
    private final double referenceWavelengthUm;
    private final double minFluxMicroJy;
    private final double maxFluxMicroJy;

    SurveyPreset(List<String> bands, int size, double pixelScaleArcsec, List<Psf> psfs, NoiseModel noisy,
            double kpcPerArcsec, double referenceWavelengthUm, double minFluxMicroJy, double maxFluxMicroJy) {
        this.bands = bands;
        this.size = size;
        this.pixelScaleArcsec = pixelScaleArcsec;
        this.psfs = psfs;
        this.noisy = noisy;
        this.kpcPerArcsec = kpcPerArcsec;
        this.referenceWavelengthUm = referenceWavelengthUm;
        this.minFluxMicroJy = minFluxMicroJy;
        this.maxFluxMicroJy = maxFluxMicroJy;
    }

    /** @return band names in channel order */
    public List<String> bands() {
        return bands;
    }

    /** @return stamp side, pixels */
    public int size() {
        return size;
    }

    /** @return pixel scale, arcsec/px */
    public double pixelScaleArcsec() {
        return pixelScaleArcsec;
    }

    /** @return the noise model of this preset's noisy images */
    public NoiseModel noisyModel() {
        return noisy;
    }

    /**
     * @param withNoise true for {@link #noisyModel()}, false for pristine
     * @return the observation set-up
     */
    public Observation observation(boolean withNoise) {
        return new Observation(bands, size, pixelScaleArcsec, psfs, withNoise ? noisy : NoiseModel.PRISTINE);
    }

    /** @return a generator configuration whose galaxies suit this survey's distance and depth */
    public SyntheticGalaxyGenerator.Config generatorConfig() {
        return new SyntheticGalaxyGenerator.Config(kpcPerArcsec, referenceWavelengthUm, minFluxMicroJy,
                maxFluxMicroJy);
    }
}
