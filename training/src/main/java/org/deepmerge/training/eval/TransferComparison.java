package org.deepmerge.training.eval;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.training.data.ImageDataset;
import org.deepmerge.training.data.Split;
import org.deepmerge.training.network.Architecture;
import org.deepmerge.training.network.Networks;
import org.deepmerge.training.train.Checkpoints;
import org.deepmerge.training.train.DatasetFingerprint;
import org.deepmerge.training.train.Dl4jPredictor;
import org.deepmerge.training.train.FineTuner;
import org.deepmerge.training.train.ModelInfo;
import org.deepmerge.training.train.TrainConfig;
import org.deepmerge.training.train.TrainResult;
import org.deepmerge.training.train.Trainer;

/**
 * The fine-tuning experiment of DeepMerge II / DeepShadows / CLASH on one target test split: the source model as
 * it is, the source fine-tuned with a label budget, and the same network trained from scratch on the same labels.
 * The budget counts every target label used: a stratified subset of train+validation of that size, split 80/20
 * into training and early-stopping validation.
 */
public final class TransferComparison {
    private TransferComparison() {
    }

    /**
     * @param sourceOnly        the source model on the target test split
     * @param fineTuned         the fine-tuned model (best checkpoint)
     * @param scratch           the from-scratch model (best checkpoint)
     * @param labels            labels used (training + validation)
     * @param fineTunedResult   fine-tuning run
     * @param scratchResult     from-scratch run
     */
    public record Outcome(Evaluator.Result sourceOnly, Evaluator.Result fineTuned, Evaluator.Result scratch, int labels,
                          TrainResult fineTunedResult, TrainResult scratchResult) {
    }

    /**
     * @param source       the trained source checkpoint
     * @param sourceFile   its path (recorded as the parent)
     * @param target       target images (same C, H, W as the source)
     * @param split        target split; its test part is the common test set
     * @param budget       label budget (&lt;= 0: all train+validation labels)
     * @param freezeBlocks conv blocks to freeze
     * @param reinitHead   re-initialise the dense head
     * @param config       training settings; outputDir gets {@code finetuned/} and {@code scratch/}
     * @param evaluator    metric settings
     * @param progress     progress bar stream or null
     * @return the three evaluations
     * @throws DeepMergeException WRONG_SHAPE when the target does not fit the source model, else training errors
     */
    public static Outcome run(Checkpoints.Loaded source, Path sourceFile, ImageDataset target, Split split, int budget,
                              int freezeBlocks, boolean reinitHead, TrainConfig config, Evaluator evaluator,
                              PrintStream progress) throws DeepMergeException {
        ModelInfo si = source.info();
        if (si.channels().size() != target.channels() || si.height() != target.height() || si.width() != target.width()) {
            throw new DeepMergeException(Reason.WRONG_SHAPE, "source model takes " + si.channels().size() + "x" + si.height() + "x"
                    + si.width() + " " + si.channels() + ", target " + target.source() + " is " + target.channels() + "x"
                    + target.height() + "x" + target.width() + " " + target.channelNames() + " (choose --channels/--colour/--image-size to match)");
        }
        int[] labels = target.labels();
        int[] pool = IntStream.concat(Arrays.stream(split.train()), Arrays.stream(split.validation())).toArray();
        int[] chosen = budget > 0 ? Split.labelBudget(pool, labels, budget, config.seed()) : pool;
        int[] chosenLabels = Arrays.stream(chosen).map(i -> labels[i]).toArray();
        Split inner = Split.stratified(chosenLabels, 0.8, 0.0, config.seed());
        Split sub = new Split(Arrays.stream(inner.train()).map(k -> chosen[k]).toArray(),
                Arrays.stream(inner.test()).map(k -> chosen[k]).toArray(),
                split.test());
        String fp = DatasetFingerprint.of(target);

        Evaluator.Result sourceOnly = evaluator.evaluate("source only", predictor(source.network(), target), target, split.test());

        MultiLayerNetwork ft = FineTuner.prepare(source.network(), freezeBlocks, reinitHead, config.learningRate(), config.seed());
        ModelInfo ftInfo = si.fineTuned(sourceFile.toString(), target.source(), fp);
        TrainConfig ftCfg = withDir(config, config.outputDir().resolve("finetuned"));
        TrainResult ftRun = new Trainer(ftCfg, progress).train(ft, ftInfo, target, sub);
        Evaluator.Result fine = evaluator.evaluate("fine-tuned (" + chosen.length + " labels)",
                predictor(Checkpoints.load(ftRun.bestCheckpoint()).network(), target), target, split.test());

        MultiLayerNetwork scratch = Networks.build(Architecture.parse(si.architecture()), target.channels(), target.height(),
                target.width(), config.learningRate(), config.seed());
        ModelInfo scInfo = new ModelInfo(si.architecture(), target.channelNames(), target.height(), target.width(),
                si.normalisation(), target.source(), fp, "");
        TrainResult scRun = new Trainer(withDir(config, config.outputDir().resolve("scratch")), progress).train(scratch, scInfo, target, sub);
        Evaluator.Result sc = evaluator.evaluate("from scratch (" + chosen.length + " labels)",
                predictor(Checkpoints.load(scRun.bestCheckpoint()).network(), target), target, split.test());
        return new Outcome(sourceOnly, fine, sc, chosen.length, ftRun, scRun);
    }

    private static Dl4jPredictor predictor(MultiLayerNetwork net, ImageDataset d) {
        return new Dl4jPredictor(net, d.channels(), d.height(), d.width(), 128);
    }

    private static TrainConfig withDir(TrainConfig c, Path dir) {
        return new TrainConfig(c.epochs(), c.batchSize(), c.learningRate(), c.patience(), c.seed(), c.augment(),
                c.classWeights(), dir);
    }
}
