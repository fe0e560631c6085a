package org.deepmerge.training.eval;

import java.util.ArrayList;
import java.util.List;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.model.Normalisation;
import org.deepmerge.core.morphology.Morphology;
import org.deepmerge.core.morphology.MorphologyResult;
import org.deepmerge.training.data.ImageDataset;
import org.deepmerge.training.data.RotationResidual;

/**
 * The morphology feature vector of a model input, for the random-forest baseline ({@link MorphologyForest}).
 *
 * <p><b>Which pixels.</b> The model input {@code [C,H,W]} float32 of an {@link ImageDataset} row, exactly what the CNN
 * and the {@link AsymmetryBaseline} see: the survey channels (every channel except a derived
 * {@value RotationResidual#CHANNEL} channel) are each taken back to linear flux by undoing the contract's normalisation
 * ({@link #linearise}) and averaged into one image; for the one-channel {@code any} contract of the default model that
 * is the stamp itself. The core {@link Morphology#measure(float[], int, int, double)} then measures it at the
 * contract's pixel scale (arcsec/px), which only the half-light radius depends on.
 *
 * <p><b>Features</b> ({@link #NAMES}): C, A (Conselice 2000), G, M20 (Lotz et al. 2004), the Gini-M20 merger and
 * bulge statistics S and F (Snyder et al. 2015; Rodriguez-Gomez et al. 2019), the half-light radius in arcsec, and
 * {@code segmentation_failed} (1 when the core found no measurable central source, 0 otherwise). A statistic that is
 * NaN (every one of them after a failed segmentation, G and M20 after a degenerate Gini segmap) is replaced by
 * {@value #MISSING}, below the range of every statistic: a tree isolates such rows with one split, whereas imputing a
 * median would mix blank or star-only stamps (non-mergers by construction) with typical galaxies.
 */
public final class MorphologyFeatures {
    /** Feature names, in vector order. */
    public static final List<String> NAMES = List.of("concentration", "asymmetry", "gini", "m20", "gini_m20_merger",
            "gini_m20_bulge", "half_light_radius_arcsec", "segmentation_failed");
    /** Value of a statistic that could not be measured. */
    public static final double MISSING = -10.0;
    /** Index of G in the vector. */
    public static final int GINI = 2;
    /** Index of M20 in the vector. */
    public static final int M20 = 3;

    private MorphologyFeatures() {
    }

    /**
     * How model inputs are turned into a linear image for the morphology: their shape, normalisation and pixel scale.
     *
     * @param channels       C of the model input, derived channels included
     * @param height         H, pixels
     * @param width          W, pixels
     * @param surveyChannels how many leading channels carry survey flux (the rest are derived, e.g. the rotation
     *                       residual), 1..C
     * @param normalisation  the contract normalisation spec the inputs went through ({@link Normalisation#spec()})
     * @param arcsecPerPixel pixel scale of the input grid, arcsec/px
     */
    public record InputView(int channels, int height, int width, int surveyChannels, String normalisation,
                            double arcsecPerPixel) {
        public InputView {
            if (channels <= 0 || height <= 0 || width <= 0 || surveyChannels < 1 || surveyChannels > channels) {
                throw new IllegalArgumentException("input view " + channels + "x" + height + "x" + width + " with "
                        + surveyChannels + " survey channels");
            }
            if (!(arcsecPerPixel > 0) || Double.isInfinite(arcsecPerPixel)) {
                throw new IllegalArgumentException("pixel scale must be a positive number of arcsec/px: " + arcsecPerPixel);
            }
        }

        /**
         * @return e.g. {@code 1x40x40 at 1.2"/px, survey:0.1}, or {@code 2x40x40 (1 survey channel) at 1.2"/px, none}
         */
        @Override
        public String toString() {
            String derived = surveyChannels == channels ? "" : " (" + surveyChannels + " survey channel"
                    + (surveyChannels == 1 ? "" : "s") + ")";
            return channels + "x" + height + "x" + width + derived + " at "
                    + java.math.BigDecimal.valueOf(arcsecPerPixel).stripTrailingZeros().toPlainString() + "\"/px, "
                    + normalisation;
        }

        /**
         * @param d              a dataset of model inputs
         * @param normalisation  the normalisation they went through
         * @param arcsecPerPixel their pixel scale, arcsec/px
         * @return the view; a trailing {@value RotationResidual#CHANNEL} channel is not a survey channel
         */
        public static InputView of(ImageDataset d, Normalisation normalisation, double arcsecPerPixel) {
            int survey = (int) d.channelNames().stream().filter(c -> !c.equals(RotationResidual.CHANNEL)).count();
            return new InputView(d.channels(), d.height(), d.width(), Math.max(1, survey), normalisation.spec(), arcsecPerPixel);
        }

        /**
         * @param other the view of the inputs about to be measured
         * @throws DeepMergeException INVALID_CONFIG when shape, survey channels, normalisation or pixel scale differ:
         *                            statistics of other inputs would not mean what the forest learnt
         */
        public void requireSame(InputView other) throws DeepMergeException {
            boolean same = channels == other.channels && height == other.height && width == other.width
                    && surveyChannels == other.surveyChannels && normalisation.equals(other.normalisation)
                    && Math.abs(arcsecPerPixel - other.arcsecPerPixel) <= 1e-6 * arcsecPerPixel;
            if (!same) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, "the morphology baseline was trained on inputs " + this
                        + " but these inputs are " + other + "; train it on the same model inputs");
            }
        }
    }

    /**
     * Undoes a contract normalisation on one plane in place, up to a positive factor per image (which C, A, G, M20,
     * S, F and the radii do not depend on): SURVEY {@code v -> sinh(v asinh(1/f))}, ASINH {@code v -> s sinh(v)},
     * DISPLAY {@code v -> sinh(v asinh(1/f))} (pixels clipped at 0 or 1 stay clipped), STANDARDIZE
     * {@code v -> v std + mean}, NONE unchanged.
     *
     * @param plane   pixels of one channel
     * @param channel the channel's index (STANDARDIZE)
     * @param n       the normalisation
     */
    static void linearise(float[] plane, int channel, Normalisation n) {
        switch (n.kind()) {
            case SURVEY, DISPLAY -> {
                double k = asinh(1.0 / n.softening());
                for (int i = 0; i < plane.length; i++) {
                    plane[i] = (float) Math.sinh(plane[i] * k);
                }
            }
            case ASINH -> {
                for (int i = 0; i < plane.length; i++) {
                    plane[i] = (float) (n.softening() * Math.sinh(plane[i]));
                }
            }
            case STANDARDIZE -> {
                float m = n.mean().get(channel);
                float s = n.std().get(channel);
                for (int i = 0; i < plane.length; i++) {
                    plane[i] = plane[i] * s + m;
                }
            }
            case NONE -> {
            }
        }
    }

    /**
     * The linear image the statistics are measured on: the mean of the survey channels, each linearised.
     *
     * @param images array holding {@code [C,H,W]} model inputs
     * @param offset where the image starts
     * @param view   how the inputs were made
     * @param n      the parsed normalisation of {@code view}
     * @return {@code [H,W]} pixels
     */
    static float[] linearImage(float[] images, long offset, InputView view, Normalisation n) {
        int plane = view.height() * view.width();
        float[] out = new float[plane];
        float[] ch = new float[plane];
        for (int c = 0; c < view.surveyChannels(); c++) {
            System.arraycopy(images, (int) (offset + (long) c * plane), ch, 0, plane);
            linearise(ch, c, n);
            for (int i = 0; i < plane; i++) {
                out[i] += ch[i] / view.surveyChannels();
            }
        }
        return out;
    }

    /**
     * @param r a morphology result
     * @return its feature vector ({@link #NAMES}), NaN statistics as {@value #MISSING}
     */
    public static double[] of(MorphologyResult r) {
        double[] v = {r.concentration(), r.asymmetry(), r.gini(), r.m20(), r.giniM20Merger(), r.giniM20Bulge(),
                r.halfLightRadiusArcsec(), r.flag().measured() ? 0 : 1};
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                v[i] = MISSING;
            }
        }
        return v;
    }

    /**
     * Measures n consecutive model inputs.
     *
     * @param images {@code [n,C,H,W]} float32 model inputs
     * @param n      how many
     * @param view   how they were made
     * @return n feature vectors
     * @throws DeepMergeException INVALID_CONFIG when the normalisation spec does not parse, WRONG_SHAPE when the
     *                            array is shorter than n inputs of the view's shape
     */
    public static double[][] measure(float[] images, int n, InputView view) throws DeepMergeException {
        long size = (long) view.channels() * view.height() * view.width();
        if (images.length < n * size) {
            throw new DeepMergeException(Reason.WRONG_SHAPE, images.length + " floats for " + n + " inputs of "
                    + view.channels() + "x" + view.height() + "x" + view.width());
        }
        Normalisation norm = Normalisation.parse(view.normalisation());
        double[][] out = new double[n][];
        for (int k = 0; k < n; k++) {
            float[] img = linearImage(images, k * size, view, norm);
            out[k] = of(Morphology.measure(img, view.width(), view.height(), view.arcsecPerPixel()));
        }
        return out;
    }

    /**
     * Measures chosen rows of a dataset, one row at a time (no copy of the whole part).
     *
     * @param d       model inputs
     * @param indices which rows
     * @param view    how they were made (must match the dataset's shape)
     * @return one feature vector per index
     * @throws DeepMergeException as {@link #measure(float[], int, InputView)}
     */
    public static double[][] measure(ImageDataset d, int[] indices, InputView view) throws DeepMergeException {
        if (d.channels() != view.channels() || d.height() != view.height() || d.width() != view.width()) {
            throw new DeepMergeException(Reason.WRONG_SHAPE, "dataset " + d + " does not have the shape of " + view);
        }
        List<double[]> rows = new ArrayList<>(indices.length);
        for (int i : indices) {
            rows.add(measure(d.gather(new int[] {i}), 1, view)[0]);
        }
        return rows.toArray(new double[0][]);
    }

    private static double asinh(double x) {
        return Math.log(x + Math.sqrt(x * x + 1));
    }
}
