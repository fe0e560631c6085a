package org.deepmerge.training.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.training.data.ImageDataset;
import org.deepmerge.training.data.TrainingSamples;
import org.deepmerge.training.network.Architecture;
import org.deepmerge.training.network.Networks;
import org.deepmerge.training.testing.TinyGalaxies;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

class FineTunerTest {

    @Test
    void frozenBlocksStayFixedAndTheReinitialisedHeadLearns() throws Exception {
        MultiLayerNetwork source = Networks.build(Architecture.DEEPMERGE, 2, 16, 16, 1e-3, 1);
        MultiLayerNetwork ft = FineTuner.prepare(source, 3, true, 1e-2, 9);
        assertEquals(source.numParams(), ft.numParams());
        int end = Networks.featureExtractorEnd(source);
        for (int i = 0; i <= end; i++) {
            assertTrue(frozen(ft, i), "layer " + i + " frozen");
        }
        INDArray conv1 = ft.getLayer(0).params().dup();
        assertEquals(source.getLayer(0).params(), conv1, "frozen weights copied from the source");
        int dense = Networks.firstDenseLayer(source);
        assertNotEquals(source.getLayer(dense).params(), ft.getLayer(dense).params(), "head re-initialised");

        ImageDataset d = TinyGalaxies.make(32, 12, 2, 16, 3);
        DataSet batch = Batches.batch(d, TrainingSamples.plain(java.util.stream.IntStream.range(0, 32).toArray()), 0, 32, null);
        INDArray headBefore = ft.getLayer(dense).params().dup();
        for (int s = 0; s < 3; s++) {
            ft.fit(batch);
        }
        assertEquals(conv1, ft.getLayer(0).params(), "frozen conv1 unchanged by training");
        assertNotEquals(headBefore, ft.getLayer(dense).params(), "head trained");

        MultiLayerNetwork partial = FineTuner.prepare(source, 1, false, 1e-3, 9);
        assertTrue(frozen(partial, 3), "block 1 = layers 0..3");
        assertTrue(!frozen(partial, 4), "conv2 trainable");
        assertEquals(source.getLayer(dense).params(), partial.getLayer(dense).params(), "head kept");
        assertThrows(DeepMergeException.class, () -> FineTuner.prepare(source, 4, true, 1e-3, 1));
    }

    private static boolean frozen(MultiLayerNetwork net, int i) {
        return net.getLayer(i) instanceof org.deeplearning4j.nn.layers.FrozenLayer
                || net.getLayer(i).conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
    }
}
