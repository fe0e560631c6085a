package org.deepmerge.training.train;

import java.nio.file.Path;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * Training settings, validated once. Defaults follow Ciprijanovic et al. (2020): Adam lr 1e-3, batch 128, up to
 * 500 epochs, early stopping on validation loss with patience 50, mergers augmented 5x.
 *
 * @param epochs       maximum epochs, &gt;= 1
 * @param batchSize    examples per mini-batch, &gt;= 1
 * @param learningRate Adam learning rate, &gt; 0 (used when a network is built; checkpoints keep their own)
 * @param patience     stop after this many epochs without a lower validation loss, &gt;= 1
 * @param seed         seed for shuffling (epoch e uses seed + e)
 * @param augment      augment the minority class of the training split ({@link org.deepmerge.training.data.TrainingSamples#augmentMinority})
 * @param classWeights weight the loss with balanced class weights
 * @param outputDir    directory for best.zip, last.zip, state.json, history.csv, split.json
 */
public record TrainConfig(int epochs, int batchSize, double learningRate, int patience, long seed, boolean augment,
                          boolean classWeights, Path outputDir) {

    /**
     * @return this config, checked
     * @throws DeepMergeException INVALID_CONFIG naming the bad value
     */
    public TrainConfig validate() throws DeepMergeException {
        if (epochs < 1 || batchSize < 1 || !(learningRate > 0) || patience < 1 || outputDir == null) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "training config invalid: epochs=" + epochs + " (>=1), batch="
                    + batchSize + " (>=1), lr=" + learningRate + " (>0), patience=" + patience + " (>=1), output=" + outputDir);
        }
        return this;
    }

    /**
     * @param outputDir where checkpoints go
     * @return the paper's settings
     */
    public static TrainConfig deepMergeDefaults(Path outputDir) {
        return new TrainConfig(500, 128, 1e-3, 50, 42, true, false, outputDir);
    }
}
