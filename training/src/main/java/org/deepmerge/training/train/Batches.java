package org.deepmerge.training.train;

import org.deepmerge.training.data.Augmentation;
import org.deepmerge.training.data.ImageDataset;
import org.deepmerge.training.data.TrainingSamples;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Builds DL4J mini-batches from an {@link ImageDataset} without copying more than one batch. */
public final class Batches {
    private Batches() {
    }

    /**
     * @param data         the images
     * @param samples      examples (image index, augmentation)
     * @param from         first example, inclusive
     * @param to           last example, exclusive
     * @param classWeights {w0, w1} per-example loss weights (as the labels mask), or null
     * @return features {@code [b,C,H,W]} float32, labels {@code [b,1]} (1 = merger), optional mask {@code [b,1]}
     */
    public static DataSet batch(ImageDataset data, TrainingSamples samples, int from, int to, double[] classWeights) {
        int b = to - from;
        int size = data.imageSize();
        float[] x = new float[b * size];
        float[] y = new float[b];
        float[] m = classWeights == null ? null : new float[b];
        Augmentation[] augs = Augmentation.values();
        for (int k = 0; k < b; k++) {
            int i = samples.index()[from + k];
            augs[samples.augmentation()[from + k]].apply(data.pixels(), data.offset(i), data.channels(), data.height(),
                    data.width(), x, k * size);
            y[k] = data.label(i);
            if (m != null) {
                m[k] = (float) classWeights[data.label(i)];
            }
        }
        DataSet ds = new DataSet(Nd4j.create(x, new long[] {b, data.channels(), data.height(), data.width()}, 'c'),
                Nd4j.create(y, new long[] {b, 1}, 'c'));
        if (m != null) {
            ds.setLabelsMaskArray(Nd4j.create(m, new long[] {b, 1}, 'c'));
        }
        return ds;
    }
}
