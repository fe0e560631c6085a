package org.deepmerge.training.eval;

import org.deepmerge.core.DeepMergeException;
import org.deepmerge.training.data.ImageDataset;
import org.deepmerge.training.train.Predictor;

/** Runs a {@link Predictor} on chosen images of a dataset and computes the metrics with bootstrap intervals. */
public final class Evaluator {
    private final int resamples;
    private final long seed;
    private final int chunk;

    /**
     * The outcome of one evaluation.
     *
     * @param report        metrics with intervals
     * @param indices       image indices evaluated
     * @param probabilities merger probability of each
     * @param labels        true label of each
     */
    public record Result(EvaluationReport report, int[] indices, float[] probabilities, int[] labels) {
    }

    /**
     * @param resamples bootstrap resamples (1000 by default)
     * @param seed      bootstrap seed
     */
    public Evaluator(int resamples, long seed) {
        this.resamples = resamples;
        this.seed = seed;
        this.chunk = 256;
    }

    /**
     * @param name      label of the model in the report
     * @param predictor the model
     * @param data      images
     * @param indices   which images (e.g. the test split)
     * @return the result at threshold 0.5
     * @throws DeepMergeException from the predictor
     */
    public Result evaluate(String name, Predictor predictor, ImageDataset data, int[] indices) throws DeepMergeException {
        float[] p = new float[indices.length];
        for (int from = 0; from < indices.length; from += chunk) {
            int[] part = java.util.Arrays.copyOfRange(indices, from, Math.min(indices.length, from + chunk));
            float[] q = predictor.predict(data.gather(part), part.length);
            System.arraycopy(q, 0, p, from, q.length);
        }
        int[] y = data.labels(indices);
        return new Result(Bootstrap.evaluate(name, p, y, 0.5, resamples, seed), indices.clone(), p, y);
    }
}
