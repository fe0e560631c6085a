package org.deepmerge.training.data;

import java.util.ArrayList;
import java.util.List;
import org.deepmerge.core.DeepMergeException;

/**
 * The rotational-asymmetry residual as an extra input channel: {@code |G - rot180(G)|} with {@code G} the mean of the
 * image's channels, i.e. the per-pixel map whose normalised sum is the rotational asymmetry {@code A} of Conselice
 * (2003, ApJS 147, 1) and of the {@code baseline} command. Giving it to the CNN as a channel lets the network use the
 * strongest classical merger statistic and learn what it misses (colour, tidal features, companions).
 *
 * <p>The residual commutes with the DeepMerge augmentations (flips and 90/180 degree rotations about the centre),
 * so it can be computed once, before augmentation. The exported ONNX graph computes the same channel from the
 * survey channels (docs/onnx-export.md), so the scorer feeds only the survey bands.
 */
public final class RotationResidual {
    /** Name of the derived channel in {@link ImageDataset#channelNames()} and in checkpoints. */
    public static final String CHANNEL = "rot180-residual";

    private RotationResidual() {
    }

    /**
     * @param d images {@code [N,C,H,W]} float32
     * @return a dataset of {@code [N,C+1,H,W]}: the original channels followed by the residual
     * @throws DeepMergeException WRONG_SHAPE when {@code d} already has the residual channel
     */
    public static ImageDataset append(ImageDataset d) throws DeepMergeException {
        if (d.channelNames().contains(CHANNEL)) {
            throw new DeepMergeException(DeepMergeException.Reason.WRONG_SHAPE, d.source() + " already has " + CHANNEL);
        }
        int c = d.channels();
        int plane = d.height() * d.width();
        float[] out = new float[Math.multiplyExact(d.size(), (c + 1) * plane)];
        float[] grey = new float[plane];
        for (int i = 0; i < d.size(); i++) {
            int src = (int) d.offset(i);
            int dst = i * (c + 1) * plane;
            System.arraycopy(d.pixels(), src, out, dst, c * plane);
            residual(d.pixels(), src, c, d.height(), d.width(), grey, out, dst + c * plane);
        }
        List<String> names = new ArrayList<>(d.channelNames());
        names.add(CHANNEL);
        List<String> ids = new ArrayList<>(d.size());
        for (int i = 0; i < d.size(); i++) {
            ids.add(d.id(i));
        }
        return new ImageDataset(out, d.labels(), names, d.height(), d.width(), ids, d.source());
    }

    /**
     * Writes {@code |G - rot180(G)|} of one image, {@code G} the channel mean, into {@code dest[destOffset ..]}.
     *
     * @param src        images, {@code [C,H,W]} at {@code offset}
     * @param offset     first value of the image
     * @param channels   C
     * @param height     H
     * @param width      W
     * @param grey       scratch of H*W floats
     * @param dest       output
     * @param destOffset first value of the {@code [H,W]} residual
     */
    public static void residual(float[] src, int offset, int channels, int height, int width, float[] grey,
                                float[] dest, int destOffset) {
        int plane = height * width;
        for (int p = 0; p < plane; p++) {
            float s = 0;
            for (int k = 0; k < channels; k++) {
                s += src[offset + k * plane + p];
            }
            grey[p] = s / channels;
        }
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int p = y * width + x;
                int q = (height - 1 - y) * width + (width - 1 - x);
                dest[destOffset + p] = Math.abs(grey[p] - grey[q]);
            }
        }
    }
}
