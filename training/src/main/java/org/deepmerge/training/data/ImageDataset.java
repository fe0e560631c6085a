package org.deepmerge.training.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * A labelled image set held in one contiguous {@code float[]} of layout {@code [N,C,H,W]} float32 (C order),
 * with one binary label per image (1 = merger, 0 = non-merger). No per-image objects: 15,426 x 2 x 75 x 75
 * floats (694 MB) fit a 4 GiB heap; splits and augmentation work on indices, never on copies.
 */
public final class ImageDataset {
    private final float[] images;
    private final int[] labels;
    private final int channels;
    private final int height;
    private final int width;
    private final List<String> channelNames;
    private final List<String> ids;
    private final String source;

    /**
     * @param images       {@code [N,C,H,W]} float32, owned by this dataset from now on (not copied)
     * @param labels       N labels, each 0 or 1
     * @param channelNames C band/filter names, in channel order
     * @param height       H, pixels
     * @param width        W, pixels
     * @param ids          N image ids (e.g. SDSS objid), or null to use the row index
     * @param source       where the data came from (file or directory), for messages and fingerprints
     * @throws DeepMergeException WRONG_SHAPE when the sizes disagree or a label is not 0/1
     */
    public ImageDataset(float[] images, int[] labels, List<String> channelNames, int height, int width,
                        List<String> ids, String source) throws DeepMergeException {
        this.images = Objects.requireNonNull(images, "images");
        this.labels = Objects.requireNonNull(labels, "labels");
        this.channelNames = List.copyOf(channelNames);
        this.channels = channelNames.size();
        this.height = height;
        this.width = width;
        this.source = source;
        long expected = (long) labels.length * channels * height * width;
        if (channels <= 0 || height <= 0 || width <= 0 || images.length != expected) {
            throw new DeepMergeException(Reason.WRONG_SHAPE, source + ": " + images.length + " floats for "
                    + labels.length + " images of " + channels + "x" + height + "x" + width);
        }
        if (ids != null && ids.size() != labels.length) {
            throw new DeepMergeException(Reason.WRONG_SHAPE, source + ": " + ids.size() + " ids for " + labels.length + " labels");
        }
        this.ids = ids == null ? null : List.copyOf(ids);
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] != 0 && labels[i] != 1) {
                throw new DeepMergeException(Reason.WRONG_SHAPE, source + ": label of image " + i + " is " + labels[i] + ", expected 0 or 1");
            }
        }
    }

    /** @return N, the number of images */
    public int size() {
        return labels.length;
    }

    /** @return C */
    public int channels() {
        return channels;
    }

    /** @return H, pixels */
    public int height() {
        return height;
    }

    /** @return W, pixels */
    public int width() {
        return width;
    }

    /** @return floats per image, C*H*W */
    public int imageSize() {
        return channels * height * width;
    }

    /** @return band/filter name of each channel, in channel order */
    public List<String> channelNames() {
        return channelNames;
    }

    /** @return where the data came from */
    public String source() {
        return source;
    }

    /**
     * @param i image index
     * @return the label (1 merger, 0 non-merger)
     */
    public int label(int i) {
        return labels[i];
    }

    /** @return a copy of all N labels */
    public int[] labels() {
        return labels.clone();
    }

    /**
     * @param i image index
     * @return the image id (row index when the source has no ids)
     */
    public String id(int i) {
        return ids == null ? Integer.toString(i) : ids.get(i);
    }

    /**
     * The backing {@code [N,C,H,W]} array, shared not copied: read-only by convention.
     *
     * @return the pixel array
     */
    public float[] pixels() {
        return images;
    }

    /** @return offset of image i's {@code [C,H,W]} block in {@link #pixels()} */
    public long offset(int i) {
        return (long) i * imageSize();
    }

    /**
     * Copies image i ({@code [C,H,W]}) into dest.
     *
     * @param i      image index
     * @param dest   destination
     * @param offset where the image starts in dest
     */
    public void copyImage(int i, float[] dest, int offset) {
        System.arraycopy(images, (int) offset(i), dest, offset, imageSize());
    }

    /**
     * Gathers the images at the given indices into a new {@code [k,C,H,W]} array.
     *
     * @param indices image indices
     * @return the images, concatenated in index order
     */
    public float[] gather(int[] indices) {
        float[] out = new float[indices.length * imageSize()];
        for (int k = 0; k < indices.length; k++) {
            copyImage(indices[k], out, k * imageSize());
        }
        return out;
    }

    /**
     * @param indices image indices
     * @return their labels
     */
    public int[] labels(int[] indices) {
        return Arrays.stream(indices).map(i -> labels[i]).toArray();
    }

    /** @return number of images labelled 1 (mergers) */
    public int positives() {
        int p = 0;
        for (int l : labels) {
            p += l;
        }
        return p;
    }

    @Override
    public String toString() {
        return "ImageDataset[" + source + ", N=" + size() + ", C=" + channels + " " + channelNames + ", "
                + height + "x" + width + ", mergers=" + positives() + "]";
    }
}
