package org.deepmerge.core.synthetic;

import java.util.List;
import java.util.Random;
import org.deepmerge.core.DeepMergeException;

/**
 * Renders a {@link GalaxySpec} through an {@link Observation} into a {@code [C,H,W]} float32 image in
 * microJansky/arcsec^2 (C-order: channel, row y = NAXIS2, column x = NAXIS1; channel order = the observation's
 * bands). The stamp centre ({@code ((size-1)/2, (size-1)/2)} in pixels) is the spec's origin.
 *
 * <p>Steps, per band: (1) each Sersic component is averaged over sub-pixel samples — 5x5 per pixel, 20x20 within
 * 2 px of a component centre (the cusp of high-n profiles), 2x2 beyond max(8 px, 3 R_e) where the profile is
 * smooth — so the pixel value is the mean surface brightness over the pixel; Gaussian blobs are integrated
 * exactly over each pixel; everything is drawn on a canvas padded by the PSF kernel radius so light from outside
 * the stamp is blurred in. (2) The PSF is applied (Gaussian: two separable 1-D passes with pixel-integrated
 * weights; Moffat: direct 2-D kernel truncated at 4 FWHM, renormalised). (3) The canvas is cropped to the stamp.
 * (4) Noise is added from {@link NoiseModel} with a {@link Random} seeded from the spec's {@code noiseSeed} and
 * the band name, so a spec always renders to the same pixels. Stateless and thread-safe.
 */
public final class GalaxyRenderer {

    private static final int BASE_OVERSAMPLE = 5;
    private static final int CORE_OVERSAMPLE = 20;
    private static final int OUTER_OVERSAMPLE = 2;

    private GalaxyRenderer() {
    }

    /**
     * @param spec        the galaxy
     * @param observation bands, size, pixel scale, PSFs, noise
     * @return {@code [C,H,W]} float32, C = bands, H = W = size, microJansky/arcsec^2
     * @throws DeepMergeException INVALID_CONFIG for a null spec, an unknown band, a PSF count that differs from the
     *                            band count, or a bad size/pixel scale
     */
    public static float[] render(GalaxySpec spec, Observation observation) throws DeepMergeException {
        if (spec == null || observation == null) {
            throw new DeepMergeException(DeepMergeException.Reason.INVALID_CONFIG, "render: spec or observation is null");
        }
        observation = Observation.of(observation.bands(), observation.size(), observation.pixelScaleArcsec(),
                observation.psfs(), observation.noise());
        int size = observation.size();
        double scale = observation.pixelScaleArcsec();
        List<String> bands = observation.bands();
        int pad = 0;
        for (Psf psf : observation.psfs()) {
            pad = Math.max(pad, kernelRadius(psf, scale));
        }
        int canvas = size + 2 * pad;
        double centre = pad + (size - 1) / 2.0;

        List<SersicComponent> comps = spec.components();
        double[][] unit = new double[comps.size()][];
        for (int k = 0; k < comps.size(); k++) {
            unit[k] = rasterSersic(comps.get(k), canvas, centre, scale);
        }

        float[] out = new float[bands.size() * size * size];
        for (int c = 0; c < bands.size(); c++) {
            String band = bands.get(c);
            double lambda = Bands.wavelengthUm(band);
            double[] img = new double[canvas * canvas];
            for (int k = 0; k < comps.size(); k++) {
                double f = comps.get(k).sed().fluxAt(lambda);
                double[] u = unit[k];
                for (int p = 0; p < img.length; p++) {
                    img[p] += f * u[p];
                }
            }
            for (GaussianBlob b : spec.blobs()) {
                addBlob(img, canvas, centre, scale, b, b.sed().fluxAt(lambda));
            }
            img = convolve(img, canvas, observation.psfs().get(c), scale);
            addCropAndNoise(img, canvas, pad, size, out, c * size * size, observation.noise(), scale,
                    spec.noiseSeed(), band);
        }
        return out;
    }

    /** Unit-flux (1 uJy) surface-brightness image of a component on the canvas, uJy/arcsec^2. */
    private static double[] rasterSersic(SersicComponent comp, int canvas, double centre, double scale) {
        double n = comp.sersicIndex();
        double b = SersicMath.bn(n);
        double q = comp.axisRatio();
        double reArcsec = comp.effectiveRadiusArcsec();
        double ie = SersicMath.intensityAtRe(1.0, n, reArcsec, q);
        double rePx = reArcsec / scale;
        double invN = 1 / n;
        double pa = Math.toRadians(comp.positionAngleDeg());
        double cos = Math.cos(pa);
        double sin = Math.sin(pa);
        double eps = comp.lopsidedness();
        double lop = Math.toRadians(comp.lopsidedAngleDeg());
        double lopC = Math.cos(lop);
        double lopS = Math.sin(lop);
        double cx = centre + comp.xArcsec() / scale;
        double cy = centre + comp.yArcsec() / scale;
        double outer = Math.max(8, 3 * rePx);
        double[] img = new double[canvas * canvas];
        for (int y = 0; y < canvas; y++) {
            for (int x = 0; x < canvas; x++) {
                double dx = x - cx;
                double dy = y - cy;
                double xr = dx * cos + dy * sin;
                double yr = (-dx * sin + dy * cos) / q;
                double rc = Math.sqrt(xr * xr + yr * yr);
                int s = Math.hypot(dx, dy) < 2 ? CORE_OVERSAMPLE : rc > outer ? OUTER_OVERSAMPLE : BASE_OVERSAMPLE;
                double sum = 0;
                for (int sy = 0; sy < s; sy++) {
                    double py = dy - 0.5 + (sy + 0.5) / s;
                    for (int sx = 0; sx < s; sx++) {
                        double px = dx - 0.5 + (sx + 0.5) / s;
                        double u = px * cos + py * sin;
                        double v = (-px * sin + py * cos) / q;
                        double r = Math.sqrt(u * u + v * v);
                        double val = Math.exp(-b * (Math.pow(r / rePx, invN) - 1));
                        if (eps > 0 && r > 0) {
                            val *= 1 + eps * (u * lopC + v * lopS) / r;
                        }
                        sum += val;
                    }
                }
                img[y * canvas + x] = ie * sum / (s * s);
            }
        }
        return img;
    }

    private static void addBlob(double[] img, int canvas, double centre, double scale, GaussianBlob blob,
            double flux) {
        double sigma = blob.sigmaArcsec() / scale;
        double cx = centre + blob.xArcsec() / scale;
        double cy = centre + blob.yArcsec() / scale;
        int r = (int) Math.ceil(5 * sigma) + 1;
        int x0 = Math.max(0, (int) Math.floor(cx) - r);
        int x1 = Math.min(canvas - 1, (int) Math.ceil(cx) + r);
        int y0 = Math.max(0, (int) Math.floor(cy) - r);
        int y1 = Math.min(canvas - 1, (int) Math.ceil(cy) + r);
        if (x0 > x1 || y0 > y1) {
            return;
        }
        double[] wx = new double[x1 - x0 + 1];
        for (int x = x0; x <= x1; x++) {
            wx[x - x0] = SersicMath.normalCdf((x + 0.5 - cx) / sigma) - SersicMath.normalCdf((x - 0.5 - cx) / sigma);
        }
        double sb = flux / (scale * scale);
        for (int y = y0; y <= y1; y++) {
            double wy = SersicMath.normalCdf((y + 0.5 - cy) / sigma) - SersicMath.normalCdf((y - 0.5 - cy) / sigma);
            int row = y * canvas;
            for (int x = x0; x <= x1; x++) {
                img[row + x] += sb * wy * wx[x - x0];
            }
        }
    }

    /**
     * @param psf   the PSF
     * @param scale arcsec/px
     * @return the kernel half-width in pixels (0 for no blur)
     */
    static int kernelRadius(Psf psf, double scale) {
        double fwhmPx = psf.fwhmArcsec() / scale;
        if (fwhmPx < 0.05) {
            return 0;
        }
        if (psf.kind() == Psf.Kind.GAUSSIAN) {
            return (int) Math.ceil(4 * fwhmPx * Psf.GAUSSIAN_SIGMA_PER_FWHM) + 1;
        }
        return (int) Math.ceil(4 * fwhmPx) + 1;
    }

    /**
     * Gaussian PSF as a pixel-integrated, unit-sum 1-D kernel.
     *
     * @param psf   Gaussian PSF
     * @param scale arcsec/px
     * @return weights for offsets -r..r, or {1} for no blur
     */
    static double[] gaussianKernel1d(Psf psf, double scale) {
        int r = kernelRadius(psf, scale);
        if (r == 0) {
            return new double[] {1};
        }
        double sigma = psf.fwhmArcsec() / scale * Psf.GAUSSIAN_SIGMA_PER_FWHM;
        double[] k = new double[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) {
            k[i + r] = SersicMath.normalCdf((i + 0.5) / sigma) - SersicMath.normalCdf((i - 0.5) / sigma);
            sum += k[i + r];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= sum;
        }
        return k;
    }

    /** Moffat PSF as a unit-sum 2-D kernel, 5x5 sub-sampled per pixel, side 2r+1. */
    static double[] moffatKernel2d(Psf psf, double scale) {
        int r = kernelRadius(psf, scale);
        int side = 2 * r + 1;
        if (r == 0) {
            return new double[] {1};
        }
        double beta = psf.beta();
        double alpha = psf.fwhmArcsec() / scale / (2 * Math.sqrt(Math.pow(2, 1 / beta) - 1));
        double[] k = new double[side * side];
        double sum = 0;
        for (int y = -r; y <= r; y++) {
            for (int x = -r; x <= r; x++) {
                double v = 0;
                for (int sy = 0; sy < 5; sy++) {
                    for (int sx = 0; sx < 5; sx++) {
                        double px = x - 0.5 + (sx + 0.5) / 5;
                        double py = y - 0.5 + (sy + 0.5) / 5;
                        v += Math.pow(1 + (px * px + py * py) / (alpha * alpha), -beta);
                    }
                }
                k[(y + r) * side + x + r] = v;
                sum += v;
            }
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= sum;
        }
        return k;
    }

    private static double[] convolve(double[] img, int n, Psf psf, double scale) {
        if (kernelRadius(psf, scale) == 0) {
            return img;
        }
        if (psf.kind() == Psf.Kind.GAUSSIAN) {
            double[] k = gaussianKernel1d(psf, scale);
            int r = k.length / 2;
            double[] tmp = new double[n * n];
            for (int y = 0; y < n; y++) {
                for (int x = 0; x < n; x++) {
                    double s = 0;
                    for (int i = Math.max(-r, -x); i <= Math.min(r, n - 1 - x); i++) {
                        s += k[i + r] * img[y * n + x + i];
                    }
                    tmp[y * n + x] = s;
                }
            }
            double[] out = new double[n * n];
            for (int y = 0; y < n; y++) {
                for (int x = 0; x < n; x++) {
                    double s = 0;
                    for (int i = Math.max(-r, -y); i <= Math.min(r, n - 1 - y); i++) {
                        s += k[i + r] * tmp[(y + i) * n + x];
                    }
                    out[y * n + x] = s;
                }
            }
            return out;
        }
        double[] k = moffatKernel2d(psf, scale);
        int side = (int) Math.round(Math.sqrt(k.length));
        int r = side / 2;
        double[] out = new double[n * n];
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                double v = img[y * n + x];
                if (v == 0) {
                    continue;
                }
                for (int j = Math.max(-r, -y); j <= Math.min(r, n - 1 - y); j++) {
                    int orow = (y + j) * n;
                    int krow = (j + r) * side + r;
                    for (int i = Math.max(-r, -x); i <= Math.min(r, n - 1 - x); i++) {
                        out[orow + x + i] += v * k[krow + i];
                    }
                }
            }
        }
        return out;
    }

    private static void addCropAndNoise(double[] img, int canvas, int pad, int size, float[] out, int offset,
            NoiseModel noise, double scale, long noiseSeed, String band) {
        double sky = noise.skySigmaPerPixel(scale);
        double gain = noise.sourceGain();
        Random rng = noise.isPristine() ? null : new Random(noiseSeed ^ (0x9E3779B97F4A7C15L * (band.hashCode() + 1L)));
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double v = img[(y + pad) * canvas + x + pad];
                double noisy = v;
                if (rng != null) {
                    if (sky > 0) {
                        noisy += sky * rng.nextGaussian();
                    }
                    if (gain > 0 && v > 0) {
                        noisy += Math.sqrt(v / gain) * rng.nextGaussian();
                    }
                }
                out[offset + y * size + x] = (float) noisy;
            }
        }
    }
}
