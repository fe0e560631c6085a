package org.deepmerge.training.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deepmerge.training.data.ImageDataset;
import org.deepmerge.training.data.Split;
import org.deepmerge.training.network.Architecture;
import org.deepmerge.training.network.Networks;
import org.deepmerge.training.train.DatasetFingerprint;
import org.deepmerge.training.train.EpochStats;
import org.deepmerge.training.train.ModelInfo;
import org.deepmerge.training.train.TrainConfig;
import org.deepmerge.training.train.TrainResult;
import org.deepmerge.training.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code train}: fit a network on a dataset split, early stopping on validation loss. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train a network; writes best.zip, last.zip, history.csv, split.json to --out.")
public final class TrainCommand implements Callable<Integer> {
    @Mixin
    DataOptions data;

    @Option(names = "--network", defaultValue = "deepmerge", description = "deepmerge | deepmerge-relu | deepshadows (default: ${DEFAULT-VALUE}).")
    String network;

    @Option(names = "--epochs", defaultValue = "500", description = "Maximum epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "128", description = "Mini-batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", defaultValue = "0.001", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--patience", defaultValue = "50", description = "Early-stopping patience in epochs (default: ${DEFAULT-VALUE}).")
    int patience;

    @Option(names = "--seed", defaultValue = "42", description = "Weight and shuffling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--no-augment", description = "Do not augment the minority class (flips, rotations).")
    boolean noAugment;

    @Option(names = "--class-weights", description = "Weight the loss with balanced class weights.")
    boolean classWeights;

    @Option(names = "--out", required = true, description = "Run directory.")
    Path out;

    @Option(names = "--resume", description = "Continue the run in --out from last.zip.")
    boolean resume;

    @Option(names = "--threads", defaultValue = "0", description = "Native (OpenMP) threads; 0 = ND4J default.")
    int threads;

    @Override
    public Integer call() throws Exception {
        TrainCli.threads(threads);
        TrainConfig cfg = new TrainConfig(epochs, batchSize, lr, patience, seed, !noAugment, classWeights, out).validate();
        ImageDataset d = data.load();
        System.err.println("data: " + d);
        Trainer trainer = new Trainer(cfg, System.err);
        TrainResult r;
        if (resume) {
            r = trainer.resume(d);
        } else {
            String fp = DatasetFingerprint.of(d);
            Split split = data.split(d, fp);
            System.err.println("split: " + split);
            Architecture a = Architecture.parse(network);
            MultiLayerNetwork net = Networks.build(a, d.channels(), d.height(), d.width(), lr, seed);
            System.err.println(a + ": " + net.numParams() + " parameters");
            ModelInfo info = new ModelInfo(a.cliName(), d.channelNames(), d.height(), d.width(), data.normalisation().spec(),
                    d.source(), fp, "");
            r = trainer.train(net, info, d, split);
        }
        double secs = r.history().stream().mapToDouble(EpochStats::seconds).average().orElse(0);
        System.out.printf(Locale.ROOT, "best epoch %d, val_loss %.4f, %s; %.1f s/epoch; checkpoint %s%n", r.bestEpoch(),
                r.bestValLoss(), r.stoppedEarly() ? "stopped early" : "epoch limit", secs, r.bestCheckpoint());
        return 0;
    }
}
