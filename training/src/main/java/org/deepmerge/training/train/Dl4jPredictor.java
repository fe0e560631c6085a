package org.deepmerge.training.train;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Inference-mode (no dropout, BN running statistics) predictions of a DL4J network, in mini-batches. */
public final class Dl4jPredictor implements Predictor {
    private final MultiLayerNetwork net;
    private final int channels;
    private final int height;
    private final int width;
    private final int batchSize;

    /**
     * @param net       a network with a single sigmoid output {@code [N,1]}
     * @param channels  C
     * @param height    H, pixels
     * @param width     W, pixels
     * @param batchSize images per forward pass
     */
    public Dl4jPredictor(MultiLayerNetwork net, int channels, int height, int width, int batchSize) {
        this.net = net;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.batchSize = Math.max(1, batchSize);
    }

    @Override
    public float[] predict(float[] images, int n) throws DeepMergeException {
        int size = channels * height * width;
        if ((long) n * size != images.length) {
            throw new DeepMergeException(Reason.WRONG_SHAPE, images.length + " floats for " + n + " images of "
                    + channels + "x" + height + "x" + width);
        }
        float[] out = new float[n];
        try {
            for (int from = 0; from < n; from += batchSize) {
                int b = Math.min(batchSize, n - from);
                float[] chunk = new float[b * size];
                System.arraycopy(images, from * size, chunk, 0, chunk.length);
                INDArray p = net.output(Nd4j.create(chunk, new long[] {b, channels, height, width}, 'c'), false);
                for (int k = 0; k < b; k++) {
                    out[from + k] = p.getFloat(k, 0);
                }
            }
        } catch (RuntimeException e) {
            throw new DeepMergeException(Reason.INFERENCE_FAILED, "DL4J inference failed: " + e.getMessage(), e);
        }
        return out;
    }
}
