package org.deepmerge.training.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.console.ProgressLine;
import org.deepmerge.core.io.Csv;
import org.deepmerge.training.data.ImageDataset;
import org.deepmerge.training.data.Split;
import org.deepmerge.training.data.TrainingSamples;
import org.deepmerge.training.eval.Metrics;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Mini-batch training with Adam (the network's updater), early stopping on validation loss, best and last
 * checkpoints, and resumption. Files in {@link TrainConfig#outputDir()}: {@code best.zip} (lowest validation
 * loss), {@code last.zip} (after every epoch, with updater state), {@code state.json} (epoch counters),
 * {@code history.csv} ({@link EpochStats}), {@code split.json} ({@link SplitFile}).
 */
public final class Trainer {
    /** Checkpoint with the lowest validation loss. */
    public static final String BEST = "best.zip";
    /** Checkpoint after the latest epoch. */
    public static final String LAST = "last.zip";
    /** Epoch counters for --resume. */
    public static final String STATE = "state.json";
    /** Per-epoch metrics. */
    public static final String HISTORY = "history.csv";
    /** The split used. */
    public static final String SPLIT = "split.json";

    /**
     * Training accuracy is measured (one extra inference pass) on every this-many-th mini-batch only: on every batch
     * it cost about a third of the epoch time on CPU.
     */
    static final int ACCURACY_EVERY = 4;
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS.mappedFeature());
    private final TrainConfig config;
    private final PrintStream progress;

    /**
     * @param config   validated settings
     * @param progress where the progress bar goes (stderr), or null for silence
     * @throws DeepMergeException INVALID_CONFIG
     */
    public Trainer(TrainConfig config, PrintStream progress) throws DeepMergeException {
        this.config = config.validate();
        this.progress = progress;
    }

    /**
     * Trains from the network's current weights (fresh, or a fine-tuning start), starting a new history.
     *
     * @param net   the network; updated in place
     * @param info  input description stored in the checkpoints
     * @param data  the images
     * @param split train/validation/test indices (test is never touched here)
     * @return the result
     * @throws DeepMergeException IO_ERROR writing checkpoints, INVALID_CONFIG when the split has no training or
     *                            validation images, WRONG_SHAPE when the data does not match the network
     */
    public TrainResult train(MultiLayerNetwork net, ModelInfo info, ImageDataset data, Split split) throws DeepMergeException {
        checkShape(info, data);
        try {
            Files.createDirectories(config.outputDir());
            Csv.write(config.outputDir().resolve(HISTORY), List.of(EpochStats.COLUMNS));
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, config.outputDir() + ": cannot create: " + e.getMessage(), e);
        }
        SplitFile.write(split, info.dataFingerprint(), config.outputDir().resolve(SPLIT));
        return run(net, info, data, split, new ArrayList<>(), 0, Double.POSITIVE_INFINITY, 0, 0);
    }

    /**
     * Continues a run from {@code last.zip} and {@code state.json} in the output directory, with the same split.
     *
     * @param data the same dataset as the interrupted run
     * @return the result, history including the earlier epochs
     * @throws DeepMergeException IO_ERROR when the checkpoint or state is missing, INVALID_CONFIG when the data
     *                            differs from the run's (fingerprint of split.json)
     */
    public TrainResult resume(ImageDataset data) throws DeepMergeException {
        Path dir = config.outputDir();
        Checkpoints.Loaded last = Checkpoints.load(dir.resolve(LAST));
        checkShape(last.info(), data);
        String fingerprint = DatasetFingerprint.of(data);
        if (!fingerprint.equals(last.info().dataFingerprint())) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, dir + ": the run was trained on " + last.info().dataSource()
                    + " (fingerprint " + last.info().dataFingerprint() + "), not on " + data.source() + " (" + fingerprint + ")");
        }
        Split split = SplitFile.read(dir.resolve(SPLIT), fingerprint, data.size());
        Map<?, ?> state;
        List<EpochStats> history = new ArrayList<>(EpochStats.readHistory(dir.resolve(HISTORY)));
        try {
            state = JSON.readValue(dir.resolve(STATE).toFile(), Map.class);
        } catch (IOException | RuntimeException e) {
            throw new DeepMergeException(Reason.IO_ERROR, dir + ": cannot read " + STATE + "/" + HISTORY + ": " + e.getMessage(), e);
        }
        int epoch = ((Number) state.get("epoch")).intValue();
        history.removeIf(s -> s.epoch() > epoch);
        return run(last.network(), last.info(), data, split, history, epoch,
                ((Number) state.get("bestValLoss")).doubleValue(), ((Number) state.get("bestEpoch")).intValue(),
                ((Number) state.get("epochsSinceBest")).intValue());
    }

    /** Training images used to re-estimate batch-norm statistics after each epoch ({@link BatchNormCalibration}). */
    static final int CALIBRATION_IMAGES = 1024;

    private TrainResult run(MultiLayerNetwork net, ModelInfo info, ImageDataset data, Split split, List<EpochStats> history,
                            int doneEpochs, double bestLoss0, int bestEpoch0, int sinceBest0) throws DeepMergeException {
        if (split.train().length == 0 || split.validation().length == 0) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "split needs training and validation images, got " + split);
        }
        int[] labels = data.labels();
        TrainingSamples base = config.augment() ? TrainingSamples.augmentMinority(split.train(), labels)
                : TrainingSamples.plain(split.train());
        double[] weights = config.classWeights() ? base.balancedClassWeights(labels) : null;
        float[] valImages = data.gather(split.validation());
        // inference statistics of the batch norms are re-estimated on (up to) this many training images each epoch
        int[] calibration = new int[0];
        if (BatchNormCalibration.batchNormLayers(net).length > 0) {
            int[] shuffled = split.train().clone();
            Split.shuffle(shuffled, new java.util.Random(config.seed()));
            calibration = java.util.Arrays.copyOf(shuffled, Math.min(shuffled.length, CALIBRATION_IMAGES));
        }
        int[] valLabels = data.labels(split.validation());
        Path dir = config.outputDir();
        EarlyStopping early = new EarlyStopping(config.patience(), bestLoss0, bestEpoch0, sinceBest0);
        boolean stopped = early.shouldStop();
        int epoch = doneEpochs;
        while (!stopped && epoch < config.epochs()) {
            epoch++;
            long t0 = System.nanoTime();
            TrainingSamples samples = base.shuffled(config.seed() + epoch);
            int steps = (samples.size() + config.batchSize() - 1) / config.batchSize();
            ProgressLine bar = new ProgressLine(progress, ProgressLine.stderrIsTerminal(),
                    String.format(Locale.ROOT, "epoch %d/%d", epoch, config.epochs()), steps);
            double lossSum = 0;
            long correct = 0;
            long seen = 0;
            for (int s = 0; s < steps; s++) {
                int from = s * config.batchSize();
                int to = Math.min(samples.size(), from + config.batchSize());
                DataSet batch = Batches.batch(data, samples, from, to, weights);
                if (s % ACCURACY_EVERY == 0) {
                    INDArray before = net.output(batch.getFeatures(), false);
                    for (int k = 0; k < to - from; k++) {
                        correct += (before.getDouble(k, 0) >= 0.5 ? 1 : 0) == (int) batch.getLabels().getDouble(k, 0) ? 1 : 0;
                    }
                    seen += to - from;
                }
                try {
                    net.fit(batch);
                } catch (RuntimeException e) {
                    throw new DeepMergeException(Reason.INFERENCE_FAILED, "training step " + (s + 1) + " of epoch " + epoch
                            + " failed: " + e.getMessage(), e);
                }
                lossSum += net.score();
                double loss = lossSum / (s + 1);
                double acc = (double) correct / Math.max(1, seen);
                bar.update(s + 1, () -> String.format(Locale.ROOT, "loss %.4f acc %.3f", loss, acc));
            }
            if (calibration.length > 0) {
                BatchNormCalibration.recalibrate(net, data, calibration, config.batchSize());
            }
            float[] p = new Dl4jPredictor(net, data.channels(), data.height(), data.width(), config.batchSize())
                    .predict(valImages, valLabels.length);
            double valLoss = weights == null ? binaryCrossEntropy(p, valLabels) : balancedBinaryCrossEntropy(p, valLabels);
            double valAcc = accuracy(p, valLabels);
            double valAuc = Metrics.rocAuc(p, valLabels);
            EpochStats stats = new EpochStats(epoch, lossSum / steps, (double) correct / Math.max(1, seen), valLoss, valAcc,
                    (System.nanoTime() - t0) / 1e9, valAuc);
            history.add(stats);
            boolean improved = early.update(epoch, valLoss);
            if (improved) {
                Checkpoints.save(net, info, dir.resolve(BEST));
            }
            stopped = early.shouldStop();
            Checkpoints.save(net, info, dir.resolve(LAST));
            appendHistory(stats);
            writeState(epoch, early, stopped);
            bar.finish(String.format(Locale.ROOT, "val_loss %.4f val_acc %.3f val_auc %.3f%s%s", valLoss, valAcc, valAuc, improved ? " (best)" : "",
                    stopped ? " - early stop, patience " + config.patience() : ""));
        }
        return new TrainResult(dir.resolve(BEST), dir.resolve(LAST), history, early.bestEpoch(), early.bestLoss(), stopped);
    }

    private void appendHistory(EpochStats stats) throws DeepMergeException {
        try {
            Csv.append(config.outputDir().resolve(HISTORY), stats.toRecord());
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot append " + HISTORY + ": " + e.getMessage(), e);
        }
    }

    private void writeState(int epoch, EarlyStopping early, boolean stopped) throws DeepMergeException {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("epoch", epoch);
        s.put("bestValLoss", early.bestLoss());
        s.put("bestEpoch", early.bestEpoch());
        s.put("epochsSinceBest", early.sinceBest());
        s.put("stoppedEarly", stopped);
        s.put("config", config.toString());
        try {
            JSON.writerWithDefaultPrettyPrinter().writeValue(config.outputDir().resolve(STATE).toFile(), s);
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot write " + STATE + ": " + e.getMessage(), e);
        }
    }

    private static void checkShape(ModelInfo info, ImageDataset data) throws DeepMergeException {
        if (info.channels().size() != data.channels() || info.height() != data.height() || info.width() != data.width()) {
            throw new DeepMergeException(Reason.WRONG_SHAPE, "model expects " + info.channels() + " " + info.height() + "x"
                    + info.width() + ", data " + data.source() + " has " + data.channelNames() + " " + data.height() + "x" + data.width());
        }
    }

    /**
     * Mean binary cross-entropy {@code -[y ln p + (1-y) ln(1-p)]}, p clipped to [1e-7, 1-1e-7] (as Keras does).
     *
     * @param p merger probabilities
     * @param y labels 0/1
     * @return the loss, nats
     */
    public static double binaryCrossEntropy(float[] p, int[] y) {
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            double q = Math.min(1 - 1e-7, Math.max(1e-7, p[i]));
            sum -= y[i] == 1 ? Math.log(q) : Math.log(1 - q);
        }
        return sum / p.length;
    }

    /**
     * Class-balanced binary cross-entropy: the mean of the per-class mean losses, i.e. each example weighted
     * {@code n / (2 n_c)} (sklearn's "balanced" weights) so both classes count equally, as in class-weighted training.
     *
     * @param p merger probabilities
     * @param y labels 0/1
     * @return the loss, nats; the plain mean when one class is absent
     */
    public static double balancedBinaryCrossEntropy(float[] p, int[] y) {
        double[] sum = new double[2];
        int[] count = new int[2];
        for (int i = 0; i < p.length; i++) {
            double q = Math.min(1 - 1e-7, Math.max(1e-7, p[i]));
            sum[y[i]] -= y[i] == 1 ? Math.log(q) : Math.log(1 - q);
            count[y[i]]++;
        }
        if (count[0] == 0 || count[1] == 0) {
            return (sum[0] + sum[1]) / p.length;
        }
        return (sum[0] / count[0] + sum[1] / count[1]) / 2;
    }

    /**
     * @param p merger probabilities
     * @param y labels
     * @return fraction with {@code (p >= 0.5) == y}
     */
    public static double accuracy(float[] p, int[] y) {
        int c = 0;
        for (int i = 0; i < p.length; i++) {
            c += (p[i] >= 0.5 ? 1 : 0) == y[i] ? 1 : 0;
        }
        return (double) c / p.length;
    }
}
