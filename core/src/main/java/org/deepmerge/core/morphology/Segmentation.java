package org.deepmerge.core.morphology;

import org.deepmerge.core.preprocess.RobustStats;

/**
 * Detection of the central source, the step statmorph leaves to the user (its tutorial uses photutils'
 * {@code detect_threshold(image, 1.5)} and {@code detect_sources(..., npixels=5)}, Rodriguez-Gomez et al. 2019, §2):
 *
 * <ol>
 * <li>noise: level and sigma of the stamp's border ring, sigma-clipped ({@link RobustStats#borderSky}, the estimate the
 * survey normalisation uses); when the border is flat (sigma 0: the zero padding of a model grid wider than the stamp,
 * or a CCD edge whose NaNs the decoder filled with one value) the same statistics of the finite pixels that differ
 * from the border's value; pixels of exactly that value are padding, not data: the measurement masks them (they would
 * otherwise count as noiseless sky);</li>
 * <li>a light 3x3 boxcar smoothing (mean of the finite neighbours);</li>
 * <li>threshold: smoothed value &gt; level + {@value #THRESHOLD_SIGMA} sigma, with sigma of the unsmoothed pixels (as
 * photutils, which computes the threshold on the image and applies it to the filtered image): 4.5 standard deviations
 * of the smoothed white noise;</li>
 * <li>8-connected regions of at least {@value #MIN_PIXELS} pixels are sources;</li>
 * <li>the central source is the one holding the pixel(s) nearest the stamp centre (one pixel for odd sizes, four for
 * even); when those are below threshold, the source with the largest flux among those with a pixel within
 * {@code max(2, min(W, H) / 8)} px of the centre.</li>
 * </ol>
 */
final class Segmentation {
    /** Detection threshold above the sky level, in sigma of the unsmoothed pixels. */
    static final double THRESHOLD_SIGMA = 1.5;
    /** Smallest region that counts as a source (photutils' {@code npixels} in the statmorph tutorial). */
    static final int MIN_PIXELS = 5;
    /** Fraction of the stamp's outermost pixels the central segment may cover before it counts as truncated. */
    static final double TRUNCATION_EDGE_FRACTION = 0.1;

    /**
     * @param labels   region label per pixel, 0 below threshold, 1..count above
     * @param sizes    pixels per label (index 0 unused)
     * @param central  label of the central source, 0 when there is none
     * @param flag     OK, SEGMENT_TRUNCATED, TOO_FEW_PIXELS or NO_SOURCE
     * @param level    sky level used for the threshold (the border's sigma-clipped median)
     * @param sigma    sky noise used for the threshold
     * @param padding  the value of a flat border (padding, not data: masked by the measurement), NaN when the border
     *                 has noise
     */
    record Detection(int[] labels, int[] sizes, int central, MorphologyFlag flag, double level, double sigma,
                     double padding) {
        /** @return pixels of the central segment, 0 when there is none */
        int centralPixels() {
            return central == 0 ? 0 : sizes[central];
        }

        /**
         * @param p pixel index
         * @return true when p belongs to another source (a region of at least {@value #MIN_PIXELS} pixels)
         */
        boolean otherSource(int p) {
            int l = labels[p];
            return l != 0 && l != central && sizes[l] >= MIN_PIXELS;
        }
    }

    private Segmentation() {
    }

    /**
     * @param image  input pixels (non-finite ones are ignored)
     * @param width  W
     * @param height H
     * @return the detection
     */
    static Detection detect(float[] image, int width, int height) {
        int n = width * height;
        RobustStats.Sky sky = RobustStats.borderSky(image, 0, width, height);
        double level = sky.level();
        double sigma = sky.sigma();
        double padding = Double.NaN;
        if (!(sigma > 0)) {
            padding = (float) level;
            // a flat border: zero padding of the model grid beyond the stamp, or a CCD edge filled with one value.
            // Estimate the noise from the pixels that differ from the border's value.
            double[] rest = new double[n];
            int k = 0;
            for (float v : image) {
                if (Float.isFinite(v) && v != (float) level) {
                    rest[k++] = v;
                }
            }
            if (k > 0) {
                RobustStats.Sky inner = RobustStats.clippedStats(rest, k);
                level = inner.level();
                sigma = inner.sigma();
            }
        }
        double threshold = level + THRESHOLD_SIGMA * sigma;
        boolean[] above = new boolean[n];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int p = y * width + x;
                if (Float.isFinite(image[p])) {
                    above[p] = boxcar3(image, width, height, x, y) > threshold;
                }
            }
        }
        int[] labels = new int[n];
        int count = label(above, width, height, labels);
        int[] sizes = new int[count + 1];
        double[] flux = new double[count + 1];
        for (int p = 0; p < n; p++) {
            sizes[labels[p]]++;
            if (labels[p] != 0) {
                flux[labels[p]] += image[p];
            }
        }
        double cx = (width - 1) / 2.0;
        double cy = (height - 1) / 2.0;
        // the pixel(s) nearest the centre: one for odd sizes, two or four for even ones
        int central = 0;
        double centralFlux = Double.NEGATIVE_INFINITY;
        for (int y = (int) Math.floor(cy); y <= (int) Math.ceil(cy); y++) {
            for (int x = (int) Math.floor(cx); x <= (int) Math.ceil(cx); x++) {
                int l = labels[y * width + x];
                if (l != 0 && sizes[l] >= MIN_PIXELS && flux[l] > centralFlux) {
                    central = l;
                    centralFlux = flux[l];
                }
            }
        }
        boolean smallNearCentre = false;
        if (central == 0) {
            double radius = Math.max(2, Math.min(width, height) / 8.0);
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int l = labels[y * width + x];
                    double dx = x - cx;
                    double dy = y - cy;
                    if (l == 0 || dx * dx + dy * dy > radius * radius) {
                        continue;
                    }
                    if (sizes[l] < MIN_PIXELS) {
                        smallNearCentre = true;
                    } else if (flux[l] > centralFlux) {
                        central = l;
                        centralFlux = flux[l];
                    }
                }
            }
        }
        if (central == 0) {
            return new Detection(labels, sizes, 0, smallNearCentre ? MorphologyFlag.TOO_FEW_PIXELS
                    : MorphologyFlag.NO_SOURCE, level, sigma, padding);
        }
        int edge = 0;
        int onEdge = 0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                if (y == 0 || y == height - 1 || x == 0 || x == width - 1) {
                    edge++;
                    if (labels[y * width + x] == central) {
                        onEdge++;
                    }
                }
            }
        }
        MorphologyFlag flag = onEdge > TRUNCATION_EDGE_FRACTION * edge ? MorphologyFlag.SEGMENT_TRUNCATED
                : MorphologyFlag.OK;
        if (Math.abs(level) > sigma) {
            // statmorph's check of the sky subtraction (|mean| > std, on its sky box) on the border ring
            flag = flag.worst(MorphologyFlag.NOT_SKY_SUBTRACTED);
        }
        return new Detection(labels, sizes, central, flag, level, sigma, padding);
    }

    /** Mean of the finite pixels in the 3x3 box about (x, y) that lie inside the image. */
    private static double boxcar3(float[] image, int width, int height, int x, int y) {
        double sum = 0;
        int k = 0;
        for (int j = Math.max(0, y - 1); j <= Math.min(height - 1, y + 1); j++) {
            for (int i = Math.max(0, x - 1); i <= Math.min(width - 1, x + 1); i++) {
                float v = image[j * width + i];
                if (Float.isFinite(v)) {
                    sum += v;
                    k++;
                }
            }
        }
        return sum / k;
    }

    /**
     * 8-connected component labelling (breadth-first).
     *
     * @param on     pixels to label
     * @param width  W
     * @param height H
     * @param labels output: 0 for pixels not on, 1..count for the components in row-major order of their first pixel
     * @return the number of components
     */
    static int label(boolean[] on, int width, int height, int[] labels) {
        int[] queue = new int[width * height];
        int count = 0;
        for (int start = 0; start < on.length; start++) {
            if (!on[start] || labels[start] != 0) {
                continue;
            }
            count++;
            int head = 0;
            int tail = 0;
            queue[tail++] = start;
            labels[start] = count;
            while (head < tail) {
                int p = queue[head++];
                int px = p % width;
                int py = p / width;
                for (int j = Math.max(0, py - 1); j <= Math.min(height - 1, py + 1); j++) {
                    for (int i = Math.max(0, px - 1); i <= Math.min(width - 1, px + 1); i++) {
                        int q = j * width + i;
                        if (on[q] && labels[q] == 0) {
                            labels[q] = count;
                            queue[tail++] = q;
                        }
                    }
                }
            }
        }
        return count;
    }
}
