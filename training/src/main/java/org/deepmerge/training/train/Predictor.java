package org.deepmerge.training.train;

import org.deepmerge.core.DeepMergeException;

/**
 * Anything that turns images into merger probabilities: a DL4J network ({@link Dl4jPredictor}) or an exported
 * ONNX model through the core scorer. Evaluation only sees this interface, so both give the same report.
 */
public interface Predictor extends AutoCloseable {

    /**
     * @param images n images {@code [n,C,H,W]} float32, concatenated
     * @param n      number of images
     * @return n merger probabilities in [0,1]
     * @throws DeepMergeException INFERENCE_FAILED when the model fails
     */
    float[] predict(float[] images, int n) throws DeepMergeException;

    @Override
    default void close() {
    }
}
