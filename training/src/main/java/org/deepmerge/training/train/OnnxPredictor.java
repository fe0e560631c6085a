package org.deepmerge.training.train;

import java.nio.file.Path;
import java.util.List;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.inference.OnnxScorer;
import org.deepmerge.core.inference.Prediction;
import org.deepmerge.core.inference.ScorerOptions;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.preprocess.Preprocessor;

/**
 * Merger probabilities from an ONNX model through the core {@link OnnxScorer} (the serving code). Dataset images
 * are already {@code [C,H,W]} on the model grid; the contract's per-channel normalisation is applied here with
 * {@link Preprocessor#normalise}, as the scorer's preprocessing would.
 */
public final class OnnxPredictor implements Predictor {
    private final OnnxScorer scorer;
    private final ModelContract contract;

    /**
     * @param model ONNX file with a deepmerge contract in its metadata
     * @throws DeepMergeException INVALID_MODEL, IO_ERROR from the scorer
     */
    public OnnxPredictor(Path model) throws DeepMergeException {
        this.scorer = OnnxScorer.open(model, ScorerOptions.defaults(), null);
        this.contract = scorer.contract();
    }

    /** @return the model contract */
    public ModelContract contract() {
        return contract;
    }

    /**
     * @param channels C of the data
     * @param height   H
     * @param width    W
     * @throws DeepMergeException WRONG_SHAPE when the data does not match the contract's input
     */
    public void requireInput(int channels, int height, int width) throws DeepMergeException {
        if (contract.channelCount() != channels || contract.height() != height || contract.width() != width) {
            throw new DeepMergeException(Reason.WRONG_SHAPE, "ONNX model takes " + contract.channels() + " " + contract.height()
                    + "x" + contract.width() + ", data has " + channels + " channels " + height + "x" + width);
        }
    }

    @Override
    public float[] predict(float[] images, int n) throws DeepMergeException {
        float[] x = images.clone();
        int plane = contract.height() * contract.width();
        for (int i = 0; i < n; i++) {
            Preprocessor.normaliseImage(x, i * contract.channelCount() * plane, contract.channelCount(), plane,
                    contract.normalisation());
        }
        List<Prediction> p = scorer.score(x, n);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = p.get(i).pMerger();
        }
        return out;
    }

    @Override
    public void close() {
        scorer.close();
    }
}
