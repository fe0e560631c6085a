package org.deepmerge.training.data;

import java.util.List;
import java.util.Random;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.model.ResampleMode;
import org.deepmerge.core.preprocess.Preprocessor;

/**
 * Re-observes a labelled display image (an SDSS gri JPEG composite of Galaxy Zoo) as a survey alert stamp would show
 * the same galaxy: undo the display stretch, pick one band, rotate/flip, shift, resample to the survey's pixel grid,
 * convolve to its seeing, scale to a random flux, add a sky level and Gaussian noise. The result is a single-band
 * {@link Stamp} in arbitrary "counts", which the serving {@link Preprocessor} then normalises exactly as it does a
 * real alert stamp (SURVEY normalisation), so a model trained on these sees what the scorer feeds it.
 *
 * <p>Every random choice is drawn from the {@link Random} passed in, so a fixed seed gives the same stamps. Both classes
 * get the same treatment (random flips and 90-degree rotations included), so orientation cannot become a merger cue.
 *
 * <p>Assumptions (docs/science.md): the GZ1 composites are taken at the SDSS pixel scale 0.396"/px (the Galaxy Zoo
 * cutouts were in fact scaled with each galaxy's Petrosian radius, hence the random size factor), their stretch is
 * inverted as {@code f = b sinh(v asinh(1/b))} with {@code b = 0.05} (the DISPLAY stretch of the core
 * {@code Normalisation}, the closest cheap equivalent of Lupton et al. 2004), and they already carry the SDSS seeing
 * of about 1.4" FWHM.
 */
public final class Reobserver {
    /** SDSS pixel scale, arcsec/px (Gunn et al. 2006). */
    public static final double SDSS_PIXEL_SCALE = 0.396;
    /** Median SDSS r-band seeing, arcsec FWHM. */
    public static final double SDSS_SEEING_FWHM = 1.4;
    /** Gaussian FWHM / sigma. */
    private static final double FWHM_PER_SIGMA = 2.0 * Math.sqrt(2.0 * Math.log(2.0));

    /**
     * A survey's alert stamps.
     *
     * @param name             survey name
     * @param stampSize        stamp side, pixels
     * @param pixelScaleArcsec arcsec/px
     * @param seeingMinArcsec  smallest seeing FWHM drawn, arcsec
     * @param seeingMaxArcsec  largest seeing FWHM drawn, arcsec
     */
    public record Survey(String name, int stampSize, double pixelScaleArcsec, double seeingMinArcsec,
                         double seeingMaxArcsec) {
        /** ZTF alert stamps: 63x63 at 1.012"/px (ZTF alert schema), seeing 1.6-3.0" (Bellm et al. 2019, median ~2"). */
        public static final Survey ZTF = new Survey("ZTF", 63, 1.012, 1.6, 3.0);

        /**
         * @param name {@code ztf}
         * @return the survey
         * @throws IllegalArgumentException for an unknown name
         */
        public static Survey parse(String name) {
            if (name.equalsIgnoreCase("ztf")) {
                return ZTF;
            }
            throw new IllegalArgumentException("unknown survey '" + name + "' (known: ztf)");
        }
    }

    /**
     * Ranges of the random observing conditions.
     *
     * @param sizeJitter     the source pixel scale is {@code 0.396 * exp(U(-ln j, ln j))}, j &gt;= 1
     * @param maxShiftArcsec largest centring error, arcsec (uniform in x and y)
     * @param peakMin        smallest peak flux, counts
     * @param peakMax        largest peak flux, counts (log-uniform between)
     * @param snrMin         smallest peak signal-to-noise ratio
     * @param snrMax         largest (log-uniform between)
     * @param skyMax         largest sky level, counts (uniform from 0)
     */
    public record Conditions(double sizeJitter, double maxShiftArcsec, double peakMin, double peakMax, double snrMin,
                             double snrMax, double skyMax) {
        /** @return the ranges the default model was trained with */
        public static Conditions defaults() {
            return new Conditions(1.3, 1.2, 50, 20000, 8, 300, 500);
        }
    }

    private final Survey survey;
    private final Conditions conditions;

    /**
     * @param survey     target survey
     * @param conditions random condition ranges
     */
    public Reobserver(Survey survey, Conditions conditions) {
        this.survey = survey;
        this.conditions = conditions;
    }

    /**
     * @param gri the display image's g, r, i planes (values in [0,1], e.g. {@link ImageFolderReader#load} GRI),
     *            equal square sizes
     * @param rng the random source
     * @return one re-observed single-band stamp, {@code survey.stampSize()} square at the survey's pixel scale
     */
    public Stamp reobserve(List<Stamp> gri, Random rng) {
        return reobserve(gri, rng.nextInt(gri.size()), rng);
    }

    /**
     * @param gri  the display image's g, r, i planes (values in [0,1])
     * @param band which plane to observe (0 = g, 1 = r, 2 = i)
     * @param rng  the random source; two calls with equally seeded sources and different bands observe the same
     *             geometry, seeing, peak flux and noise level (a multi-band observation)
     * @return one re-observed stamp of that band
     */
    public Stamp reobserve(List<Stamp> gri, int band, Random rng) {
        Stamp src = gri.get(band);
        int w = src.width();
        int h = src.height();
        double b = 0.05;
        double k = asinh(1.0 / b);
        float[] flux = new float[w * h];
        float[] v = src.pixels();
        for (int i = 0; i < flux.length; i++) {
            flux[i] = (float) (b * Math.sinh(Math.max(0f, v[i]) * k));
        }
        flux = orient(flux, w, h, rng.nextInt(8));
        double scale = SDSS_PIXEL_SCALE * Math.exp((rng.nextDouble() * 2 - 1) * Math.log(conditions.sizeJitter()));
        int sx = (int) Math.round((rng.nextDouble() * 2 - 1) * conditions.maxShiftArcsec() / scale);
        int sy = (int) Math.round((rng.nextDouble() * 2 - 1) * conditions.maxShiftArcsec() / scale);
        flux = shift(flux, w, h, sx, sy);
        int n = survey.stampSize();
        float[] out = new float[n * n];
        Preprocessor.resample(flux, 0, w, h, scale, out, 0, n, n, survey.pixelScaleArcsec(), ResampleMode.ANGULAR);
        double seeing = survey.seeingMinArcsec() + rng.nextDouble() * (survey.seeingMaxArcsec() - survey.seeingMinArcsec());
        double extra = Math.sqrt(Math.max(0, seeing * seeing - SDSS_SEEING_FWHM * SDSS_SEEING_FWHM));
        out = gaussianBlur(out, n, n, extra / FWHM_PER_SIGMA / survey.pixelScaleArcsec());
        float max = 0;
        for (float x : out) {
            max = Math.max(max, x);
        }
        double peak = logUniform(rng, conditions.peakMin(), conditions.peakMax());
        double snr = logUniform(rng, conditions.snrMin(), conditions.snrMax());
        double gain = max > 0 ? peak / max : 0;
        double sigma = peak / snr;
        double sky = rng.nextDouble() * conditions.skyMax();
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (out[i] * gain + sky + sigma * rng.nextGaussian());
        }
        return new Stamp(n, n, out, survey.pixelScaleArcsec(), 0);
    }

    /**
     * A stamp without a galaxy, a negative example for what the applicability gate may let through: blank sky, or sky
     * with 1-6 unresolved sources (stars, at the survey's seeing) at random positions, one of them within 3" of the
     * centre half of the time, with the same flux, sky and noise ranges as {@link #reobserve}.
     *
     * @param rng the random source
     * @return the stamp, {@code survey.stampSize()} square at the survey's pixel scale
     */
    public Stamp blankOrStars(Random rng) {
        int n = survey.stampSize();
        double seeing = survey.seeingMinArcsec() + rng.nextDouble() * (survey.seeingMaxArcsec() - survey.seeingMinArcsec());
        double sigmaPx = seeing / FWHM_PER_SIGMA / survey.pixelScaleArcsec();
        double peak = logUniform(rng, conditions.peakMin(), conditions.peakMax());
        double snr = logUniform(rng, conditions.snrMin(), conditions.snrMax());
        double noise = peak / snr;
        double sky = rng.nextDouble() * conditions.skyMax();
        float[] out = new float[n * n];
        int stars = rng.nextInt(7);
        for (int k = 0; k < stars; k++) {
            double cx;
            double cy;
            if (k == 0 && rng.nextBoolean()) {
                double r = 3.0 / survey.pixelScaleArcsec();
                cx = n / 2.0 + (rng.nextDouble() * 2 - 1) * r;
                cy = n / 2.0 + (rng.nextDouble() * 2 - 1) * r;
            } else {
                cx = rng.nextDouble() * n;
                cy = rng.nextDouble() * n;
            }
            double amp = k == 0 ? peak : peak * rng.nextDouble();
            for (int y = 0; y < n; y++) {
                for (int x = 0; x < n; x++) {
                    double dx = x + 0.5 - cx;
                    double dy = y + 0.5 - cy;
                    out[y * n + x] += (float) (amp * Math.exp(-0.5 * (dx * dx + dy * dy) / (sigmaPx * sigmaPx)));
                }
            }
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (out[i] + sky + noise * rng.nextGaussian());
        }
        return new Stamp(n, n, out, survey.pixelScaleArcsec(), 0);
    }

    /** @return the survey stamps are made for */
    public Survey survey() {
        return survey;
    }

    private static double logUniform(Random rng, double lo, double hi) {
        return Math.exp(Math.log(lo) + rng.nextDouble() * (Math.log(hi) - Math.log(lo)));
    }

    private static double asinh(double x) {
        return Math.log(x + Math.sqrt(x * x + 1));
    }

    /**
     * One of the 8 symmetries of the square: bit 0 flips x, bit 1 flips y, bit 2 transposes (applied in that order);
     * non-square images ignore bit 2.
     *
     * @param a    row-major {@code [h, w]} image
     * @param w    width
     * @param h    height
     * @param code 0..7, 0 = identity
     * @return a new oriented image
     */
    public static float[] orient(float[] a, int w, int h, int code) {
        if (w != h) {
            code &= 3;
        }
        float[] o = new float[a.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int u = x;
                int t = y;
                if ((code & 1) != 0) {
                    u = w - 1 - u;
                }
                if ((code & 2) != 0) {
                    t = h - 1 - t;
                }
                if ((code & 4) != 0) {
                    int tmp = u;
                    u = t;
                    t = tmp;
                }
                o[t * w + u] = a[y * w + x];
            }
        }
        return o;
    }

    /** Integer shift by (dx, dy) pixels, zero fill. */
    static float[] shift(float[] a, int w, int h, int dx, int dy) {
        if (dx == 0 && dy == 0) {
            return a;
        }
        float[] o = new float[a.length];
        for (int y = 0; y < h; y++) {
            int ys = y - dy;
            if (ys < 0 || ys >= h) {
                continue;
            }
            for (int x = 0; x < w; x++) {
                int xs = x - dx;
                if (xs >= 0 && xs < w) {
                    o[y * w + x] = a[ys * w + xs];
                }
            }
        }
        return o;
    }

    /** Separable Gaussian convolution, sigma in pixels, edges clamped; sigma &lt;= 0.05 returns the input. */
    static float[] gaussianBlur(float[] a, int w, int h, double sigma) {
        if (!(sigma > 0.05)) {
            return a;
        }
        int r = (int) Math.ceil(3.5 * sigma);
        double[] kernel = new double[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) {
            kernel[i + r] = Math.exp(-0.5 * i * i / (sigma * sigma));
            sum += kernel[i + r];
        }
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] /= sum;
        }
        float[] tmp = new float[a.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double s = 0;
                for (int i = -r; i <= r; i++) {
                    int xx = Math.min(w - 1, Math.max(0, x + i));
                    s += kernel[i + r] * a[y * w + xx];
                }
                tmp[y * w + x] = (float) s;
            }
        }
        float[] o = new float[a.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double s = 0;
                for (int i = -r; i <= r; i++) {
                    int yy = Math.min(h - 1, Math.max(0, y + i));
                    s += kernel[i + r] * tmp[yy * w + x];
                }
                o[y * w + x] = (float) s;
            }
        }
        return o;
    }
}
