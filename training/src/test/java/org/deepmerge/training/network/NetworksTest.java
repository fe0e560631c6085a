package org.deepmerge.training.network;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deepmerge.core.DeepMergeException;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

class NetworksTest {

    @Test
    void deepMergeHasThePaperLayersAndParameterCount() throws Exception {
        MultiLayerNetwork net = Networks.build(Architecture.DEEPMERGE, 2, 75, 75, 1e-3, 1);
        // conv 408 + 1,168 + 4,640, dense 165,952 + 2,080 + 33, per-channel BN 4 x (8 + 16 + 32)
        assertEquals(174_505, net.numParams());
        assertEquals(4 * (8 + 16 + 32), Networks.batchNormParameters(net));
        long kerasWidthBn = 4L * (75 + 37 + 18);
        assertEquals(Networks.PAPER_DEEPMERGE_PARAMETERS, net.numParams() - Networks.batchNormParameters(net) + kerasWidthBn,
                "identical to the paper's 174,801 except Keras' axis=-1 batch norm");
        assertEquals(2592, ((DenseLayer) net.getLayer("dense1").conf().getLayer()).getNIn(), "flatten 32x9x9");
        assertTrue(((DenseLayer) net.getLayer("dense1").conf().getLayer()).getActivationFn() instanceof ActivationSoftmax);
        DropoutLayer drop = (DropoutLayer) net.getLayer("drop1").conf().getLayer();
        assertEquals(0.5, ((org.deeplearning4j.nn.conf.dropout.Dropout) drop.getIDropout()).getP(), 1e-12);
        INDArray out = net.output(Nd4j.rand(3, 2, 75, 75), false);
        assertArrayEquals(new long[] {3, 1}, out.shape());
        for (int i = 0; i < 3; i++) {
            assertTrue(out.getDouble(i, 0) > 0 && out.getDouble(i, 0) < 1);
        }
        assertEquals(11, Networks.featureExtractorEnd(net), "conv blocks are layers 0..11");
        assertArrayEquals(new int[] {12, 13}, Networks.hiddenDenseLayers(net));
    }

    @Test
    void reluVariantAndDeepShadowsTakeTheDatasetShape() throws Exception {
        MultiLayerNetwork relu = Networks.build(Architecture.DEEPMERGE_RELU, 2, 75, 75, 1e-3, 1);
        assertEquals(174_505, relu.numParams());
        assertTrue(((DenseLayer) relu.getLayer("dense2").conf().getLayer()).getActivationFn() instanceof ActivationReLU);
        MultiLayerNetwork shadows = Networks.build(Architecture.DEEPSHADOWS, 3, 75, 75, 1e-3, 1);
        DropoutLayer drop = (DropoutLayer) shadows.getLayer("drop3").conf().getLayer();
        assertEquals(0.6, ((org.deeplearning4j.nn.conf.dropout.Dropout) drop.getIDropout()).getP(), 1e-12, "rate 0.4");
        assertEquals(3 * 9 * 16 + 16, shadows.getLayer("conv1").numParams());
        assertEquals(64 * 9 * 9 * 32 + 32, shadows.getLayer("dense1").numParams(), "flatten 64x9x9 into 32");
        assertEquals(189_393, Networks.build(Architecture.DEEPSHADOWS, 2, 75, 75, 1e-3, 1).numParams());
        assertArrayEquals(new long[] {2, 1}, shadows.output(Nd4j.rand(2, 3, 75, 75), false).shape());
        assertArrayEquals(new long[] {1, 1}, Networks.build(Architecture.DEEPMERGE, 1, 32, 40, 1e-3, 1)
                .output(Nd4j.rand(1, 1, 32, 40), false).shape());
        assertThrows(DeepMergeException.class, () -> Networks.build(Architecture.DEEPSHADOWS, 1, 4, 4, 1e-3, 1));
        assertThrows(DeepMergeException.class, () -> Architecture.parse("resnet"));
        assertEquals(Architecture.DEEPMERGE_RELU, Architecture.parse("deepmerge-relu"));
    }

    @Test
    void everyNetworkLearnsOnATinyBatch() throws Exception {
        Random rng = new Random(5);
        int n = 16;
        float[] x = new float[n * 2 * 16 * 16];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = i < 4 ? 1 : 0;
            for (int k = 0; k < 2 * 16 * 16; k++) {
                x[i * 512 + k] = (float) rng.nextGaussian() + (y[i] == 1 ? 1f : 0f);
            }
        }
        DataSet ds = new DataSet(Nd4j.create(x, new long[] {n, 2, 16, 16}, 'c'), Nd4j.create(y, new long[] {n, 1}, 'c'));
        for (Architecture a : Architecture.values()) {
            MultiLayerNetwork net = Networks.build(a, 2, 16, 16, 1e-2, 3);
            double before = net.score(ds, false);
            for (int step = 0; step < 15; step++) {
                net.fit(ds);
            }
            double after = net.score(ds, false);
            assertTrue(Double.isFinite(after) && after < before, a + ": loss " + before + " -> " + after);
        }
    }
}
