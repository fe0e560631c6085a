package org.deepmerge.streams.topology;

import java.util.List;
import java.util.concurrent.Future;
import org.deepmerge.core.inference.Prediction;
import org.deepmerge.core.model.ModelContract;

/**
 * The JVM-wide shared inference batcher as the topology sees it: every stream task submits its flushed
 * micro-batch here, and the batcher merges concurrent submissions into ONNX Runtime runs. Thread-safe.
 */
public interface BatchScorer {
    /** @return the model contract (channels, H, W, class names) */
    ModelContract contract();

    /** @return hex SHA-256 of the ONNX file, stamped on every score */
    String modelSha256();

    /**
     * @param images n images {@code [n,C,H,W]} float32, concatenated
     * @param n      number of images
     * @return one prediction per image, in order; fails with a DeepMergeException (INFERENCE_FAILED)
     */
    Future<List<Prediction>> submit(float[] images, int n);
}
