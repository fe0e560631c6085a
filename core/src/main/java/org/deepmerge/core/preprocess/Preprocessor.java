package org.deepmerge.core.preprocess;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.alert.CutoutStamp;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.Normalisation;
import org.deepmerge.core.model.ResampleMode;

/**
 * Turns decoded stamps into one model input image {@code [C,H,W]} float32 (row-major, channel-first), per the
 * model contract. The one implementation used by serving (alerts) and by training (HLSP cubes, image folders).
 *
 * <p><b>Resampling.</b> {@link ResampleMode#ANGULAR} (default) maps each stamp onto the model's angular grid:
 * H x W pixels of {@link ModelContract#pixelScaleArcsec()} arcsec/px, centred on the stamp centre (the centre of
 * a W_in x H_in stamp is at pixel coordinate (W_in/2, H_in/2) in edge coordinates, i.e. between the two central
 * pixels of an even stamp and at the centre of the central pixel of an odd one). Where the stamp does not cover
 * the grid the image is zero. {@link ResampleMode#FIT} stretches the whole stamp onto H x W. Both use exact
 * area-overlap resampling that conserves <em>surface brightness</em> (an output pixel is the area-weighted
 * mean of the input pixels under it), not summed flux: the DeepMerge CNN was trained on images in
 * microJansky/arcsec^2 (HLSP DeepMerge, DOI 10.17909/t9-vqk6-pc80), a per-area unit that does not change when
 * pixels change size. Values keep the stamp's own units: no photometric calibration, no rotation or flip to
 * north-up (rows stay in FITS storage order).
 *
 * <p><b>Normalisation</b> from the contract, per channel after resampling: none, {@code (x - mean[c]) / std[c]},
 * or {@code asinh(x / softening)}; DISPLAY and SURVEY act on the whole image. SURVEY (the flux-domain normalisation
 * of survey stamps, {@link Normalisation#survey}) first subtracts each stamp's own sky (sigma-clipped median of the
 * stamp's border, {@link RobustStats#borderSky}) before resampling, so that grid pixels the stamp does not cover are
 * at the sky level, then scales and stretches the resampled image ({@link #normaliseImage}).
 *
 * <p>Thread-safe; the hot path allocates nothing after warm-up (per-axis overlap weights are cached, the
 * intermediate row buffer is per thread).
 */
public final class Preprocessor {
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);
    private final ModelContract contract;

    /** Decodes a stamp's FITS bytes, e.g. {@code stampDecoder::decode}. */
    @FunctionalInterface
    public interface StampReader {
        /**
         * @param stamp a present stamp
         * @return the decoded image
         * @throws DeepMergeException why it cannot be decoded
         */
        Stamp decode(CutoutStamp stamp) throws DeepMergeException;
    }

    /** @param contract the model contract (C, H, W, pixel scale, resample mode, normalisation) */
    public Preprocessor(ModelContract contract) {
        this.contract = contract;
    }

    /** @return the model contract */
    public ModelContract contract() {
        return contract;
    }

    /**
     * Writes one image {@code [C,H,W]} float32 into {@code dest[offset .. offset + C*H*W)}.
     *
     * @param channelStamps one stamp per model channel, in channel order
     * @param dest          destination array, e.g. a batch {@code [N,C,H,W]}
     * @param offset        where the image starts in dest
     * @throws DeepMergeException WRONG_SHAPE when the channel count does not match the contract, or (angular mode)
     *                            a stamp's pixel scale is not a positive number
     */
    public void toTensor(List<Stamp> channelStamps, float[] dest, int offset) throws DeepMergeException {
        fill(channelStamps, dest, offset, -1);
    }

    /**
     * As {@link #toTensor(List, float[], int)}, and keeps one channel's plane as it is before normalisation: the
     * stamp minus its border sky ({@link RobustStats#borderSky}), resampled onto the model grid, linear in flux (what
     * flux statistics such as {@link org.deepmerge.core.morphology.Morphology} need). Under
     * {@link Normalisation.Kind#SURVEY} this is a copy of the plane the normalisation then stretches; under the other
     * normalisations, which resample the stamp without subtracting its sky, the sky-subtracted stamp is resampled once
     * more for that one channel.
     *
     * @param channelStamps one stamp per model channel, in channel order
     * @param dest          destination array, e.g. a batch {@code [N,C,H,W]}
     * @param offset        where the image starts in dest
     * @param channel       the channel to keep, in {@code [0, C)}
     * @return the kept plane as a {@code [H,W]} float32 stamp with the grid's pixel scale: the contract's in
     *         {@link ResampleMode#ANGULAR} mode, the stamp's scaled by its width over W in {@link ResampleMode#FIT} mode
     * @throws DeepMergeException as {@link #toTensor(List, float[], int)}
     * @throws IllegalArgumentException when channel is not a channel of the contract
     */
    public Stamp toTensorKeepingLinear(List<Stamp> channelStamps, float[] dest, int offset, int channel)
            throws DeepMergeException {
        if (channel < 0 || channel >= contract.channelCount()) {
            throw new IllegalArgumentException("channel " + channel + " of " + contract.channelCount());
        }
        return fill(channelStamps, dest, offset, channel);
    }

    private Stamp fill(List<Stamp> channelStamps, float[] dest, int offset, int keep) throws DeepMergeException {
        int c = contract.channelCount();
        int h = contract.height();
        int w = contract.width();
        if (channelStamps.size() != c) {
            throw new DeepMergeException(Reason.WRONG_SHAPE, "got " + channelStamps.size() + " stamps for a model with "
                    + c + " channels " + contract.channels());
        }
        if (offset < 0 || offset + c * h * w > dest.length) {
            throw new IllegalArgumentException("dest[" + dest.length + "] cannot hold [" + c + "," + h + "," + w
                    + "] at offset " + offset);
        }
        int plane = h * w;
        boolean survey = contract.normalisation().kind() == Normalisation.Kind.SURVEY;
        Stamp kept = null;
        for (int ch = 0; ch < c; ch++) {
            Stamp s = channelStamps.get(ch);
            if (contract.resample() == ResampleMode.ANGULAR
                    && !(s.pixelScaleArcsec() > 0 && Double.isFinite(s.pixelScaleArcsec()))) {
                throw new DeepMergeException(Reason.WRONG_SHAPE, "stamp for channel " + ch + " ("
                        + contract.channels().get(ch) + ") has pixel scale " + s.pixelScaleArcsec()
                        + " arcsec/px; angular resampling needs a positive scale");
            }
            int at = offset + ch * plane;
            int same = indexOfSame(channelStamps, ch);
            if (same >= 0) {
                // a replicated stamp is resampled once and copied
                System.arraycopy(dest, offset + same * plane, dest, at, plane);
            } else if (survey) {
                resampleSkySubtracted(s, dest, at);
            } else {
                resample(s.pixels(), 0, s.width(), s.height(), s.pixelScaleArcsec(), dest, at, w, h,
                        contract.pixelScaleArcsec(), contract.resample());
            }
            if (ch == keep) {
                float[] linear = new float[plane];
                if (survey) {
                    System.arraycopy(dest, at, linear, 0, plane);
                } else {
                    resampleSkySubtracted(s, linear, 0);
                }
                kept = new Stamp(w, h, linear, gridScale(s), 0);
            }
        }
        normaliseImage(dest, offset, c, h, w, contract.normalisation());
        return kept;
    }

    /** Resamples the stamp minus its border sky onto the model grid at {@code dest[at .. at + H*W)}. */
    private void resampleSkySubtracted(Stamp s, float[] dest, int at) {
        float[] scratch = SCRATCH.get();
        if (scratch.length < s.pixels().length) {
            scratch = new float[s.pixels().length];
            SCRATCH.set(scratch);
        }
        float sky = (float) RobustStats.borderSky(s.pixels(), 0, s.width(), s.height()).level();
        float[] px = s.pixels();
        for (int i = 0; i < px.length; i++) {
            scratch[i] = px[i] - sky;
        }
        resample(scratch, 0, s.width(), s.height(), s.pixelScaleArcsec(), dest, at, contract.width(),
                contract.height(), contract.pixelScaleArcsec(), contract.resample());
    }

    /** The pixel scale of the model grid a stamp was resampled onto, arcsec/px. */
    private double gridScale(Stamp s) {
        return contract.resample() == ResampleMode.FIT
                ? s.pixelScaleArcsec() * s.width() / contract.width() : contract.pixelScaleArcsec();
    }

    /**
     * Applies the normalisation to one {@code [C,H,W]} image in place: per channel, or across all channels for
     * {@link Normalisation.Kind#DISPLAY} and {@link Normalisation.Kind#SURVEY}. SURVEY here estimates each channel's
     * sky from the border of the resampled image (close to 0 when {@link #toTensor} already subtracted the stamp's
     * own sky), subtracts it, and applies the common flux scale and asinh stretch.
     *
     * @param data     array holding the image
     * @param offset   start of the image
     * @param channels C
     * @param plane    H*W
     * @param n        the normalisation
     */
    public static void normaliseImage(float[] data, int offset, int channels, int plane, Normalisation n) {
        int side = (int) Math.round(Math.sqrt(plane));
        if (side * side == plane) {
            normaliseImage(data, offset, channels, side, side, n);
        } else {
            normaliseImage(data, offset, channels, 1, plane, n);
        }
    }

    /**
     * As {@link #normaliseImage(float[], int, int, int, Normalisation)} for an image of known H and W.
     *
     * @param data     array holding the image
     * @param offset   start of the image
     * @param channels C
     * @param height   H
     * @param width    W
     * @param n        the normalisation
     */
    public static void normaliseImage(float[] data, int offset, int channels, int height, int width, Normalisation n) {
        int plane = height * width;
        if (n.kind() == Normalisation.Kind.DISPLAY) {
            displayStretch(data, offset, channels * plane, n.softening());
            return;
        }
        if (n.kind() == Normalisation.Kind.SURVEY) {
            surveyStretch(data, offset, channels, height, width, n.softening());
            return;
        }
        for (int ch = 0; ch < channels; ch++) {
            normalise(data, offset + ch * plane, plane, ch, n);
        }
    }

    /**
     * The DISPLAY stretch of {@link Normalisation}: {@code clip(asinh(x / b) / asinh(M / b), 0, 1)} with {@code M}
     * the largest value of the image and {@code b = fraction * M}; an image with no positive pixel becomes 0.
     */
    private static void displayStretch(float[] data, int offset, int length, float fraction) {
        float max = 0f;
        for (int i = offset, e = offset + length; i < e; i++) {
            if (data[i] > max) {
                max = data[i];
            }
        }
        if (!(max > 0f) || !Float.isFinite(max)) {
            java.util.Arrays.fill(data, offset, offset + length, 0f);
            return;
        }
        double b = fraction * (double) max;
        double norm = 1.0 / asinh(max / b);
        for (int i = offset, e = offset + length; i < e; i++) {
            double v = asinh(data[i] / b) * norm;
            data[i] = (float) Math.min(1.0, Math.max(0.0, v));
        }
    }

    /**
     * The SURVEY normalisation of {@link Normalisation} on a resampled {@code [C,H,W]} image: per channel
     * subtract the border sky; {@code P} = the largest per-channel {@value Normalisation#SURVEY_PERCENTILE}th
     * percentile; {@code x -> asinh(x / (f P)) / asinh(1 / f)}. An image with no positive flux scale becomes 0.
     * Square planes are assumed by the (data, offset, channels, plane) overload only.
     */
    private static void surveyStretch(float[] data, int offset, int channels, int height, int width, float fraction) {
        int plane = height * width;
        double scale = 0;
        for (int ch = 0; ch < channels; ch++) {
            int at = offset + ch * plane;
            float sky = (float) RobustStats.borderSky(data, at, width, height).level();
            for (int i = at, e = at + plane; i < e; i++) {
                data[i] -= sky;
            }
            double p = RobustStats.quantile(data, at, plane, Normalisation.SURVEY_PERCENTILE / 100.0);
            if (p > scale) {
                scale = p;
            }
        }
        if (!(scale > 0) || !Double.isFinite(scale)) {
            java.util.Arrays.fill(data, offset, offset + channels * plane, 0f);
            return;
        }
        double inv = 1.0 / (fraction * scale);
        double norm = 1.0 / asinh(1.0 / fraction);
        for (int i = offset, e = offset + channels * plane; i < e; i++) {
            data[i] = (float) (asinh(data[i] * inv) * norm);
        }
    }

    private static double asinh(double x) {
        double a = Math.abs(x);
        return Math.copySign(Math.log(a + Math.sqrt(a * a + 1.0)), x);
    }

    private static int indexOfSame(List<Stamp> stamps, int ch) {
        for (int i = 0; i < ch; i++) {
            if (stamps.get(i) == stamps.get(ch)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Alert to model input in one call: selects a stamp per channel, decodes each distinct stamp once (a replicated
     * single-band stamp is decoded once for all channels) and writes {@code [C,H,W]} float32 at {@code offset}.
     *
     * @param alert   the alert
     * @param mapping which cutout kind feeds the channels
     * @param reader  FITS decoder, e.g. {@code new StampDecoder(StampLimits.defaults())::decode}
     * @param dest    destination array, e.g. a batch {@code [N,C,H,W]}
     * @param offset  where the image starts in dest
     * @return the selection (check {@link ChannelMapping.Selection#incomplete()})
     * @throws DeepMergeException MISSING_CUTOUT from the mapping, the decoder's reasons, WRONG_SHAPE
     */
    public ChannelMapping.Selection toTensor(Alert alert, ChannelMapping mapping, StampReader reader, float[] dest,
                                             int offset) throws DeepMergeException {
        ChannelMapping.Selection selection = mapping.select(alert, contract);
        Map<CutoutStamp, Stamp> decoded = new IdentityHashMap<>();
        List<Stamp> stamps = new ArrayList<>(selection.sources().size());
        for (CutoutStamp s : selection.stamps()) {
            Stamp d = decoded.get(s);
            if (d == null) {
                d = reader.decode(s);
                decoded.put(s, d);
            }
            stamps.add(d);
        }
        toTensor(stamps, dest, offset);
        return selection;
    }

    /**
     * @param channelStamps one stamp per model channel, in channel order
     * @return a new {@code [C,H,W]} float32 array
     * @throws DeepMergeException as {@link #toTensor(List, float[], int)}
     */
    public float[] toTensor(List<Stamp> channelStamps) throws DeepMergeException {
        float[] out = new float[contract.imageSize()];
        toTensor(channelStamps, out, 0);
        return out;
    }

    /**
     * Resamples one 2-D image (the code path {@link #toTensor} uses; for training data such as HLSP cubes).
     *
     * @param src        input pixels, row-major {@code [srcHeight, srcWidth]} starting at {@code srcOffset}
     * @param srcOffset  start of the image in src
     * @param srcWidth   input width, pixels
     * @param srcHeight  input height, pixels
     * @param srcScale   input pixel scale, arcsec/px (ignored in FIT mode)
     * @param dst        output array
     * @param dstOffset  start of the {@code [dstHeight, dstWidth]} output in dst
     * @param dstWidth   output width W, pixels
     * @param dstHeight  output height H, pixels
     * @param dstScale   output pixel scale, arcsec/px (ignored in FIT mode)
     * @param mode       ANGULAR (centred, zero-padded) or FIT (stretch)
     */
    public static void resample(float[] src, int srcOffset, int srcWidth, int srcHeight, double srcScale,
                                float[] dst, int dstOffset, int dstWidth, int dstHeight, double dstScale,
                                ResampleMode mode) {
        double stepX;
        double stepY;
        double x0;
        double y0;
        if (mode == ResampleMode.FIT) {
            stepX = (double) srcWidth / dstWidth;
            stepY = (double) srcHeight / dstHeight;
            x0 = 0;
            y0 = 0;
        } else {
            stepX = dstScale / srcScale;
            stepY = stepX;
            x0 = srcWidth / 2.0 - dstWidth / 2.0 * stepX;
            y0 = srcHeight / 2.0 - dstHeight / 2.0 * stepY;
        }
        AreaResampler.resample(src, srcOffset, srcWidth, srcHeight, dst, dstOffset, dstWidth, dstHeight,
                stepX, x0, stepY, y0);
    }

    /**
     * @param stamp    a decoded stamp (its own pixel scale)
     * @param width    output W, pixels
     * @param height   output H, pixels
     * @param scale    output pixel scale, arcsec/px
     * @param mode     ANGULAR or FIT
     * @return a new {@code [height, width]} float32 image
     */
    public static float[] resample(Stamp stamp, int width, int height, double scale, ResampleMode mode) {
        float[] out = new float[width * height];
        resample(stamp.pixels(), 0, stamp.width(), stamp.height(), stamp.pixelScaleArcsec(), out, 0, width, height,
                scale, mode);
        return out;
    }

    /**
     * Applies a per-channel normalisation to one channel in place (DISPLAY works on whole images: use
     * {@link #normaliseImage}; here it leaves the channel unchanged).
     *
     * @param data    array holding the channel
     * @param offset  start of the channel's H*W pixels
     * @param pixels  H*W
     * @param channel channel index (selects mean/std)
     * @param n       the normalisation
     */
    public static void normalise(float[] data, int offset, int pixels, int channel, Normalisation n) {
        switch (n.kind()) {
            case STANDARDIZE: {
                float mean = n.mean().get(channel);
                float inv = 1f / n.std().get(channel);
                for (int i = offset, e = offset + pixels; i < e; i++) {
                    data[i] = (data[i] - mean) * inv;
                }
                break;
            }
            case ASINH: {
                double inv = 1.0 / n.softening();
                for (int i = offset, e = offset + pixels; i < e; i++) {
                    data[i] = (float) asinh(data[i] * inv);
                }
                break;
            }
            default:
                break;
        }
    }
}
