package org.deepmerge.training.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deepmerge.training.data.ImageDataset;
import org.deepmerge.training.network.Architecture;
import org.deepmerge.training.network.Networks;
import org.deepmerge.training.testing.TinyGalaxies;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Batch-norm recalibration against DL4J's own training-mode normalisation with the batch's statistics. */
class BatchNormCalibrationTest {

    @Test
    void inferenceNormalisesLikeTrainingModeOnTheCalibrationImages() throws Exception {
        ImageDataset data = TinyGalaxies.make(40, 10, 2, 16, 5);
        MultiLayerNetwork net = Networks.build(Architecture.DEEPMERGE_RELU, 2, 16, 16, 1e-3, 3);
        int[] bn = BatchNormCalibration.batchNormLayers(net);
        assertEquals(3, bn.length, "deepmerge has three batch norms");
        int[] all = IntStream.range(0, data.size()).toArray();
        INDArray x = Nd4j.create(data.gather(all), new long[] {all.length, 2, 16, 16}, 'c');

        int first = bn[0];
        INDArray before = net.feedForwardToLayer(first, x, false).get(first + 1).dup();
        // training mode: BN1 normalises with this batch's own mean and variance (nothing random precedes BN1)
        INDArray reference = net.feedForwardToLayer(first, x, true).get(first + 1).dup();
        BatchNormCalibration.recalibrate(net, data, all, 7);
        INDArray after = net.feedForwardToLayer(first, x, false).get(first + 1);

        double maxDiff = after.sub(reference).amax().maxNumber().doubleValue();
        double maxBefore = before.sub(reference).amax().maxNumber().doubleValue();
        assertTrue(maxDiff < 1e-3, "recalibrated inference output vs training-mode output: " + maxDiff);
        assertTrue(maxBefore > 10 * maxDiff, "the fresh network's running statistics were off: " + maxBefore);
        for (int k = 0; k < bn.length; k++) {
            List<INDArray> acts = net.feedForwardToLayer(bn[k], x, false);
            INDArray out = acts.get(bn[k] + 1);
            double[] mean = out.mean(0, 2, 3).toDoubleVector();
            // gamma = 1, beta = 0 in a fresh network: each channel comes out with mean 0 over the calibration images
            assertArrayEquals(new double[mean.length], mean, 1e-3, "BN " + k + " channel means");
        }
    }
}
