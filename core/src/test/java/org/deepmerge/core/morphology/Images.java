package org.deepmerge.core.morphology;

import java.util.List;
import java.util.Random;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.synthetic.GalaxyKind;
import org.deepmerge.core.synthetic.GalaxyRenderer;
import org.deepmerge.core.synthetic.GalaxySpec;
import org.deepmerge.core.synthetic.GaussianBlob;
import org.deepmerge.core.synthetic.NoiseModel;
import org.deepmerge.core.synthetic.Observation;
import org.deepmerge.core.synthetic.SersicComponent;
import org.deepmerge.core.synthetic.Sed;

/** Test images: Sersic components and Gaussian blobs drawn by the project's {@link GalaxyRenderer}, plus noise. */
final class Images {
    private Images() {
    }

    /**
     * @param xArcsec      centre offset along +x, arcsec
     * @param yArcsec      centre offset along +y, arcsec
     * @param n            Sersic index
     * @param reArcsec     effective radius, arcsec
     * @param q            axis ratio
     * @param paDeg        position angle, degrees
     * @param lopsidedness m=1 amplitude, [0, 1)
     * @param flux         total flux
     * @return a component
     */
    static SersicComponent sersic(double xArcsec, double yArcsec, double n, double reArcsec, double q, double paDeg,
                                  double lopsidedness, double flux) {
        return new SersicComponent(xArcsec, yArcsec, n, reArcsec, q, paDeg, lopsidedness, 0,
                new Sed(flux, 1.54, 0, 0), "c");
    }

    /**
     * @param xArcsec     centre offset along +x, arcsec
     * @param yArcsec     centre offset along +y, arcsec
     * @param sigmaArcsec Gaussian sigma, arcsec
     * @param flux        total flux
     * @return a Gaussian blob
     */
    static GaussianBlob blob(double xArcsec, double yArcsec, double sigmaArcsec, double flux) {
        return new GaussianBlob(xArcsec, yArcsec, sigmaArcsec, new Sed(flux, 1.54, 0, 0), "b");
    }

    /**
     * Draws the components without PSF or noise (the renderer averages each pixel over 5x5 to 20x20 sub-pixel
     * samples), then adds white Gaussian noise of {@code noise} times the brightest pixel.
     *
     * @param size   stamp side, pixels (the centre is at ((size-1)/2, (size-1)/2))
     * @param scale  arcsec/px
     * @param noise  noise sigma relative to the peak, 0 for none
     * @param seed   noise seed
     * @return {@code [size, size]} float32
     */
    static float[] render(List<SersicComponent> components, List<GaussianBlob> blobs, int size, double scale,
                          double noise, long seed) throws DeepMergeException {
        GalaxySpec spec = new GalaxySpec(false, GalaxyKind.SERSIC, components.isEmpty()
                ? List.of(sersic(0, 0, 1, 1, 1, 0, 0, 0)) : components, blobs, 1, Double.NaN, 0, 0, seed);
        Observation obs = Observation.gaussian(List.of("F160W"), size, scale, new double[] {0},
                NoiseModel.PRISTINE);
        float[] img = GalaxyRenderer.render(spec, obs);
        addNoise(img, noise * peak(img), seed);
        return img;
    }

    static float peak(float[] img) {
        float max = 0;
        for (float v : img) {
            max = Math.max(max, v);
        }
        return max;
    }

    static void addNoise(float[] img, double sigma, long seed) {
        Random rng = new Random(seed);
        for (int i = 0; i < img.length; i++) {
            img[i] += (float) (sigma * rng.nextGaussian());
        }
    }

    /** @return the image rotated by 90 degrees: output (x', y') = (H-1-y, x), size H x W */
    static float[] rotate90(float[] img, int w, int h) {
        float[] out = new float[img.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                out[x * h + (h - 1 - y)] = img[y * w + x];
            }
        }
        return out;
    }

    /** @return the image mirrored left-right */
    static float[] flipX(float[] img, int w, int h) {
        float[] out = new float[img.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                out[y * w + (w - 1 - x)] = img[y * w + x];
            }
        }
        return out;
    }

    /** @return the image mirrored top-bottom */
    static float[] flipY(float[] img, int w, int h) {
        float[] out = new float[img.length];
        for (int y = 0; y < h; y++) {
            System.arraycopy(img, y * w, out, (h - 1 - y) * w, w);
        }
        return out;
    }

    /** @return the image transposed: output (x', y') = (y, x), size H x W */
    static float[] transpose(float[] img, int w, int h) {
        float[] out = new float[img.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                out[x * h + y] = img[y * w + x];
            }
        }
        return out;
    }
}
