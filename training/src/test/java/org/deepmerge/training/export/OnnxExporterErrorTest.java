package org.deepmerge.training.export;

import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.model.ModelContract;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link OnnxExporter} refuses what it cannot export faithfully, with a message naming the layer and the problem. */
class OnnxExporterErrorTest {

    private static final Map<String, String> SHAPE_2x16x16 = Map.of(ModelContract.KEY_INPUT_SHAPE, "-1,2,16,16");

    @TempDir
    Path dir;

    @Test
    void unsupportedLayerIsRejectedWithIndexAndClass() throws Exception {
        MultiLayerNetwork net = net(new LocalResponseNormalization.Builder().build(), Activation.SIGMOID);
        Path out = dir.resolve("lrn.onnx");
        DeepMergeException e = assertThrows(DeepMergeException.class,
                () -> OnnxExporter.export(net, SHAPE_2x16x16, out));
        assertEquals(DeepMergeException.Reason.INVALID_MODEL, e.reason());
        assertTrue(e.getMessage().contains("layer 1 (LocalResponseNormalization)"), e.getMessage());
        assertTrue(e.getMessage().contains("not supported"), e.getMessage());
        assertFalse(Files.exists(out), "no file may be written for a model that cannot be exported");
    }

    @Test
    void unsupportedPoolingTypeIsRejected() throws Exception {
        MultiLayerNetwork net = net(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.PNORM).pnorm(2)
                .kernelSize(2, 2).stride(2, 2).build(), Activation.SIGMOID);
        DeepMergeException e = assertThrows(DeepMergeException.class,
                () -> OnnxExporter.toModel(net, SHAPE_2x16x16));
        assertEquals(DeepMergeException.Reason.INVALID_MODEL, e.reason());
        assertTrue(e.getMessage().contains("layer 1 (SubsamplingLayer)") && e.getMessage().contains("PNORM"),
                e.getMessage());
    }

    @Test
    void unsupportedActivationIsRejectedWithIndexAndName() throws Exception {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.ELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.XENT).nOut(1).activation(Activation.SIGMOID).build())
                .setInputType(InputType.convolutional(16, 16, 2))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        DeepMergeException e = assertThrows(DeepMergeException.class,
                () -> OnnxExporter.toModel(net, SHAPE_2x16x16));
        assertEquals(DeepMergeException.Reason.INVALID_MODEL, e.reason());
        assertTrue(e.getMessage().contains("layer 0 (ConvolutionLayer)") && e.getMessage().contains("ActivationELU"),
                e.getMessage());
    }

    @Test
    void channelsLastLayersAreRejected() throws Exception {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).dataFormat(CNN2DFormat.NHWC).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.XENT).nOut(1).activation(Activation.SIGMOID).build())
                .setInputType(InputType.convolutional(16, 16, 2, CNN2DFormat.NHWC))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        DeepMergeException e = assertThrows(DeepMergeException.class,
                () -> OnnxExporter.toModel(net, SHAPE_2x16x16));
        assertTrue(e.getMessage().contains("layer 0 (ConvolutionLayer)") && e.getMessage().contains("NHWC"),
                e.getMessage());
    }

    @Test
    void missingOrMalformedInputShapeIsRejected() throws Exception {
        MultiLayerNetwork net = ExportTestNetworks.small(1, 3, 32, 40);
        DeepMergeException missing = assertThrows(DeepMergeException.class, () -> OnnxExporter.toModel(net, Map.of()));
        assertEquals(DeepMergeException.Reason.INVALID_MODEL, missing.reason());
        assertTrue(missing.getMessage().contains(ModelContract.KEY_INPUT_SHAPE), missing.getMessage());
        for (String bad : new String[]{"3,32,40", "-1,3,32,x", "0,3,32,40", "-1,3,-32,40"}) {
            DeepMergeException e = assertThrows(DeepMergeException.class,
                    () -> OnnxExporter.toModel(net, Map.of(ModelContract.KEY_INPUT_SHAPE, bad)));
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void inputShapeThatDoesNotFitTheNetworkIsRejected() throws Exception {
        MultiLayerNetwork net = ExportTestNetworks.deepMerge(1, 2, 75, 75, Activation.SOFTMAX);
        DeepMergeException size = assertThrows(DeepMergeException.class,
                () -> OnnxExporter.toModel(net, Map.of(ModelContract.KEY_INPUT_SHAPE, "-1,2,64,64")));
        assertTrue(size.getMessage().contains("CnnToFeedForwardPreProcessor expects [N,32,9,9]")
                && size.getMessage().contains("[N,32,8,8]"), size.getMessage());
        DeepMergeException channels = assertThrows(DeepMergeException.class,
                () -> OnnxExporter.toModel(net, Map.of(ModelContract.KEY_INPUT_SHAPE, "-1,3,75,75")));
        assertTrue(channels.getMessage().contains("layer 0 (ConvolutionLayer): nIn 2"), channels.getMessage());
    }

    @Test
    void metadataContradictingTheNetworkIsRejected() throws Exception {
        MultiLayerNetwork net = ExportTestNetworks.deepMerge(1, 2, 75, 75, Activation.SOFTMAX);
        Map<String, String> meta = new HashMap<>(Map.of(ModelContract.KEY_INPUT_SHAPE, "-1,2,75,75"));
        meta.put(ModelContract.KEY_CHANNELS, "g,r,i");
        DeepMergeException bands = assertThrows(DeepMergeException.class, () -> OnnxExporter.toModel(net, meta));
        assertTrue(bands.getMessage().contains("names 3 input channels but the network has 2"), bands.getMessage());

        meta.put(ModelContract.KEY_CHANNELS, "F814W,F160W");
        meta.put(ModelContract.KEY_OUTPUT_KIND, "softmax");
        DeepMergeException kind = assertThrows(DeepMergeException.class, () -> OnnxExporter.toModel(net, meta));
        assertTrue(kind.getMessage().contains("softmax") && kind.getMessage().contains("gives sigmoid"), kind.getMessage());
    }

    @Test
    void uninitialisedNetworkIsRejected() {
        MultiLayerNetwork fresh = new MultiLayerNetwork(ExportTestNetworks.small(1, 3, 32, 40).getLayerWiseConfigurations());
        DeepMergeException e = assertThrows(DeepMergeException.class,
                () -> OnnxExporter.toModel(fresh, Map.of(ModelContract.KEY_INPUT_SHAPE, "-1,3,32,40")));
        assertEquals(DeepMergeException.Reason.INVALID_MODEL, e.reason());
        assertTrue(e.getMessage().contains("not initialised"), e.getMessage());
    }

    @Test
    void unwritableDestinationIsAnIoError() throws Exception {
        MultiLayerNetwork net = ExportTestNetworks.small(1, 3, 32, 40);
        Path file = Files.writeString(dir.resolve("plain-file"), "not a directory");
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> OnnxExporter.export(net,
                Map.of(ModelContract.KEY_INPUT_SHAPE, "-1,3,32,40"), file.resolve("model.onnx")));
        assertEquals(DeepMergeException.Reason.IO_ERROR, e.reason());
        assertTrue(e.getMessage().contains("model.onnx"), e.getMessage());
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
    }

    /** conv (Same) → {@code middle} → dense 1 sigmoid on {@code [N,2,16,16]}. */
    private static MultiLayerNetwork net(org.deeplearning4j.nn.conf.layers.Layer middle, Activation out) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build())
                .layer(middle)
                .layer(new DenseLayer.Builder().nOut(5).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.XENT).nOut(1).activation(out).build())
                .setInputType(InputType.convolutional(16, 16, 2))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }
}
