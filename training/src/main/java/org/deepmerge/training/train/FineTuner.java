package org.deepmerge.training.train;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.training.network.Networks;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Transfer learning (DeepShadows DES to HSC; Perez-Carrasco et al. 2019 CANDELS to CLASH): copy a trained network,
 * freeze its first layers (DL4J {@code FrozenLayer} via {@code setFeatureExtractor}), optionally re-initialise the
 * dense head (every hidden dense layer and the output, Xavier-uniform), and train the rest with a fresh Adam.
 */
public final class FineTuner {
    private FineTuner() {
    }

    /**
     * @param source       trained network (not modified)
     * @param freezeBlocks number of convolutional blocks to freeze, from the input (0 = none; the DeepMerge and
     *                     DeepShadows networks have 3)
     * @param reinitHead   re-initialise the dense head instead of starting from the source's head
     * @param learningRate Adam learning rate for the trainable layers
     * @param seed         seed of the new weights
     * @return the network to fine-tune
     * @throws DeepMergeException INVALID_CONFIG when freezeBlocks exceeds the network's blocks, INVALID_MODEL when the
     *                            network has no dense head
     */
    public static MultiLayerNetwork prepare(MultiLayerNetwork source, int freezeBlocks, boolean reinitHead,
                                            double learningRate, long seed) throws DeepMergeException {
        int blocks = convBlocks(source);
        if (freezeBlocks < 0 || freezeBlocks > blocks) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "cannot freeze " + freezeBlocks + " conv blocks; the network has " + blocks);
        }
        TransferLearning.Builder b = new TransferLearning.Builder(source.clone())
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(learningRate)).seed(seed).build());
        if (freezeBlocks > 0) {
            b.setFeatureExtractor(lastLayerOfBlock(source, freezeBlocks));
        }
        if (reinitHead) {
            for (int i : Networks.hiddenDenseLayers(source)) {
                b.nOutReplace(i, (int) ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) source.getLayer(i).conf().getLayer()).getNOut(),
                        WeightInit.XAVIER_UNIFORM);
            }
            b.nOutReplace(source.getnLayers() - 1, 1, WeightInit.XAVIER_UNIFORM);
        }
        try {
            return b.build();
        } catch (RuntimeException e) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "cannot build the fine-tuning network: " + e.getMessage(), e);
        }
    }

    /**
     * @param net a network built by {@link Networks}
     * @return number of convolutional blocks (layers named conv1, conv2, ...)
     */
    public static int convBlocks(MultiLayerNetwork net) {
        int n = 0;
        while (hasLayer(net, "conv" + (n + 1))) {
            n++;
        }
        return n;
    }

    private static int lastLayerOfBlock(MultiLayerNetwork net, int block) throws DeepMergeException {
        if (block == convBlocks(net)) {
            return Networks.featureExtractorEnd(net);
        }
        String next = "conv" + (block + 1);
        for (int i = 0; i < net.getnLayers(); i++) {
            if (next.equals(net.getLayer(i).conf().getLayer().getLayerName())) {
                return i - 1;
            }
        }
        throw new DeepMergeException(Reason.INVALID_MODEL, "no layer " + next);
    }

    private static boolean hasLayer(MultiLayerNetwork net, String name) {
        for (int i = 0; i < net.getnLayers(); i++) {
            if (name.equals(net.getLayer(i).conf().getLayer().getLayerName())) {
                return true;
            }
        }
        return false;
    }
}
