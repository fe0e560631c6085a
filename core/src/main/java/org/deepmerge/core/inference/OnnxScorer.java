package org.deepmerge.core.inference;

import java.util.List;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.model.ModelContract;

/** One ONNX Runtime session scoring batches {@code [N,C,H,W]} float32. */
public final class OnnxScorer implements AutoCloseable {

    /** @return the model contract */
    public ModelContract contract() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /**
     * @param images n images, each {@code [C,H,W]}, concatenated ({@code [n,C,H,W]})
     * @param n      number of images
     * @return one prediction per image
     * @throws DeepMergeException INFERENCE_FAILED
     */
    public List<Prediction> score(float[] images, int n) throws DeepMergeException {
        throw new UnsupportedOperationException("not implemented yet");
    }

    @Override
    public void close() {
    }
}
