package org.deepmerge.training.network;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * Builds the DL4J networks: {@link MultiLayerNetwork}s with input {@code [N,C,H,W]} float32
 * ({@code InputType.convolutional(H,W,C)}, NCHW) and one sigmoid output {@code [N,1]}, the merger probability,
 * trained with binary cross-entropy ({@code LossFunction.XENT}).
 * <p>
 * Keras-to-DL4J equivalences used throughout (so the published hyper-parameters mean the same thing):
 * <ul>
 *   <li>Keras {@code Dropout(rate)} is DL4J {@code DropoutLayer(1 - rate)}: DL4J's value is the retain probability.</li>
 *   <li>Keras {@code l2(lambda)} adds {@code lambda * sum(w^2)}; DL4J {@code l2(x)} adds {@code 0.5 * x * sum(w^2)},
 *   so {@code x = 2 * lambda}.</li>
 *   <li>Keras {@code padding='same'} convolutions are {@link ConvolutionMode#Same}; Keras {@code MaxPooling2D(2)} has
 *   {@code padding='valid'}, i.e. {@link ConvolutionMode#Truncate} (75 -&gt; 37 -&gt; 18 -&gt; 9).</li>
 *   <li>Keras {@code glorot_uniform} is {@link WeightInit#XAVIER_UNIFORM}; Keras BatchNormalization momentum 0.99 and
 *   epsilon 1e-3 are DL4J decay 0.99, eps 1e-3.</li>
 * </ul>
 * Layer names ({@code conv1}, {@code bn1}, {@code pool1}, {@code drop1}, ..., {@code dense1}, {@code output}) are
 * stable; the ONNX exporter and fine-tuning rely on them.
 */
public final class Networks {

    /**
     * Parameter count of the published Keras DeepMerge for a 2x75x75 input (Ciprijanovic et al. 2020). It includes
     * Keras BatchNormalization with {@code axis=-1} on channels-first tensors, i.e. 4 parameters per image
     * <em>column</em> (75, 37 and 18 after the three convolutions: 520 parameters) instead of per channel.
     */
    public static final int PAPER_DEEPMERGE_PARAMETERS = 174_801;

    private static final double DEEPMERGE_L2 = 2 * 1e-4;
    private static final double DEEPSHADOWS_L2 = 2 * 1e-4;

    private Networks() {
    }

    /**
     * @param architecture which network
     * @param channels     C, input channels (e.g. 2 for F814W, F160W)
     * @param height       H, pixels
     * @param width        W, pixels
     * @param learningRate Adam learning rate (DeepMerge: 1e-3)
     * @param seed         weight-initialisation seed
     * @return an initialised network
     * @throws DeepMergeException INVALID_CONFIG when the input is too small for three 2x2 poolings (&lt; 8 px)
     */
    public static MultiLayerNetwork build(Architecture architecture, int channels, int height, int width,
                                          double learningRate, long seed) throws DeepMergeException {
        MultiLayerNetwork net = new MultiLayerNetwork(configuration(architecture, channels, height, width, learningRate, seed));
        net.init();
        return net;
    }

    /**
     * @return the configuration {@link #build} uses
     * @throws DeepMergeException INVALID_CONFIG for sizes below 8x8 or non-positive channels/learning rate
     */
    public static MultiLayerConfiguration configuration(Architecture architecture, int channels, int height, int width,
                                                        double learningRate, long seed) throws DeepMergeException {
        if (channels <= 0 || height < 8 || width < 8 || !(learningRate > 0)) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "network input " + channels + "x" + height + "x" + width
                    + " (need C >= 1, H, W >= 8) or learning rate " + learningRate + " (need > 0)");
        }
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(new Adam(learningRate))
                .weightInit(WeightInit.XAVIER_UNIFORM)
                .convolutionMode(ConvolutionMode.Same)
                .list();
        List<Layer> layers = switch (architecture) {
            case DEEPMERGE, DEEPMERGE_RELU -> deepMerge(architecture == Architecture.DEEPMERGE ? Activation.SOFTMAX : Activation.RELU);
            case DEEPSHADOWS -> deepShadows();
        };
        for (Layer l : layers) {
            list.layer(l);
        }
        return list.setInputType(InputType.convolutional(height, width, channels)).build();
    }

    /**
     * DeepMerge: Conv 8@5x5 same ReLU, BN, MaxPool 2, Dropout 0.5; Conv 16@3x3; Conv 32@3x3 (same pattern);
     * Flatten; Dense 64 and Dense 32 (activation {@code dense}, L2 1e-4 Keras-equivalent); Dense 1 sigmoid.
     * BN is per channel (the Keras original normalised over image width; see {@link #PAPER_DEEPMERGE_PARAMETERS}).
     */
    private static List<Layer> deepMerge(Activation dense) {
        List<Layer> l = new ArrayList<>();
        int[][] convs = {{8, 5}, {16, 3}, {32, 3}};
        for (int b = 0; b < convs.length; b++) {
            int k = convs[b][1];
            l.add(new ConvolutionLayer.Builder(k, k).name("conv" + (b + 1)).nOut(convs[b][0]).activation(Activation.RELU).build());
            l.add(new BatchNormalization.Builder().name("bn" + (b + 1)).decay(0.99).eps(1e-3).build());
            l.add(pool(b + 1));
            l.add(new DropoutLayer.Builder(0.5).name("drop" + (b + 1)).build());
        }
        l.add(new DenseLayer.Builder().name("dense1").nOut(64).activation(dense).l2(DEEPMERGE_L2).build());
        l.add(new DenseLayer.Builder().name("dense2").nOut(32).activation(dense).l2(DEEPMERGE_L2).build());
        l.add(output());
        return l;
    }

    /**
     * DeepShadows: Conv 16, 32, 64 @3x3 same ReLU, each followed by MaxPool 2 and Dropout 0.4; Dense 32 ReLU;
     * Dense 1 sigmoid; L2 1e-4 (Keras-equivalent) on conv and dense kernels. Filter counts, the hidden width and
     * the L2 strength are not in our sources (seeds/deepshadows-readme.txt gives the layer pattern only): chosen
     * small so the exported model stays under 1 MB (189,393 parameters for 2x75x75).
     */
    private static List<Layer> deepShadows() {
        List<Layer> l = new ArrayList<>();
        int[] filters = {16, 32, 64};
        for (int b = 0; b < filters.length; b++) {
            l.add(new ConvolutionLayer.Builder(3, 3).name("conv" + (b + 1)).nOut(filters[b]).activation(Activation.RELU)
                    .l2(DEEPSHADOWS_L2).build());
            l.add(pool(b + 1));
            l.add(new DropoutLayer.Builder(0.6).name("drop" + (b + 1)).build());
        }
        l.add(new DenseLayer.Builder().name("dense1").nOut(32).activation(Activation.RELU).l2(DEEPSHADOWS_L2).build());
        l.add(output());
        return l;
    }

    private static SubsamplingLayer pool(int block) {
        return new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).name("pool" + block)
                .kernelSize(2, 2).stride(2, 2).convolutionMode(ConvolutionMode.Truncate).build();
    }

    private static OutputLayer output() {
        return new OutputLayer.Builder(LossFunction.XENT).name("output").nOut(1).activation(Activation.SIGMOID).build();
    }

    /**
     * Index of the last layer of the convolutional feature extractor (the dropout after the last pooling): layers
     * {@code 0..index} are what fine-tuning freezes by default.
     *
     * @param net a network built here
     * @return the index
     * @throws DeepMergeException INVALID_MODEL when the network has no dense layer
     */
    public static int featureExtractorEnd(MultiLayerNetwork net) throws DeepMergeException {
        int firstDense = firstDenseLayer(net);
        return firstDense - 1;
    }

    /**
     * @param net a network
     * @return index of the first dense (feed-forward, non-convolutional) layer
     * @throws DeepMergeException INVALID_MODEL when there is none
     */
    public static int firstDenseLayer(MultiLayerNetwork net) throws DeepMergeException {
        for (int i = 0; i < net.getnLayers(); i++) {
            Layer conf = net.getLayer(i).conf().getLayer();
            if (conf instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayer f) {
                conf = f.getLayer();
            }
            if (conf instanceof DenseLayer || conf instanceof OutputLayer) {
                return i;
            }
        }
        throw new DeepMergeException(Reason.INVALID_MODEL, "network has no dense layer");
    }

    /**
     * @param net a network
     * @return indices of the layers from {@link #firstDenseLayer} on that are hidden dense layers (not the output)
     * @throws DeepMergeException INVALID_MODEL when there is no dense layer
     */
    public static int[] hiddenDenseLayers(MultiLayerNetwork net) throws DeepMergeException {
        List<Integer> out = new ArrayList<>();
        for (int i = firstDenseLayer(net); i < net.getnLayers() - 1; i++) {
            if (net.getLayer(i).conf().getLayer() instanceof FeedForwardLayer) {
                out.add(i);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Number of parameters of each BatchNormalization layer (4 per channel in DL4J: gamma, beta, mean, variance).
     *
     * @param net a network
     * @return total BN parameters
     */
    public static long batchNormParameters(MultiLayerNetwork net) {
        long n = 0;
        for (int i = 0; i < net.getnLayers(); i++) {
            if (net.getLayer(i).conf().getLayer() instanceof BatchNormalization) {
                n += net.getLayer(i).numParams();
            }
        }
        return n;
    }
}
