package org.deepmerge.training.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.training.data.ImageDataset;
import org.deepmerge.training.data.Split;
import org.deepmerge.training.network.Architecture;
import org.deepmerge.training.network.Networks;
import org.deepmerge.training.testing.TinyGalaxies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
    @TempDir
    Path tmp;

    @Test
    void earlyStoppingCountsEpochsWithoutStrictImprovement() {
        EarlyStopping e = new EarlyStopping(2, Double.POSITIVE_INFINITY, 0, 0);
        assertTrue(e.update(1, 0.7));
        assertTrue(e.update(2, 0.6));
        assertFalse(e.update(3, 0.6), "equal is not better");
        assertFalse(e.shouldStop());
        assertTrue(e.update(4, 0.5));
        assertFalse(e.update(5, 0.55));
        assertFalse(e.update(6, 0.9));
        assertTrue(e.shouldStop());
        assertEquals(4, e.bestEpoch());
        assertEquals(0.5, e.bestLoss());
    }

    @Test
    void lossAndAccuracyByHand() {
        float[] p = {0.9f, 0.2f, 0.6f, 0.4f};
        int[] y = {1, 0, 0, 1};
        double expected = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.4) + Math.log(0.4)) / 4;
        assertEquals(expected, Trainer.binaryCrossEntropy(p, y), 1e-6);
        assertEquals(0.5, Trainer.accuracy(p, y));
        // balanced: mean over the mergers {0.9, 0.4} and over the non-mergers {0.2, 0.6}, then the mean of the two
        double mergers = -(Math.log(0.9) + Math.log(0.4)) / 2;
        double others = -(Math.log(0.8) + Math.log(0.4)) / 2;
        assertEquals((mergers + others) / 2, Trainer.balancedBinaryCrossEntropy(p, y), 1e-6);
        float[] q = {0.9f, 0.2f, 0.3f};
        int[] z = {1, 0, 0};
        double rare = -Math.log(0.9);
        double common = -(Math.log(0.8) + Math.log(0.7)) / 2;
        assertEquals((rare + common) / 2, Trainer.balancedBinaryCrossEntropy(q, z), 1e-6, "the lone merger counts as much as both others");
    }

    @Test
    void trainsCheckpointsAndResumes() throws Exception {
        ImageDataset data = TinyGalaxies.make(60, 20, 2, 16, 1);
        Split split = Split.stratified(data.labels(), 0.7, 0.15, 3);
        ModelInfo info = new ModelInfo("deepmerge-relu", data.channelNames(), 16, 16, "none", data.source(),
                DatasetFingerprint.of(data), "");
        MultiLayerNetwork net = Networks.build(Architecture.DEEPMERGE_RELU, 2, 16, 16, 3e-3, 7);
        Path out = tmp.resolve("run");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        TrainConfig two = new TrainConfig(2, 16, 3e-3, 20, 5, true, true, out);
        TrainResult r = new Trainer(two, new PrintStream(err, true, StandardCharsets.UTF_8)).train(net, info, data, split);
        assertEquals(2, r.history().size());
        assertTrue(r.history().stream().allMatch(h -> h.valRocAuc() >= 0 && h.valRocAuc() <= 1), "validation ROC AUC recorded");
        assertTrue(Files.isRegularFile(out.resolve(Trainer.BEST)) && Files.isRegularFile(out.resolve(Trainer.LAST)));
        String bar = err.toString(StandardCharsets.UTF_8);
        assertTrue(bar.contains("epoch 2/2") && bar.contains("loss") && bar.contains("acc") && bar.contains("val_loss"), bar);
        // augmented training set: 14 mergers x 5 + 28 others = 98 examples -> 7 batches of 16
        assertTrue(bar.contains("7/7"), bar);
        assertEquals(3, Files.readAllLines(out.resolve(Trainer.HISTORY)).size());

        Checkpoints.Loaded best = Checkpoints.load(out.resolve(Trainer.BEST));
        assertEquals(info, best.info());
        assertEquals(net.numParams(), best.network().numParams());

        TrainConfig four = new TrainConfig(4, 16, 3e-3, 20, 5, true, true, out);
        TrainResult resumed = new Trainer(four, null).resume(data);
        assertEquals(List.of(1, 2, 3, 4), resumed.history().stream().map(EpochStats::epoch).toList());
        assertEquals(r.history().get(0), resumed.history().get(0), "earlier epochs kept");
        double bestLoss = resumed.history().stream().mapToDouble(EpochStats::valLoss).min().orElseThrow();
        assertEquals(bestLoss, resumed.bestValLoss(), 1e-12);
        assertTrue(resumed.history().get(3).valLoss() < resumed.history().get(0).valLoss() + 0.2);

        ImageDataset other = TinyGalaxies.make(60, 20, 2, 16, 2);
        assertThrows(DeepMergeException.class, () -> new Trainer(four, null).resume(other), "different data, same split file");
        ImageDataset wrongShape = TinyGalaxies.make(10, 5, 1, 16, 2);
        assertThrows(DeepMergeException.class, () -> new Trainer(two, null).train(net, info, wrongShape, split));
    }
}
