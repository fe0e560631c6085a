package org.deepmerge.training.export;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Random;

/**
 * Test-only DL4J networks with the layer lists of DESIGN.md. The training package builds its own; these exist so
 * the exporter is tested against the same architectures without depending on it. DL4J's dropout argument is the
 * retain probability, so {@code DropoutLayer(0.5)} drops half and {@code DropoutLayer(0.6)} drops 40%.
 */
final class ExportTestNetworks {

    /** Parameters of the Keras DeepMerge (Ciprijanovic et al. 2020), whose BN normalised over image width. */
    static final int KERAS_DEEPMERGE_PARAMS = 174_801;
    /**
     * Parameters of the same layers with per-channel BN (DL4J counts gamma, beta, mean, log-std per channel):
     * Keras BN over width holds 4 x (75 + 37 + 18) = 520 values, per-channel BN 4 x (8 + 16 + 32) = 224.
     */
    static final int DL4J_DEEPMERGE_PARAMS = KERAS_DEEPMERGE_PARAMS - 520 + 224;

    private ExportTestNetworks() {
    }

    /** DeepMerge: Conv 8@5x5 same ReLU, BN, MaxPool 2, Dropout 0.5, x3 (8, 16, 32), Dense 64/32 softmax, Dense 1 sigmoid. */
    static MultiLayerNetwork deepMerge(long seed, int channels, int height, int width, Activation denseActivation) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .weightInit(WeightInit.XAVIER)
                .updater(new Adam(1e-3))
                .list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(8).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DropoutLayer(0.5))
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(16).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DropoutLayer(0.5))
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(32).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DropoutLayer(0.5))
                .layer(new DenseLayer.Builder().nOut(64).activation(denseActivation).l2(1e-4).build())
                .layer(new DenseLayer.Builder().nOut(32).activation(denseActivation).l2(1e-4).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.XENT).nOut(1).activation(Activation.SIGMOID).build())
                .setInputType(InputType.convolutional(height, width, channels))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /**
     * DeepMerge exactly as the Keras original: batch norm over image width (Keras {@code axis=-1} on channels_first
     * data), expressed in DL4J as NHWC-format batch norms with 75, 37 and 18 statistics inside the NCHW network.
     * Has the paper's {@value #KERAS_DEEPMERGE_PARAMS} parameters.
     */
    static MultiLayerNetwork deepMergeWidthBatchNorm(long seed) {
        MultiLayerNetwork perChannel = deepMerge(seed, 2, 75, 75, Activation.SOFTMAX);
        MultiLayerConfiguration conf = perChannel.getLayerWiseConfigurations().clone();
        int[] bnLayers = {1, 5, 9};
        int[] widths = {75, 37, 18};
        for (int k = 0; k < 3; k++) {
            BatchNormalization bn = (BatchNormalization) conf.getConf(bnLayers[k]).getLayer();
            bn.setNIn(widths[k]);
            bn.setNOut(widths[k]);
            bn.setCnn2DFormat(org.deeplearning4j.nn.conf.CNN2DFormat.NHWC);
        }
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** DeepShadows-like (Tanoglidis et al. 2021): 3 x (conv ReLU + MaxPool 2 + dropout 0.4), Dense 64 ReLU, Dense 1 sigmoid; L2 everywhere. */
    static MultiLayerNetwork deepShadows(long seed, int channels, int height, int width) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .weightInit(WeightInit.XAVIER)
                .l2(5e-4)
                .updater(new Adam(1e-3))
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(16).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DropoutLayer(0.6))
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(32).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DropoutLayer(0.6))
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(64).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DropoutLayer(0.6))
                .layer(new DenseLayer.Builder().nOut(64).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.XENT).nOut(1).activation(Activation.SIGMOID).build())
                .setInputType(InputType.convolutional(height, width, channels))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /**
     * A small net exercising the other code paths: non-square input, Truncate mode with padding and stride 2,
     * dilation 2, average pooling (Same mode, padding excluded from the divisor), leaky ReLU, tanh, an
     * ActivationLayer, rank-2 batch norm and a 3-class softmax head.
     */
    static MultiLayerNetwork small(long seed, int channels, int height, int width) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .weightInit(WeightInit.XAVIER)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(6).stride(2, 2).padding(1, 1)
                        .convolutionMode(ConvolutionMode.Truncate).activation(Activation.LEAKYRELU).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(5).dilation(2, 2)
                        .convolutionMode(ConvolutionMode.Truncate).activation(Activation.TANH).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(3, 3).stride(2, 2)
                        .convolutionMode(ConvolutionMode.Same).avgPoolIncludePadInDivisor(false).build())
                .layer(new ConvolutionLayer.Builder(2, 3).nOut(4).stride(1, 2)
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build())
                .layer(new ActivationLayer(Activation.RELU))
                .layer(new DenseLayer.Builder().nOut(10).activation(Activation.TANH).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(height, width, channels))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /**
     * Replaces every batch-norm layer's gamma, beta, running mean and running variance (stored as mean, log10 std
     * or var, whichever the layer uses) with seeded random values, so the test does not pass on default statistics.
     */
    static void randomiseBatchNorm(MultiLayerNetwork net, long seed) {
        Random rnd = new Random(seed);
        for (Layer layer : net.getLayers()) {
            if (!(layer.conf().getLayer() instanceof BatchNormalization)) {
                continue;
            }
            for (String key : layer.paramTable().keySet()) {
                INDArray p = layer.getParam(key);
                float[] v = new float[(int) p.length()];
                for (int k = 0; k < v.length; k++) {
                    double var = 0.3 + 2.0 * rnd.nextDouble();
                    v[k] = (float) switch (key) {
                        case BatchNormalizationParamInitializer.GAMMA -> 0.5 + rnd.nextDouble();
                        case BatchNormalizationParamInitializer.BETA, BatchNormalizationParamInitializer.GLOBAL_MEAN ->
                                rnd.nextGaussian() * 0.5;
                        case BatchNormalizationParamInitializer.GLOBAL_VAR -> var;
                        case BatchNormalizationParamInitializer.GLOBAL_LOG_STD -> 0.5 * Math.log10(var);
                        default -> throw new IllegalStateException("unexpected batch-norm parameter " + key);
                    };
                }
                p.assign(Nd4j.create(v, p.shape(), p.ordering()));
            }
        }
    }

    /** @return seeded N(0,1) input {@code [n,c,h,w]} in C order */
    static float[] randomInput(long seed, int n, int c, int h, int w) {
        Random rnd = new Random(seed);
        float[] x = new float[n * c * h * w];
        for (int k = 0; k < x.length; k++) {
            x[k] = (float) rnd.nextGaussian();
        }
        return x;
    }
}
