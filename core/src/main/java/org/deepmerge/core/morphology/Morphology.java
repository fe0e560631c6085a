package org.deepmerge.core.morphology;

import java.util.Arrays;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.preprocess.RobustStats;

/**
 * Non-parametric morphology of the central source of a stamp: Concentration, rotational Asymmetry, Gini, M20, the
 * Gini-M20 merger and bulge statistics, and the Petrosian and half-light radii. Definitions and default parameters
 * follow statmorph 0.5 (Rodriguez-Gomez et al. 2019, MNRAS 483, 4140, §3; its {@code SourceMorphology}) unless a
 * deviation is named below.
 *
 * <p><b>Input.</b> A sky-subtracted image, linear in flux: the stamp the model sees after sky subtraction and
 * resampling but <em>before</em> any asinh or display stretch (Gini and C are not invariant under a non-linear stretch),
 * or a decoded {@link Stamp} through {@link #measure(Stamp)}, which subtracts the sky estimate the project uses
 * ({@link RobustStats#borderSky}, as the SURVEY normalisation does). Non-finite pixels are masked.
 *
 * <p><b>Steps</b> (statmorph's, on a square cutout of 2.5 times the segment's bounding box, at least 48 px, centred on
 * the box; pixel centres at integer coordinates; apertures are exact pixel-overlap areas as photutils'
 * {@code method='exact'}):
 * <ol>
 * <li><b>Segmentation</b> of the central source ({@link Segmentation}); pixels of other detected sources, non-finite
 * pixels and padding (a flat border's value, e.g. the zeros around a stamp resampled onto a wider model grid) are
 * masked (set to zero, left out of the sky, and excluded symmetrically from the asymmetry).</li>
 * <li><b>Centroid</b>: first moments of the segment's pixels.</li>
 * <li><b>Petrosian radius</b> (circular, eta = {@value #ETA}): the radius where the mean surface brightness in an annulus
 * of width {@value #ANNULUS_WIDTH} px equals eta times the mean inside (Petrosian 1976; Lotz et al. 2004, eq. 4, as
 * statmorph's {@code _petrosian_function_circ}); the first sign change on a grid of half-pixel steps from 1 px to the
 * cutout diagonal, refined by Illinois root finding to 1e-6 px (statmorph: a 100-point grid and Brent's method).</li>
 * <li><b>Asymmetry</b> (Conselice, Bershady &amp; Jangren 2000, ApJ 529, 886; Lotz et al. 2004, eq. 10):
 * {@code A = (sum |I - I_180| - N B) / sum |I|} over a circle of {@value #PETRO_EXTENT_CAS} Petrosian radii (about the
 * centroid) around the centre of rotation, {@code I_180} the image rotated by 180 degrees about that centre with
 * bilinear interpolation (zero outside the cutout), N the aperture's unmasked area and B the sky's asymmetry per pixel
 * under the same rotation: the mean of {@code |S - S_180|} over the cutout's sky pixels (neither detected nor masked)
 * whose rotated position is interpolated from sky pixels only. The centre is the one that minimises
 * {@code sum |I - I_180| / sum |I|}, found from the centroid by a compass search (steps of 1 px along +-x and +-y,
 * halved when no neighbour improves, down to {@value #CENTRE_TOLERANCE} px). <em>Deviations:</em> (a) statmorph minimises A including the sky term with
 * Nelder-Mead; minimising the galaxy term and subtracting B afterwards is Conselice et al.'s own procedure, and the
 * compass search commutes with the rotations and flips of the pixel grid, so the centre (and with it C, G and M20) does
 * not depend on the stamp's orientation. (b) statmorph measures B on one sky box (the first square of 32, 16, 8, 4
 * or 2 px free of sources, in row-major order) flipped about its own middle; B here is Conselice et al.'s background
 * asymmetry under the galaxy's own rotation, over every sky pixel of the cutout: it does not depend on which box is
 * found first (statmorph's A changes by ~10% between the orientations of a stamp when its box changes), it uses far
 * more pixels than a 4x4 or 8x8 box, and the sky is interpolated with the same bilinear weights as the galaxy
 * (statmorph compares a bilinear-smoothed I_180 with an exactly flipped sky, which over-subtracts the noise and drives
 * A below zero for faint sources; both agree for a centre on a pixel centre or corner). If the search tries to leave
 * the cutout the centroid is used ({@link MorphologyFlag#ASYMMETRY_CENTRE_FALLBACK}), as in statmorph. A may be
 * slightly negative for a symmetric source in noise.</li>
 * <li><b>Concentration</b> (Bershady et al. 2000; Conselice 2003, ApJS 147, 1): {@code C = 5 log10(r80 / r20)}, r20 and
 * r80 the radii of circles about the asymmetry centre holding 20% and 80% of the flux within
 * {@value #PETRO_EXTENT_CAS} circular Petrosian radii (statmorph's total, not the flux to infinity: for a pure
 * de Vaucouleurs profile C = 4.29 within that aperture against 5.27 to infinity; 2.74 against 2.80 for an
 * exponential).</li>
 * <li><b>Half-light radius</b>: the radius about the asymmetry centre holding half the flux within
 * {@value #PETRO_EXTENT_FLUX} circular Petrosian radii (statmorph's {@code flux_circ} aperture, the SDSS Petrosian flux;
 * <em>deviation:</em> statmorph's {@code rhalf_circ} uses the flux within its {@code rmax_circ} from a further
 * segmentation that is not implemented here).</li>
 * <li><b>Gini segmap</b> (Lotz et al. 2004, §3.1; statmorph's {@code _segmap_gini}): the image smoothed by a Gaussian of
 * {@value #PETRO_FRACTION_GINI} elliptical Petrosian radii, thresholded at its mean surface brightness in the
 * elliptical annulus at the elliptical Petrosian radius (elongation and orientation from the second moments about the
 * asymmetry centre), the 8-connected region holding the brightest smoothed pixel. Unlike a noise threshold this
 * region does not grow with the depth of the image. <em>Deviation:</em> masked pixels are left out (statmorph keeps them
 * as zeros).</li>
 * <li><b>Gini</b> (Lotz, Primack &amp; Madau 2004, AJ 128, 163, after Glasser 1962): with the n absolute pixel values
 * of the Gini segmap sorted increasingly, {@code G = sum_i (2i - n - 1) |X_i| / ((n - 1) sum_i |X_i|)}, i = 1..n.</li>
 * <li><b>M20</b> (Lotz et al. 2004): {@code M_tot = sum f_i r_i^2} over the Gini segmap about the centre that
 * minimises it (the flux-weighted centroid, where the gradient of M_tot vanishes); {@code M20 = log10(sum_i f_i r_i^2
 * / M_tot)} over the brightest pixels, taken in decreasing order until their flux reaches 20% of the total (the pixel
 * that crosses 20% included, as statmorph).</li>
 * <li><b>Gini-M20 statistics</b> (Snyder et al. 2015, Illustris z = 0 morphologies; Rodriguez-Gomez et al. 2019, §3.2, as
 * statmorph's {@code gini_m20_merger} and {@code gini_m20_bulge}): merger {@code S = 0.139 M20 + 0.990 G - 0.327},
 * the signed distance from the Lotz et al. (2008) merger line, positive above it; bulge
 * {@code F = -0.693 M20 + 4.95 G - 3.96}, positive for bulge-dominated galaxies.</li>
 * </ol>
 *
 * <p><b>Significance.</b> The average signal-to-noise per pixel of the Gini segmap, statmorph's {@code sn_per_pixel}
 * (Lotz et al. 2004's average S/N per galaxy pixel): the mean of {@code I / sigma} over its pixels with {@code I >= 0},
 * sigma the sky noise the detection estimated on the border ring; the detection segment stands in for a degenerate
 * Gini segmap. Below {@value #MIN_SN_PER_PIXEL}, the limit of Lotz et al. (2006, ApJ 636, 592) that statmorph's
 * documentation recommends, the result is {@link MorphologyFlag#LOW_SIGNAL_TO_NOISE} with every statistic NaN. The
 * detection's 3x3 smoothing (4.5 sigma of smoothed white noise, less for the correlated noise of coadded, resampled
 * templates) lets noise peaks through as 5-9 px "sources": on the real ZTF templates their S/N per pixel is 1.1-2.1,
 * against 2.6-9.5 for the faint real sources beside them, 5.7 and more for the hosts the applicability gate lets
 * through and 30 and more for the catalogued stars; on correlated noise alone at most 1.1. A total S/N cut would not
 * separate them: summed over a Gini segmap that the noise itself shaped, the noise peaks reach a total S/N of 8-12.
 *
 * <p><b>Not the training baseline.</b> {@code org.deepmerge.training.eval.AsymmetryBaseline} computes
 * {@code sum |I - I_180| / sum |I|} about the fixed image centre over a central box, without segmentation, centre
 * search or background term; it ranks images for a baseline classifier, while the asymmetry here is the catalogue
 * quantity (Conselice 2000) and can be compared with published values.
 *
 * <p><b>Reliability.</b> As statmorph's documentation warns (after Lotz et al. 2006), the statistics of a source whose
 * r20 is below the PSF's half width at half maximum should not be trusted either: that is not tested here (the PSF is
 * not known), so check {@code r20Arcsec} against the survey's seeing before reading the statistics of a compact
 * source.
 *
 * <p>Stateless and thread-safe. Cost (CPU time of one thread on the 87 real ZTF templates, JIT warmed, on a shared
 * 2-core machine): about 0.7 ms per 40x40 model-grid stamp (1.2"/px) and 1.0 ms per 63x63 template holding a source,
 * about half that for a stamp without one; a third of it is the asymmetry-centre search, a fifth the segmentation.
 */
public final class Morphology {
    /** Petrosian eta: the annulus-to-interior surface brightness ratio at the Petrosian radius (Petrosian 1976). */
    public static final double ETA = 0.2;
    /** Width of the Petrosian annulus, px (statmorph {@code annulus_width}). */
    public static final double ANNULUS_WIDTH = 1.0;
    /** Asymmetry and concentration apertures, in circular Petrosian radii (statmorph {@code petro_extent_cas}). */
    public static final double PETRO_EXTENT_CAS = 1.5;
    /** Total-flux aperture of the half-light radius, in circular Petrosian radii ({@code petro_extent_flux}). */
    public static final double PETRO_EXTENT_FLUX = 2.0;
    /** Gini segmap smoothing, in elliptical Petrosian radii ({@code petro_fraction_gini}). */
    public static final double PETRO_FRACTION_GINI = 0.2;
    /**
     * Smallest average S/N per pixel of the Gini segmap for a measurement ({@link MorphologyFlag#LOW_SIGNAL_TO_NOISE}
     * below): Lotz et al. (2006, ApJ 636, 592), as statmorph's documentation recommends for its {@code sn_per_pixel}.
     */
    public static final double MIN_SN_PER_PIXEL = 2.5;
    /** Smallest step of the asymmetry-centre search, px. */
    public static final double CENTRE_TOLERANCE = 1e-3;

    static final double CUTOUT_EXTENT = 2.5;
    static final int MIN_CUTOUT_SIZE = 48;
    /** Fewest sky pixels for the asymmetry's background term (statmorph's smallest sky box has 4). */
    static final int MIN_SKY_PIXELS = 16;
    static final double ROOT_TOLERANCE = 1e-6;
    private static final int MAX_CENTRE_STEPS = 1000;

    private Morphology() {
    }

    /**
     * Measures a decoded stamp after subtracting its border sky ({@link RobustStats#borderSky}, sigma-clipped median
     * of the border ring).
     *
     * @param stamp a decoded stamp (its own pixel scale)
     * @return the morphology of its central source
     * @throws IllegalArgumentException when the stamp is null or its pixel scale is not a positive finite number
     */
    public static MorphologyResult measure(Stamp stamp) {
        if (stamp == null) {
            throw new IllegalArgumentException("stamp is null");
        }
        float[] px = stamp.pixels();
        float sky = (float) RobustStats.borderSky(px, 0, stamp.width(), stamp.height()).level();
        float[] sub = new float[px.length];
        for (int i = 0; i < px.length; i++) {
            sub[i] = px[i] - sky;
        }
        return measure(sub, stamp.width(), stamp.height(), stamp.pixelScaleArcsec());
    }

    /**
     * Measures the central source of a sky-subtracted image.
     *
     * @param image          float32 pixels, row-major {@code [height, width]} (pixel (x, y) at {@code y * width + x}),
     *                       sky-subtracted, linear in flux; non-finite pixels are masked; not modified
     * @param width          W, pixels
     * @param height         H, pixels
     * @param arcsecPerPixel pixel scale, arcsec/px (used for the radii only)
     * @return the statistics, NaN where not computable, with a flag
     * @throws IllegalArgumentException when the image is null, W or H is not positive, {@code image.length != W * H},
     *                                  or the pixel scale is not a positive finite number
     */
    public static MorphologyResult measure(float[] image, int width, int height, double arcsecPerPixel) {
        if (image == null) {
            throw new IllegalArgumentException("image is null");
        }
        if (width <= 0 || height <= 0 || (long) width * height != image.length) {
            throw new IllegalArgumentException("image of " + image.length + " pixels is not " + width + " x " + height);
        }
        if (!(arcsecPerPixel > 0) || Double.isInfinite(arcsecPerPixel)) {
            throw new IllegalArgumentException("pixel scale must be a positive number of arcsec/px: " + arcsecPerPixel);
        }
        Segmentation.Detection det = Segmentation.detect(image, width, height);
        if (!det.flag().measured()) {
            return MorphologyResult.failed(det.flag(), det.centralPixels());
        }
        return new Measurement(image, width, height, det).run(arcsecPerPixel);
    }

    /**
     * Gini coefficient (Lotz et al. 2004) of the absolute values.
     *
     * @param values pixel values (not modified)
     * @param n      how many of them are used
     * @return G in [0, 1], NaN for fewer than 2 values or a zero sum
     */
    static double gini(double[] values, int n) {
        if (n < 2) {
            return Double.NaN;
        }
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = Math.abs(values[i]);
        }
        Arrays.sort(a);
        double sum = 0;
        double weighted = 0;
        for (int i = 0; i < n; i++) {
            sum += a[i];
            weighted += (2.0 * (i + 1) - n - 1) * a[i];
        }
        return sum == 0 ? Double.NaN : weighted / ((n - 1) * sum);
    }

    /**
     * M20 (Lotz et al. 2004) of the pixels of {@code img} inside {@code region}.
     *
     * @param img    image, row-major
     * @param region pixels used
     * @param width  W
     * @param height H
     * @return M20 (dex), NaN when the flux or a second moment is not positive
     */
    static double m20(double[] img, boolean[] region, int width, int height) {
        double[] c = centroid(img, region, width);
        double m00 = c[0];
        if (!(m00 > 0)) {
            return Double.NaN;
        }
        double xc = c[1];
        double yc = c[2];
        int n = (int) c[3];
        double[] vals = new double[n];
        double[] r2 = new double[n];
        Integer[] order = new Integer[n];
        int k = 0;
        double total = 0;
        for (int p = 0; p < img.length; p++) {
            if (region[p]) {
                double dx = p % width - xc;
                double dy = p / width - yc;
                vals[k] = img[p];
                r2[k] = dx * dx + dy * dy;
                total += img[p] * r2[k];
                order[k] = k;
                k++;
            }
        }
        Arrays.sort(order, (a, b) -> Double.compare(vals[a], vals[b]));
        // threshold: the first (increasing) value at which the cumulative flux fraction reaches 80%
        double cum = 0;
        double threshold = Double.NaN;
        for (int i = 0; i < n; i++) {
            cum += vals[order[i]];
            if (cum / m00 >= 0.8) {
                threshold = vals[order[i]];
                break;
            }
        }
        if (Double.isNaN(threshold)) {
            return Double.NaN;
        }
        double bright = 0;
        for (int i = 0; i < n; i++) {
            if (vals[i] >= threshold) {
                bright += vals[i] * r2[i];
            }
        }
        if (!(bright > 0) || !(total > 0)) {
            return Double.NaN;
        }
        return Math.log10(bright / total);
    }

    /**
     * @param img    image, row-major
     * @param region pixels used
     * @param width  W
     * @return {flux sum, x centroid, y centroid, pixel count}: the first moments (centroids NaN for a zero sum)
     */
    static double[] centroid(double[] img, boolean[] region, int width) {
        double m00 = 0;
        double m10 = 0;
        double m01 = 0;
        int n = 0;
        for (int p = 0; p < img.length; p++) {
            if (region[p]) {
                double v = img[p];
                m00 += v;
                m10 += v * (p % width);
                m01 += v * (p / width);
                n++;
            }
        }
        return new double[] {m00, m10 / m00, m01 / m00, n};
    }

    /**
     * The sums of the asymmetry about one centre: {@code sum |I - I_180|}, {@code sum |I|} and the unmasked area, each
     * weighted by the exact overlap with the circle of radius r.
     *
     * @param img    image with masked pixels set to zero, row-major
     * @param mask   1 for masked pixels and 0 for the others, or null when none is masked
     * @param width  W
     * @param height H
     * @param cx     centre of rotation and of the aperture, x
     * @param cy     centre, y
     * @param r      aperture radius, px
     * @return {diff, abs, area}
     */
    static double[] asymmetrySums(double[] img, double[] mask, int width, int height, double cx, double cy,
                                  double r) {
        int x0 = Math.max(0, (int) Math.floor(cx - r - 0.5));
        int x1 = Math.min(width - 1, (int) Math.ceil(cx + r + 0.5));
        int y0 = Math.max(0, (int) Math.floor(cy - r - 0.5));
        int y1 = Math.min(height - 1, (int) Math.ceil(cy + r + 0.5));
        double diff = 0;
        double abs = 0;
        double area = 0;
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                double w = Apertures.circleWeight(x, y, cx, cy, r);
                if (w == 0) {
                    continue;
                }
                int p = y * width + x;
                double sx = 2 * cx - x;
                double sy = 2 * cy - y;
                // the mask rotated as the image (statmorph: skimage rotate, then >= 0.5), or-ed with itself
                if (mask != null && (mask[p] != 0 || bilinear(mask, width, height, sx, sy) >= 0.5)) {
                    continue;
                }
                double v = img[p];
                diff += w * Math.abs(bilinear(img, width, height, sx, sy) - v);
                abs += w * Math.abs(v);
                area += w;
            }
        }
        return new double[] {diff, abs, area};
    }

    /** Bilinear interpolation at (x, y), pixels outside the image counting as zero. */
    static double bilinear(double[] img, int width, int height, double x, double y) {
        int ix = (int) Math.floor(x);
        int iy = (int) Math.floor(y);
        double fx = x - ix;
        double fy = y - iy;
        return (1 - fy) * ((1 - fx) * at(img, width, height, ix, iy) + fx * at(img, width, height, ix + 1, iy))
                + fy * ((1 - fx) * at(img, width, height, ix, iy + 1) + fx * at(img, width, height, ix + 1, iy + 1));
    }

    private static double at(double[] img, int width, int height, int x, int y) {
        return x < 0 || y < 0 || x >= width || y >= height ? 0 : img[y * width + x];
    }

    /**
     * Illinois root finding (modified regula falsi; Dowell &amp; Jarratt 1971, BIT 11, 168) of f on a bracket where
     * f(lo) and f(hi) have opposite signs, to 1e-6 in x.
     */
    static double root(java.util.function.DoubleUnaryOperator f, double lo, double flo, double hi, double fhi) {
        double a = lo;
        double fa = flo;
        double b = hi;
        double fb = fhi;
        for (int it = 0; it < 200 && Math.abs(b - a) > ROOT_TOLERANCE; it++) {
            double c = b - fb * (b - a) / (fb - fa);
            if (!(c > Math.min(a, b) && c < Math.max(a, b))) {
                c = 0.5 * (a + b);
            }
            double fc = f.applyAsDouble(c);
            if (fc == 0) {
                return c;
            }
            if ((fc > 0) != (fb > 0)) {
                a = b;
                fa = fb;
            } else {
                fa *= 0.5;
            }
            b = c;
            fb = fc;
        }
        return 0.5 * (a + b);
    }

    /**
     * Separable Gaussian smoothing as {@code scipy.ndimage.gaussian_filter} (kernel truncated at 4 sigma, boundary
     * mode 'reflect': {@code d c b a | a b c d | d c b a}).
     */
    static double[] gaussianFilter(double[] img, int width, int height, double sigma) {
        int radius = (int) (4.0 * sigma + 0.5);
        if (radius <= 0) {
            return img.clone();
        }
        double[] k = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            k[i + radius] = Math.exp(-0.5 * i * i / (sigma * sigma));
            sum += k[i + radius];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= sum;
        }
        double[] tmp = new double[img.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double s = 0;
                for (int i = -radius; i <= radius; i++) {
                    s += k[i + radius] * img[y * width + reflect(x + i, width)];
                }
                tmp[y * width + x] = s;
            }
        }
        double[] out = new double[img.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double s = 0;
                for (int i = -radius; i <= radius; i++) {
                    s += k[i + radius] * tmp[reflect(y + i, height) * width + x];
                }
                out[y * width + x] = s;
            }
        }
        return out;
    }

    private static int reflect(int i, int n) {
        int period = 2 * n;
        int m = Math.floorMod(i, period);
        return m < n ? m : period - 1 - m;
    }

    /** One measurement on the cutout around the central segment; not shared between threads. */
    private static final class Measurement {
        private final int width;
        private final int height;
        private final int offsetX;
        private final int offsetY;
        /** Cutout pixels, masked ones zero. */
        private final double[] img;
        /** 1 for masked cutout pixels, 0 for the others; null when none is masked. */
        private final double[] mask;
        /** The central segment, masked pixels excluded. */
        private final boolean[] segment;
        /** Pixels of any detected region: the others, unless masked, are sky. */
        private final boolean[] detected;
        private final int segmentPixels;
        /** Sky noise per pixel of the detection ({@link Segmentation.Detection#sigma()}). */
        private final double sigma;
        private MorphologyFlag flag;

        Measurement(float[] image, int imageWidth, int imageHeight, Segmentation.Detection det) {
            int xmin = Integer.MAX_VALUE;
            int xmax = -1;
            int ymin = Integer.MAX_VALUE;
            int ymax = -1;
            int[] labels = det.labels();
            for (int p = 0; p < labels.length; p++) {
                if (labels[p] == det.central()) {
                    int x = p % imageWidth;
                    int y = p / imageWidth;
                    xmin = Math.min(xmin, x);
                    xmax = Math.max(xmax, x);
                    ymin = Math.min(ymin, y);
                    ymax = Math.max(ymax, y);
                }
            }
            // a cutout symmetric about the segment's bounding box (statmorph's _slice_stamp, made flip-symmetric)
            int dist = Math.max((int) (Math.max(xmax + 1 - xmin, ymax + 1 - ymin) * CUTOUT_EXTENT / 2.0),
                    MIN_CUTOUT_SIZE / 2);
            double bx = (xmin + xmax) / 2.0;
            double by = (ymin + ymax) / 2.0;
            offsetX = Math.max(0, (int) Math.ceil(bx - dist));
            offsetY = Math.max(0, (int) Math.ceil(by - dist));
            width = Math.min(imageWidth - 1, (int) Math.floor(bx + dist)) - offsetX + 1;
            height = Math.min(imageHeight - 1, (int) Math.floor(by + dist)) - offsetY + 1;
            int n = width * height;
            img = new double[n];
            double[] m = new double[n];
            segment = new boolean[n];
            detected = new boolean[n];
            boolean anyMasked = false;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int p = y * width + x;
                    int q = (y + offsetY) * imageWidth + x + offsetX;
                    float v = image[q];
                    boolean masked = !Float.isFinite(v) || det.otherSource(q) || v == det.padding();
                    m[p] = masked ? 1 : 0;
                    anyMasked |= masked;
                    img[p] = masked ? 0 : v;
                    detected[p] = labels[q] != 0;
                    segment[p] = labels[q] == det.central() && !masked;
                }
            }
            mask = anyMasked ? m : null;
            segmentPixels = det.centralPixels();
            sigma = det.sigma();
            flag = det.flag();
        }

        private void warn(MorphologyFlag f) {
            flag = flag.worst(f);
        }

        private boolean masked(int p) {
            return mask != null && mask[p] != 0;
        }

        MorphologyResult run(double scale) {
            double[] c = centroid(img, segment, width);
            if (!(c[0] > 0)) {
                return MorphologyResult.failed(MorphologyFlag.NONPOSITIVE_FLUX, segmentPixels);
            }
            double xc = c[1];
            double yc = c[2];
            if (xc < 0 || xc > width - 1 || yc < 0 || yc > height - 1) {
                xc = (width - 1) / 2.0;
                yc = (height - 1) / 2.0;
                warn(MorphologyFlag.ASYMMETRY_CENTRE_FALLBACK);
            }

            // asymmetry centre: minimise sum|I - I180| / sum|I| in 1.5 r_petro (about the centroid)
            double rCas = PETRO_EXTENT_CAS * petrosianCircular(xc, yc);
            double[] centre = asymmetryCentre(xc, yc, rCas);
            double ax = centre[0];
            double ay = centre[1];
            double[] s = asymmetrySums(img, mask, width, height, ax, ay, rCas);
            double skyAsymmetry = skyAsymmetry(ax, ay);
            double asymmetry = s[1] > 0 ? (s[0] - (Double.isNaN(skyAsymmetry) ? 0 : s[2] * skyAsymmetry)) / s[1]
                    : Double.NaN;

            double rp = petrosianCircular(ax, ay);
            EnclosedFlux enclosed = new EnclosedFlux(ax, ay, PETRO_EXTENT_FLUX * rp);
            double r20 = enclosed.radiusAtFraction(PETRO_EXTENT_CAS * rp, 0.2);
            double r80 = enclosed.radiusAtFraction(PETRO_EXTENT_CAS * rp, 0.8);
            double concentration = r20 > 0 && r80 > 0 ? 5 * Math.log10(r80 / r20) : Double.NaN;
            double rHalf = enclosed.radiusAtFraction(PETRO_EXTENT_FLUX * rp, 0.5);

            boolean[] giniSegmap = giniSegmap(ax, ay, xc, yc);
            double gini = Double.NaN;
            double m20 = Double.NaN;
            if (giniSegmap != null) {
                double[] vals = new double[img.length];
                int n = 0;
                for (int p = 0; p < img.length; p++) {
                    if (giniSegmap[p]) {
                        vals[n++] = img[p];
                    }
                }
                gini = gini(vals, n);
                m20 = m20(img, giniSegmap, width, height);
            }
            if (Double.isNaN(gini) || Double.isNaN(m20)) {
                warn(MorphologyFlag.GINI_SEGMAP_DEGENERATE);
            }
            double sn = snPerPixel(giniSegmap != null ? giniSegmap : segment);
            if (sn < MIN_SN_PER_PIXEL) {
                return MorphologyResult.failed(MorphologyFlag.LOW_SIGNAL_TO_NOISE, segmentPixels, sn);
            }
            return new MorphologyResult(flag, concentration, asymmetry, gini, m20,
                    0.139 * m20 + 0.990 * gini - 0.327, -0.693 * m20 + 4.95 * gini - 3.96,
                    rHalf * scale, rp * scale, r20 * scale, r80 * scale, ax + offsetX, ay + offsetY, segmentPixels,
                    sn);
        }

        /**
         * statmorph's {@code sn_per_pixel}: the mean of {@code I / sigma} over the region's pixels with
         * {@code I >= 0}, sigma the sky noise the detection measured (sky-limited: no source Poisson term, which only
         * lowers the S/N of pixels far brighter than the sky, never of a source near the cut).
         *
         * @return the average S/N per pixel; 0 when the region has no such pixel (no signal); NaN when the image has
         *         no noise (sigma 0)
         */
        private double snPerPixel(boolean[] region) {
            if (!(sigma > 0)) {
                return Double.NaN;
            }
            double sum = 0;
            int n = 0;
            for (int p = 0; p < img.length; p++) {
                if (region[p] && img[p] >= 0) {
                    sum += img[p];
                    n++;
                }
            }
            return n == 0 ? 0 : sum / n / sigma;
        }

        /** @return true for a sky pixel of the cutout: neither detected (any region) nor masked */
        private boolean sky(int p) {
            return !detected[p] && !masked(p);
        }

        /**
         * The sky's asymmetry per pixel under the galaxy's own rotation: the mean of {@code |S - S_180|} over the sky
         * pixels S whose 180-degree partner about (ax, ay) is interpolated (bilinear, as I_180) from sky pixels only.
         *
         * @return B, NaN (flagged {@link MorphologyFlag#NO_SKY_REGION}) with fewer than {@value #MIN_SKY_PIXELS} pixels
         */
        private double skyAsymmetry(double ax, double ay) {
            double sum = 0;
            int n = 0;
            for (int y = 0; y < height; y++) {
                double sy = 2 * ay - y;
                int iy = (int) Math.floor(sy);
                int jy = sy == iy ? iy : iy + 1;
                if (iy < 0 || jy > height - 1) {
                    continue;
                }
                for (int x = 0; x < width; x++) {
                    int p = y * width + x;
                    double sx = 2 * ax - x;
                    int ix = (int) Math.floor(sx);
                    int jx = sx == ix ? ix : ix + 1;
                    if (!sky(p) || ix < 0 || jx > width - 1 || !sky(iy * width + ix) || !sky(iy * width + jx)
                            || !sky(jy * width + ix) || !sky(jy * width + jx)) {
                        continue;
                    }
                    sum += Math.abs(bilinear(img, width, height, sx, sy) - img[p]);
                    n++;
                }
            }
            if (n < MIN_SKY_PIXELS) {
                warn(MorphologyFlag.NO_SKY_REGION);
                return Double.NaN;
            }
            return sum / n;
        }

        /**
         * The compass search of the class comment (Kolda, Lewis &amp; Torczon 2003, SIAM Review 45, 385, with complete
         * polling so that the path does not depend on the order of the four directions); the centroid, flagged, when
         * it tries to leave the cutout or the objective is undefined.
         */
        private double[] asymmetryCentre(double x0, double y0, double r) {
            double x = x0;
            double y = y0;
            double f = centreObjective(x, y, r);
            if (Double.isNaN(f)) {
                warn(MorphologyFlag.ASYMMETRY_CENTRE_FALLBACK);
                return new double[] {x0, y0};
            }
            double step = 1.0;
            int came = -1; // the direction just moved along: its opposite is known to be worse
            for (int moves = 0; step >= CENTRE_TOLERANCE && moves < MAX_CENTRE_STEPS; ) {
                double bestF = f;
                int best = -1;
                for (int d = 0; d < 4; d++) {
                    if (came >= 0 && d == (came ^ 1)) {
                        continue;
                    }
                    double cx = x + (d == 0 ? step : d == 1 ? -step : 0);
                    double cy = y + (d == 2 ? step : d == 3 ? -step : 0);
                    if (cx < 0 || cx > width - 1 || cy < 0 || cy > height - 1) {
                        warn(MorphologyFlag.ASYMMETRY_CENTRE_FALLBACK);
                        return new double[] {x0, y0};
                    }
                    double fc = centreObjective(cx, cy, r);
                    if (fc < bestF) {
                        bestF = fc;
                        best = d;
                    }
                }
                if (best >= 0) {
                    f = bestF;
                    x += best == 0 ? step : best == 1 ? -step : 0;
                    y += best == 2 ? step : best == 3 ? -step : 0;
                    came = best;
                    moves++;
                } else {
                    step /= 2;
                    came = -1;
                }
            }
            return new double[] {x, y};
        }

        private double centreObjective(double x, double y, double r) {
            double[] s = asymmetrySums(img, mask, width, height, x, y, r);
            return s[1] > 0 ? s[0] / s[1] : Double.NaN;
        }

        private double petrosianCircular(double cx, double cy) {
            return petrosian(r -> Apertures.circleSum(img, width, height, cx, cy, r), 1.0, diagonal());
        }

        private double diagonal() {
            return Math.sqrt((double) width * width + (double) height * height);
        }

        /**
         * The Petrosian radius (semi-major axis for an ellipse of the given elongation): where the mean surface
         * brightness in the annulus [a - 0.5, a + 0.5] over the mean inside a equals {@link #ETA} (Lotz et al. 2004,
         * eq. 4; means over the full geometric areas and taken absolute, as statmorph's
         * {@code _petrosian_function_circ}). statmorph brackets the first sign change on a 100-point grid from the
         * annulus width to the cutout diagonal; here the grid steps by half a pixel (finer for every cutout of more
         * than 50 px diagonal, and each step needs one new aperture sum), then Illinois root finding to 1e-6 px.
         *
         * @param sum        exact aperture sum as a function of the semi-major axis
         * @param elongation a / b, 1 for circles
         * @param outer      the grid's upper end, px
         */
        private double petrosian(java.util.function.DoubleUnaryOperator sum, double elongation, double outer) {
            java.util.function.DoubleUnaryOperator ratio = a -> petrosianRatio(sum.applyAsDouble(a - 0.5 * ANNULUS_WIDTH),
                    sum.applyAsDouble(a), sum.applyAsDouble(a + 0.5 * ANNULUS_WIDTH), a, elongation);
            int steps = (int) Math.floor((outer - ANNULUS_WIDTH) / 0.5);
            // sums at a - 0.5, a, a + 0.5 on the half-pixel grid: one new sum per step
            double sIn = sum.applyAsDouble(ANNULUS_WIDTH - 0.5);
            double sMid = sum.applyAsDouble(ANNULUS_WIDTH);
            double lo = Double.NaN;
            double flo = Double.NaN;
            for (int k = 0; k <= steps; k++) {
                double a = ANNULUS_WIDTH + 0.5 * k;
                double sOut = sum.applyAsDouble(a + 0.5);
                double v = petrosianRatio(sIn, sMid, sOut, a, elongation);
                sIn = sMid;
                sMid = sOut;
                if (v == 0) {
                    return a;
                }
                if (v > 0) {
                    lo = a;
                    flo = v;
                } else if (Double.isNaN(lo)) {
                    warn(MorphologyFlag.PETROSIAN_RADIUS_AT_LIMIT);
                    return ANNULUS_WIDTH;
                } else {
                    return root(ratio, lo, flo, a, v);
                }
            }
            double fOuter = ratio.applyAsDouble(outer);
            warn(MorphologyFlag.PETROSIAN_RADIUS_AT_LIMIT);
            return Double.isNaN(lo) || fOuter > 0 ? outer : root(ratio, lo, flo, outer, fOuter);
        }

        /** Annulus mean over interior mean minus eta, from the sums at a - 0.5, a and a + 0.5. */
        private double petrosianRatio(double sumIn, double sumMid, double sumOut, double a, double elongation) {
            double aIn = a - 0.5 * ANNULUS_WIDTH;
            double aOut = a + 0.5 * ANNULUS_WIDTH;
            double annulus = Math.abs((sumOut - sumIn) / (Math.PI * (aOut * aOut - aIn * aIn) / elongation));
            double inside = Math.abs(sumMid / (Math.PI * a * a / elongation));
            if (inside == 0) {
                warn(MorphologyFlag.PETROSIAN_RADIUS_AT_LIMIT);
                return (annulus != 0 ? 1 : 0) - ETA;
            }
            return annulus / inside - ETA;
        }

        /** The flux in circles about one centre, on a 1 px grid of radii shared by several totals and fractions. */
        private final class EnclosedFlux {
            private final double cx;
            private final double cy;
            private final double[] grid;

            EnclosedFlux(double cx, double cy, double rMax) {
                this.cx = cx;
                this.cy = cy;
                grid = new double[(int) Math.ceil(rMax) + 1];
                for (int k = 1; k < grid.length; k++) {
                    grid[k] = sum(k);
                }
            }

            private double sum(double r) {
                return Apertures.circleSum(img, width, height, cx, cy, r);
            }

            /**
             * statmorph's {@code _radius_at_fraction_of_total_circ}: the radius of the circle holding {@code fraction}
             * of the flux within {@code rTotal} (the flux at r taken absolute, a negative total flagged and taken
             * absolute): the first crossing on the 1 px grid, refined by Illinois root finding to 1e-6 px.
             *
             * @return the radius, px; NaN for a zero total
             */
            double radiusAtFraction(double rTotal, double fraction) {
                double total = sum(rTotal);
                if (!(total > 0)) {
                    warn(MorphologyFlag.APERTURE_FLUX_NOT_POSITIVE);
                    if (!(total < 0)) {
                        return Double.NaN;
                    }
                    total = -total;
                }
                double norm = total;
                java.util.function.DoubleUnaryOperator g = r -> (r == 0 ? 0 : Math.abs(sum(r)) / norm) - fraction;
                double lo = 0;
                double flo = -fraction;
                for (int k = 1; k <= (int) Math.ceil(rTotal); k++) {
                    double r = Math.min(k, rTotal);
                    double v = (r == k ? Math.abs(grid[k]) : Math.abs(sum(r))) / norm - fraction;
                    if (v > 0) {
                        return root(g, lo, flo, r, v);
                    }
                    lo = r;
                    flo = v;
                }
                return rTotal;
            }
        }

        /**
         * statmorph's {@code _segmap_gini}, with the elongation and orientation of the second moments about the
         * asymmetry centre and the threshold annulus about the centroid, as there.
         *
         * @return the Gini segmap, or null when it is empty or fills the cutout
         */
        private boolean[] giniSegmap(double ax, double ay, double xc, double yc) {
            double[] shape = shape(ax, ay);
            double elongation = shape[0];
            double theta = shape[1];
            double rp = petrosian(a -> Apertures.ellipseSum(img, width, height, ax, ay, a, a / elongation, theta),
                    elongation, diagonal() * elongation);
            double[] smooth = gaussianFilter(img, width, height, PETRO_FRACTION_GINI * rp);
            double aIn = rp - 0.5 * ANNULUS_WIDTH;
            double aOut = rp + 0.5 * ANNULUS_WIDTH;
            double threshold = (Apertures.ellipseSum(smooth, width, height, xc, yc, aOut, aOut / elongation, theta)
                    - Apertures.ellipseSum(smooth, width, height, xc, yc, aIn, aIn / elongation, theta))
                    / (Math.PI * (aOut * aOut - aIn * aIn) / elongation);
            boolean[] above = new boolean[img.length];
            int count = 0;
            int brightest = 0;
            for (int p = 0; p < img.length; p++) {
                above[p] = smooth[p] >= threshold;
                if (above[p]) {
                    count++;
                }
                if (smooth[p] > smooth[brightest]) {
                    brightest = p;
                }
            }
            if (count == 0 || count == img.length || !above[brightest]) {
                warn(MorphologyFlag.GINI_SEGMAP_DEGENERATE);
                return null;
            }
            int[] labels = new int[img.length];
            Segmentation.label(above, width, height, labels);
            boolean[] segmap = new boolean[img.length];
            for (int p = 0; p < img.length; p++) {
                segmap[p] = labels[p] == labels[brightest] && !masked(p);
            }
            return segmap;
        }

        /**
         * statmorph's {@code _covariance_generic}, {@code _elongation_generic} and {@code _orientation_generic}: the
         * second moments of the segment about (cx, cy), regularised for one-pixel-thin sources (SExtractor manual,
         * eq. 43).
         *
         * @return {elongation a/b &gt;= 1, orientation theta (radians from +x)}
         */
        private double[] shape(double cx, double cy) {
            double m00 = 0;
            double x2 = 0;
            double y2 = 0;
            double xy = 0;
            for (int p = 0; p < img.length; p++) {
                if (segment[p]) {
                    double dx = p % width - cx;
                    double dy = p / width - cy;
                    double v = img[p];
                    m00 += v;
                    x2 += v * dx * dx;
                    y2 += v * dy * dy;
                    xy += v * dx * dy;
                }
            }
            x2 /= m00;
            y2 /= m00;
            xy /= m00;
            double rho = 1.0 / 12.0;
            while (Math.abs(x2 * y2 - xy * xy) < rho * rho) {
                x2 += x2 >= 0 ? rho : -rho;
                y2 += y2 >= 0 ? rho : -rho;
            }
            double mean = 0.5 * (x2 + y2);
            double d = Math.sqrt(0.25 * (x2 - y2) * (x2 - y2) + xy * xy);
            double l1 = Math.abs(mean + d);
            double l2 = Math.abs(mean - d);
            double elongation = Math.sqrt(Math.max(l1, l2) / Math.min(l1, l2));
            return new double[] {elongation, 0.5 * Math.atan2(2 * xy, x2 - y2)};
        }
    }
}
