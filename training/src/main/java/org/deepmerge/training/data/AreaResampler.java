package org.deepmerge.training.data;

import java.util.List;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.fits.Stamp;

/**
 * Area-weighted ("box") resampling of each channel stamp onto an H x W grid covering the whole stamp (the
 * contract's {@code fit} mode, no normalisation): every output pixel is the overlap-weighted mean of the source
 * pixels it covers, so surface brightness is preserved and an integer factor reduces to a plain box average.
 * Stand-in for the core Preprocessor until it lands; used through {@link StampPreprocessor#forContract}.
 */
public final class AreaResampler {
    private final int channels;
    private final int height;
    private final int width;

    /**
     * @param channels C
     * @param height   output H, pixels
     * @param width    output W, pixels
     */
    public AreaResampler(int channels, int height, int width) {
        this.channels = channels;
        this.height = height;
        this.width = width;
    }

    /**
     * @param stamps one stamp per channel
     * @param dest   destination
     * @param offset where {@code [C,H,W]} starts in dest
     * @throws DeepMergeException WRONG_SHAPE when the stamp count is not C
     */
    public void toTensor(List<Stamp> stamps, float[] dest, int offset) throws DeepMergeException {
        if (stamps.size() != channels) {
            throw new DeepMergeException(Reason.WRONG_SHAPE, stamps.size() + " stamps for a " + channels + "-channel model");
        }
        for (int c = 0; c < channels; c++) {
            Stamp s = stamps.get(c);
            resample(s.pixels(), s.width(), s.height(), dest, offset + c * height * width, width, height);
        }
    }

    /**
     * Resamples one plane.
     *
     * @param src    source, row-major {@code [sh,sw]}
     * @param sw     source width
     * @param sh     source height
     * @param dst    destination
     * @param dstOff where the {@code [dh,dw]} plane starts
     * @param dw     destination width
     * @param dh     destination height
     */
    public static void resample(float[] src, int sw, int sh, float[] dst, int dstOff, int dw, int dh) {
        double fx = (double) sw / dw;
        double fy = (double) sh / dh;
        for (int y = 0; y < dh; y++) {
            double y0 = y * fy;
            double y1 = y0 + fy;
            for (int x = 0; x < dw; x++) {
                double x0 = x * fx;
                double x1 = x0 + fx;
                double sum = 0;
                double area = 0;
                for (int sy = (int) Math.floor(y0); sy < Math.min(sh, (int) Math.ceil(y1)); sy++) {
                    double wy = Math.min(y1, sy + 1) - Math.max(y0, sy);
                    if (wy <= 0) {
                        continue;
                    }
                    for (int sx = (int) Math.floor(x0); sx < Math.min(sw, (int) Math.ceil(x1)); sx++) {
                        double wx = Math.min(x1, sx + 1) - Math.max(x0, sx);
                        if (wx <= 0) {
                            continue;
                        }
                        sum += wx * wy * src[sy * sw + sx];
                        area += wx * wy;
                    }
                }
                dst[dstOff + y * dw + x] = area > 0 ? (float) (sum / area) : 0f;
            }
        }
    }
}
