package org.deepmerge.training.data;

import java.util.Arrays;
import java.util.Random;

/**
 * The training examples of one epoch as (image index, augmentation) pairs over an {@link ImageDataset}; no
 * pixels are copied until a mini-batch is built.
 *
 * @param index        image index of each example
 * @param augmentation augmentation ordinal ({@link Augmentation}) of each example
 */
public record TrainingSamples(int[] index, byte[] augmentation) {

    public TrainingSamples {
        if (index.length != augmentation.length) {
            throw new IllegalArgumentException(index.length + " indices for " + augmentation.length + " augmentations");
        }
        index = index.clone();
        augmentation = augmentation.clone();
    }

    /**
     * @param indices image indices, used as they are
     * @return the examples without augmentation
     */
    public static TrainingSamples plain(int[] indices) {
        return new TrainingSamples(indices, new byte[indices.length]);
    }

    /**
     * The DeepMerge scheme: every image of the minority class (fewer members among {@code indices}) appears 5
     * times, once per {@link Augmentation}; the majority class once. Use on the training split only.
     *
     * @param indices training indices
     * @param labels  labels of the whole dataset, indexed by image index
     * @return the augmented examples
     */
    public static TrainingSamples augmentMinority(int[] indices, int[] labels) {
        long pos = Arrays.stream(indices).filter(i -> labels[i] == 1).count();
        int minority = pos <= indices.length - pos ? 1 : 0;
        int copies = Augmentation.values().length;
        int n = 0;
        for (int i : indices) {
            n += labels[i] == minority ? copies : 1;
        }
        int[] idx = new int[n];
        byte[] aug = new byte[n];
        int k = 0;
        for (int i : indices) {
            if (labels[i] == minority) {
                for (Augmentation a : Augmentation.values()) {
                    idx[k] = i;
                    aug[k++] = (byte) a.ordinal();
                }
            } else {
                idx[k++] = i;
            }
        }
        return new TrainingSamples(idx, aug);
    }

    /** @return number of examples */
    public int size() {
        return index.length;
    }

    /**
     * @param labels labels of the whole dataset
     * @return number of examples labelled 1
     */
    public int positives(int[] labels) {
        int p = 0;
        for (int i : index) {
            p += labels[i];
        }
        return p;
    }

    /**
     * Balanced class weights {@code w_c = n / (2 n_c)} (sklearn's "balanced"), for the loss.
     *
     * @param labels labels of the whole dataset
     * @return {w0, w1}; 1 for a class that is absent
     */
    public double[] balancedClassWeights(int[] labels) {
        int p = positives(labels);
        int n = size();
        return new double[] {n - p == 0 ? 1 : n / (2.0 * (n - p)), p == 0 ? 1 : n / (2.0 * p)};
    }

    /**
     * @param seed RNG seed (e.g. base seed + epoch)
     * @return the same examples in a seeded random order
     */
    public TrainingSamples shuffled(long seed) {
        int[] order = java.util.stream.IntStream.range(0, size()).toArray();
        Split.shuffle(order, new Random(seed));
        int[] idx = new int[size()];
        byte[] aug = new byte[size()];
        for (int k = 0; k < order.length; k++) {
            idx[k] = index[order[k]];
            aug[k] = augmentation[order[k]];
        }
        return new TrainingSamples(idx, aug);
    }
}
