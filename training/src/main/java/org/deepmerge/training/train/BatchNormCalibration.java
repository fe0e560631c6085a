package org.deepmerge.training.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deepmerge.training.data.ImageDataset;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Re-estimates the inference statistics (running mean and variance) of every batch-norm layer from a pass over
 * training images with the network in inference mode ("precise BN": Wu &amp; Johnson 2021, "Rethinking 'Batch' in
 * BatchNorm", arXiv:2105.07576).
 *
 * <p>Why: DeepMerge puts dropout (rate 0.5) between its batch norms (conv, BN, pool, dropout, conv, BN, ...). In
 * training the second and third BN see dropped-out, rescaled activations; at inference they see the un-dropped
 * ones, whose variance is different (Li et al. 2019, "Understanding the Disharmony between Dropout and Batch
 * Normalization by Variance Shift", CVPR). Their running averages (decay 0.99, ~100 steps to settle, i.e. several
 * epochs on a small set) also lag weights that are still moving. Measured on Galaxy Zoo (docs/sim-to-real.md): the
 * inference-mode activations after BN2 had mean -0.28 where training mode had 0, and the network gave the same
 * probability to every image. Re-estimating the statistics in inference mode, BN layer by BN layer in network
 * order (each one's input depends on the earlier ones), makes inference normalise what inference actually sees.
 *
 * <p>Frozen batch norms (transfer learning, {@code finetune}) are re-estimated too: their statistics then come
 * from the target survey's images while their scale and shift stay as trained on the source, which is AdaBN
 * (Li et al. 2016, "Revisiting Batch Normalization for Practical Domain Adaptation", arXiv:1603.04779).
 *
 * <p>Statistics are per channel over all images and pixels of the sample, as BN uses them on {@code [N,C,H,W]}
 * float32 activations (per last axis for a layer in NHWC format): mean and population variance. The variance is stored as DL4J keeps it ({@code log10} of the
 * standard deviation when the layer uses {@code useLogStd}); epsilon stays in the layer and is added at inference.
 */
public final class BatchNormCalibration {
    private BatchNormCalibration() {
    }

    /**
     * @param net a network
     * @return indices of its batch-norm layers, in order (empty when it has none)
     */
    public static int[] batchNormLayers(MultiLayerNetwork net) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < net.getnLayers(); i++) {
            if (conf(net.getLayer(i)) != null) {
                out.add(i);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * @param net       network whose batch-norm statistics are replaced
     * @param data      images
     * @param indices   images to estimate from (e.g. the training split, at most a few thousand)
     * @param batchSize images per forward pass
     */
    public static void recalibrate(MultiLayerNetwork net, ImageDataset data, int[] indices, int batchSize) {
        for (int layer : batchNormLayers(net)) {
            double[] sum = null;
            double[] sumSq = null;
            long count = 0;
            for (int from = 0; from < indices.length; from += batchSize) {
                int[] batch = Arrays.copyOfRange(indices, from, Math.min(indices.length, from + batchSize));
                INDArray x = Nd4j.create(data.gather(batch), new long[] {batch.length, data.channels(), data.height(), data.width()}, 'c');
                // feedForwardToLayer(L - 1) returns the input plus the outputs of layers 0..L-1: its last entry feeds layer L
                List<INDArray> acts = net.feedForwardToLayer(layer - 1, x, false);
                INDArray in = acts.get(acts.size() - 1);
                BatchNormalization conf = conf(net.getLayer(layer));
                // the normalised axis: channels of [N,C,H,W], or the last axis of a layer imported in NHWC format
                // (the Keras DeepMerge's width-axis batch norm, see KerasImporter)
                int axis = in.rank() == 4 && conf.getCnn2DFormat() == CNN2DFormat.NHWC ? 3 : 1;
                long channels = in.size(axis);
                if (sum == null) {
                    sum = new double[(int) channels];
                    sumSq = new double[(int) channels];
                }
                INDArray perChannel = in.rank() == 4
                        ? (axis == 1 ? in.permute(1, 0, 2, 3) : in.permute(3, 0, 1, 2)).dup('c').reshape(channels, -1)
                        : in.transpose().dup('c');
                double[] s = perChannel.sum(1).toDoubleVector();
                double[] q = perChannel.mul(perChannel).sum(1).toDoubleVector();
                for (int c = 0; c < channels; c++) {
                    sum[c] += s[c];
                    sumSq[c] += q[c];
                }
                count += perChannel.size(1);
            }
            if (sum == null) {
                return;
            }
            set(net.getLayer(layer), sum, sumSq, count);
        }
    }

    /** @return the batch-norm configuration of a layer, frozen or not, else null */
    private static BatchNormalization conf(Layer layer) {
        org.deeplearning4j.nn.conf.layers.Layer c = layer.conf().getLayer();
        if (c instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayer f) {
            c = f.getLayer();
        }
        return c instanceof BatchNormalization bn ? bn : null;
    }

    private static void set(Layer layer, double[] sum, double[] sumSq, long count) {
        int channels = sum.length;
        float[] mean = new float[channels];
        float[] var = new float[channels];
        for (int c = 0; c < channels; c++) {
            double m = sum[c] / count;
            mean[c] = (float) m;
            var[c] = (float) Math.max(0.0, sumSq[c] / count - m * m);
        }
        INDArray meanParam = layer.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN);
        meanParam.assign(Nd4j.create(mean).reshape(meanParam.shape()));
        if (conf(layer).isUseLogStd()) {
            float[] log10std = new float[channels];
            for (int c = 0; c < channels; c++) {
                // a dead channel (variance 0) keeps a tiny std; epsilon is added at inference anyway
                log10std[c] = (float) (0.5 * Math.log10(Math.max(var[c], 1e-12)));
            }
            INDArray p = layer.getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD);
            p.assign(Nd4j.create(log10std).reshape(p.shape()));
        } else {
            INDArray p = layer.getParam(BatchNormalizationParamInitializer.GLOBAL_VAR);
            p.assign(Nd4j.create(var).reshape(p.shape()));
        }
    }
}
