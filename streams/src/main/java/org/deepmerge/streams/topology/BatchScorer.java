package org.deepmerge.streams.topology;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.Future;
import org.deepmerge.core.inference.Prediction;
import org.deepmerge.core.model.ModelContract;

/**
 * The JVM-wide shared inference batcher as the topology sees it: every stream task submits its flushed
 * micro-batch here, and the batcher merges concurrent submissions into ONNX Runtime runs. Thread-safe.
 * Each result names the model that produced it, so scores stay correctly attributed across a model hot-swap.
 */
public interface BatchScorer {
    /**
     * @return the input contract images are prepared for (channels, H, W, pixel scale); constant for the life of
     *         the topology (hot-swaps must keep it)
     */
    ModelContract contract();

    /**
     * @return hex SHA-256 of the current model's ONNX file, stamped on the records of not-applicable inputs (which
     *         the model never sees); empty when unknown
     */
    default String modelSha256() {
        return "";
    }

    /**
     * @param images n images {@code [n,C,H,W]} float32, concatenated
     * @param n      number of images
     * @return one prediction per image, in order, with the model that made them; fails with a DeepMergeException
     *         (INFERENCE_FAILED)
     */
    Future<ScoredBatch> submit(float[] images, int n);

    /**
     * Predictions of one micro-batch and the model that made them.
     *
     * @param predictions one per image, in submission order
     * @param contract    that model's contract (class names, model name and version)
     * @param modelSha256 hex SHA-256 of that model's ONNX file
     */
    record ScoredBatch(List<Prediction> predictions, ModelContract contract, String modelSha256) {
        public ScoredBatch {
            predictions = List.copyOf(predictions);
            Objects.requireNonNull(contract, "contract");
            Objects.requireNonNull(modelSha256, "modelSha256");
        }
    }
}
