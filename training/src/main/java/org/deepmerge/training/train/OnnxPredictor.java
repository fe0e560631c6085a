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
 * {@link Preprocessor#normalise}, as the scorer's preprocessing would, unless the images were {@link #prepared}
 * by the core {@code Preprocessor.toTensor} with the model's contract (which normalises them already).
 */
public final class OnnxPredictor implements Predictor {
    /** The end of the core's message for a missing contract value, naming the scorer's flag. */
    private static final java.util.regex.Pattern PASS_FLAG = java.util.regex.Pattern.compile(" or pass (--[a-z-]+)$");

    private final OnnxScorer scorer;
    private final ModelContract contract;
    private final boolean normalise;

    /**
     * @param model ONNX file with a deepmerge contract in its metadata
     * @throws DeepMergeException INVALID_MODEL, IO_ERROR from the scorer
     */
    public OnnxPredictor(Path model) throws DeepMergeException {
        this(model, true);
    }

    private OnnxPredictor(Path model, boolean normalise) throws DeepMergeException {
        this.scorer = open(model);
        this.contract = scorer.contract();
        this.normalise = normalise;
    }

    /**
     * Opens the scorer without contract overrides: the training commands take no contract flags, so a contract value
     * the file lacks is asked for the way that works here, a copy written by {@code deepmerge-train publish}.
     */
    private static OnnxScorer open(Path model) throws DeepMergeException {
        try {
            return OnnxScorer.open(model, ScorerOptions.defaults(), null);
        } catch (DeepMergeException e) {
            java.util.regex.Matcher m = PASS_FLAG.matcher(e.getMessage());
            if (e.reason() != Reason.INVALID_MODEL || !m.find()) {
                throw e;
            }
            throw new DeepMergeException(Reason.INVALID_MODEL, model + ": " + e.getMessage().substring(0, m.start())
                    + "; deepmerge-train reads the contract from the file only: write it into a copy with deepmerge-train"
                    + " publish --model " + model + " " + m.group(1) + " VALUE ... --models-dir DIR (publish takes the"
                    + " contract flags) and use that copy", e);
        }
    }

    /**
     * A predictor for images that are already the model's input: resampled and normalised by the core
     * {@code Preprocessor.toTensor} (or {@code CutoutPipeline}) with this model's contract.
     *
     * @param model ONNX file with a deepmerge contract in its metadata
     * @return the predictor; it feeds images to the scorer unchanged
     * @throws DeepMergeException INVALID_MODEL, IO_ERROR from the scorer
     */
    public static OnnxPredictor prepared(Path model) throws DeepMergeException {
        return new OnnxPredictor(model, false);
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

    /**
     * @param images n images {@code [n,C,H,W]} float32, concatenated
     * @param n      number of images
     * @return the scorer's predictions: calibrated merger probability and the merger logit before calibration
     * @throws DeepMergeException INFERENCE_FAILED from the scorer
     */
    public List<Prediction> predictions(float[] images, int n) throws DeepMergeException {
        if (!normalise) {
            return scorer.score(images, n);
        }
        float[] x = images.clone();
        int plane = contract.height() * contract.width();
        for (int i = 0; i < n; i++) {
            Preprocessor.normaliseImage(x, i * contract.channelCount() * plane, contract.channelCount(), plane,
                    contract.normalisation());
        }
        return scorer.score(x, n);
    }

    @Override
    public float[] predict(float[] images, int n) throws DeepMergeException {
        List<Prediction> p = predictions(images, n);
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
