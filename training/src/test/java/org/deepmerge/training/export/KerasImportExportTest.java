package org.deepmerge.training.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.deepmerge.core.DeepMergeException;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link KerasImporter}. There is no Python/Keras here, so the tests write the DeepMerge network as Keras 2.2.4
 * would: its {@code model.to_json()} config, and a full-model {@code .h5} in h5py's layout ({@link KerasH5Writer},
 * via the HDF5 bindings DL4J uses). The imported network is exported, run in ONNX Runtime and compared with DL4J
 * and with an independent Keras-semantics reference ({@link KerasDeepMergeReference}) on the same weights.
 */
class KerasImportExportTest {

    @TempDir
    Path dir;

    @Test
    void paperDeepMergeH5WithWidthBatchNormImportsAndMatchesKeras() throws Exception {
        MultiLayerNetwork net = assertH5RoundTrip("keras-h5-deepmerge-paper", -1, new int[]{75, 37, 18}, 91);
        assertEquals(ExportTestNetworks.KERAS_DEEPMERGE_PARAMS, net.numParams(), "the paper's parameter count");
        BatchNormalization bn = (BatchNormalization) namedLayer(net, "batch_normalization_2").conf().getLayer();
        assertEquals(37, bn.getNOut());
        assertEquals(CNN2DFormat.NHWC, bn.getCnn2DFormat());
    }

    @Test
    void perChannelDeepMergeH5ImportsAndMatchesKeras() throws Exception {
        MultiLayerNetwork net = assertH5RoundTrip("keras-h5-deepmerge-axis1", 1, new int[]{8, 16, 32}, 81);
        assertEquals(ExportTestNetworks.DL4J_DEEPMERGE_PARAMS, net.numParams());
    }

    @Test
    void jsonPlusWeightsFileImportsTheSameNetwork() throws Exception {
        KerasH5Writer writer = deepMergeWeights(new Random(85), new int[]{75, 37, 18});
        Path weights = dir.resolve("weights.h5");
        writer.writeWeightsOnly(weights);
        Path json = Files.writeString(dir.resolve("deepmerge.json"), deepMergeJson(-1, "channels_first"));
        Path full = dir.resolve("full.h5");
        writer.write(full, deepMergeJson(-1, "channels_first"));
        INDArray a = KerasImporter.importSequential(json, weights).network().params();
        INDArray b = KerasImporter.importSequential(full).network().params();
        assertEquals(a, b);
    }

    @Test
    void configOnlyImportKeepsTheArchitecture() throws Exception {
        Path json = Files.writeString(dir.resolve("deepmerge.json"), deepMergeJson(1, "channels_first"));
        MultiLayerConfiguration conf = KerasImporter.importConfiguration(json);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        assertEquals(ExportTestNetworks.DL4J_DEEPMERGE_PARAMS, net.numParams());
        // The imported config carries no seed: set seeded weights, larger after the first softmax (see deepMerge test).
        Nd4j.getRandom().setSeed(73);
        net.setParams(Nd4j.randn(DataType.FLOAT, 1, net.numParams()).muli(0.1));
        namedLayer(net, "dense_2").getParam("W").muli(40);
        namedLayer(net, "dense_3").getParam("W").muli(40);
        ExportTestNetworks.randomiseBatchNorm(net, 71);
        assertArrayEquals(new long[]{-1, 2, 75, 75}, KerasImporter.checkConfig(deepMergeJson(1, "channels_first"), "t"));
        OrtParity.assertParity(OrtEnvironment.getEnvironment(), dir, "keras-config-deepmerge-axis1", net, 2, 75, 75, 72);
    }

    @Test
    void unsupportedAxesLayersAndFormatsAreRefusedNamingTheLayer() {
        DeepMergeException height = assertThrows(DeepMergeException.class,
                () -> KerasImporter.checkConfig(deepMergeJson(2, "channels_first"), "m.json"));
        assertEquals(DeepMergeException.Reason.INVALID_MODEL, height.reason());
        assertTrue(height.getMessage().contains("layer 1 'batch_normalization_1' (BatchNormalization) has axis=2")
                && height.getMessage().contains("image height"), height.getMessage());
        DeepMergeException last = assertThrows(DeepMergeException.class,
                () -> KerasImporter.checkConfig(deepMergeJson(-1, "channels_last"), "m.json"));
        assertTrue(last.getMessage().contains("layer 0 'conv2d_1' (Conv2D) uses channels_last"), last.getMessage());
        DeepMergeException separable = assertThrows(DeepMergeException.class, () -> KerasImporter.checkConfig(
                deepMergeJson(1, "channels_first").replace("\"class_name\": \"Conv2D\", \"config\": {\"name\": \"conv2d_2\"",
                        "\"class_name\": \"SeparableConv2D\", \"config\": {\"name\": \"conv2d_2\""), "m.json"));
        assertTrue(separable.getMessage().contains("layer 4 'conv2d_2' (SeparableConv2D) is not supported"),
                separable.getMessage());
        DeepMergeException functional = assertThrows(DeepMergeException.class,
                () -> KerasImporter.checkConfig("{\"class_name\": \"Model\", \"config\": {}}", "m.json"));
        assertTrue(functional.getMessage().contains("only Keras Sequential"), functional.getMessage());
        DeepMergeException notJson = assertThrows(DeepMergeException.class,
                () -> KerasImporter.checkConfig("<html>", "m.json"));
        assertTrue(notJson.getMessage().contains("not JSON"), notJson.getMessage());
    }

    @Test
    void missingNonHdf5AndWeightMismatchFilesAreReported() throws Exception {
        DeepMergeException missing = assertThrows(DeepMergeException.class,
                () -> KerasImporter.importSequential(dir.resolve("absent.h5")));
        assertEquals(DeepMergeException.Reason.IO_ERROR, missing.reason());
        assertTrue(missing.getMessage().contains("absent.h5"), missing.getMessage());

        Path notH5 = Files.writeString(dir.resolve("model.h5"), "this is not HDF5");
        DeepMergeException bad = assertThrows(DeepMergeException.class, () -> KerasImporter.importSequential(notH5));
        assertEquals(DeepMergeException.Reason.INVALID_MODEL, bad.reason());
        assertTrue(bad.getMessage().contains("model.h5") && bad.getMessage().contains("not a readable Keras HDF5"),
                bad.getMessage());

        // per-channel statistics (8, 16, 32) in a file whose config says axis=-1 (width: 75, 37, 18)
        Path mismatch = dir.resolve("mismatch.h5");
        deepMergeWeights(new Random(1), new int[]{8, 16, 32}).write(mismatch, deepMergeJson(-1, "channels_first"));
        DeepMergeException shapes = assertThrows(DeepMergeException.class, () -> KerasImporter.importSequential(mismatch));
        assertEquals(DeepMergeException.Reason.INVALID_MODEL, shapes.reason());
        assertTrue(shapes.getMessage().contains("BatchNormalization 'batch_normalization_1'")
                && shapes.getMessage().contains("[8]") && shapes.getMessage().contains("75"), shapes.getMessage());
    }

    /**
     * Writes the DeepMerge .h5 with {@code bnAxis}, imports it, checks kernel placement, DL4J-vs-ONNX parity and
     * ONNX-vs-Keras-reference agreement.
     */
    private MultiLayerNetwork assertH5RoundTrip(String name, int bnAxis, int[] bnSizes, long seed) throws Exception {
        Path h5 = dir.resolve(name + ".h5");
        KerasH5Writer writer = deepMergeWeights(new Random(seed), bnSizes);
        writer.write(h5, deepMergeJson(bnAxis, "channels_first"));

        KerasImporter.ImportedKerasModel imported = KerasImporter.importSequential(h5);
        assertEquals("-1,2,75,75", imported.inputShapeMetadata());
        MultiLayerNetwork net = imported.network();

        // Keras conv kernel [kH,kW,in,out] -> DL4J W [out,in,kH,kW]; Keras dense kernel [in,out] = DL4J W.
        float[] kv = writer.weights("conv2d_1").get(0).values();
        INDArray w = namedLayer(net, "conv2d_1").getParam("W");
        assertEquals(kv[((4 * 5 + 1) * 2 + 1) * 8 + 6], w.getFloat(6, 1, 4, 1), 0f);
        assertEquals(kv[((2 * 5 + 3) * 2) * 8 + 3], w.getFloat(3, 0, 2, 3), 0f);
        float[] dk = writer.weights("dense_1").get(0).values();
        assertEquals(dk[1234 * 64 + 17], namedLayer(net, "dense_1").getParam("W").getFloat(1234, 17), 0f);

        ExportResult r = OrtParity.assertParity(OrtEnvironment.getEnvironment(), dir, name, net, 2, 75, 75, seed + 1);

        int n = 3;
        float[] x = ExportTestNetworks.randomInput(seed + 2, n, 2, 75, 75);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        double maxDiff = 0;
        double min = 1;
        double max = 0;
        try (OrtSession s = env.createSession(r.file().toString(), new OrtSession.SessionOptions());
             OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[]{n, 2, 75, 75});
             OrtSession.Result res = s.run(Map.of(r.inputName(), t))) {
            float[][] p = (float[][]) res.get(0).getValue();
            for (int i = 0; i < n; i++) {
                float[] one = Arrays.copyOfRange(x, i * 2 * 75 * 75, (i + 1) * 2 * 75 * 75);
                double expected = KerasDeepMergeReference.predict(writer, one, 2, 75, 75, bnAxis == -1);
                maxDiff = Math.max(maxDiff, Math.abs(expected - p[i][0]));
                min = Math.min(min, expected);
                max = Math.max(max, expected);
            }
        }
        System.out.printf("KERAS-REFERENCE %s maxAbsDiff=%.3e range=[%.6f, %.6f]%n", name, maxDiff, min, max);
        assertTrue(maxDiff <= OrtParity.TOLERANCE, name + ": ONNX vs Keras reference " + maxDiff);
        assertTrue(max - min > 1e-3, name + ": reference outputs barely vary: " + min + ".." + max);
        return net;
    }

    private static org.deeplearning4j.nn.api.Layer namedLayer(MultiLayerNetwork net, String name) {
        for (org.deeplearning4j.nn.api.Layer l : net.getLayers()) {
            if (name.equals(l.conf().getLayer().getLayerName())) {
                return l;
            }
        }
        throw new AssertionError("no layer " + name);
    }

    /** Seeded DeepMerge weights in Keras layout; {@code bnSizes} are the batch-norm statistic lengths. */
    static KerasH5Writer deepMergeWeights(Random rnd, int[] bnSizes) {
        KerasH5Writer writer = new KerasH5Writer();
        int[][] convs = {{2, 8, 5}, {8, 16, 3}, {16, 32, 3}};
        for (int b = 0; b < 3; b++) {
            int in = convs[b][0];
            int out = convs[b][1];
            int k = convs[b][2];
            writer.layer("conv2d_" + (b + 1), List.of(
                    randomWeight(rnd, "kernel", new long[]{k, k, in, out}, 0.2),
                    randomWeight(rnd, "bias", new long[]{out}, 0.1)));
            long[] n = {bnSizes[b]};
            KerasH5Writer.Weight gamma = randomWeight(rnd, "gamma", n, 0.2);
            KerasH5Writer.Weight variance = randomWeight(rnd, "moving_variance", n, 0.3);
            for (int i = 0; i < n[0]; i++) {
                gamma.values()[i] += 1f;
                variance.values()[i] = 0.5f + Math.abs(variance.values()[i]) * 3f;
            }
            writer.layer("batch_normalization_" + (b + 1), List.of(gamma,
                    randomWeight(rnd, "beta", n, 0.3), randomWeight(rnd, "moving_mean", n, 0.3), variance));
        }
        long[][] dense = {{2592, 64}, {64, 32}, {32, 1}};
        double[] std = {0.01, 3.0, 3.0};
        for (int d = 0; d < 3; d++) {
            writer.layer("dense_" + (d + 1), List.of(
                    randomWeight(rnd, "kernel", dense[d], std[d]),
                    randomWeight(rnd, "bias", new long[]{dense[d][1]}, 0.1)));
        }
        return writer;
    }

    static KerasH5Writer.Weight randomWeight(Random rnd, String name, long[] shape, double std) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextGaussian() * std);
        }
        return new KerasH5Writer.Weight(name, shape, v);
    }

    /**
     * The DeepMerge architecture (DESIGN.md) as Keras 2.2.4 {@code model.to_json()} writes it, with the batch-norm
     * {@code axis} and {@code data_format} given.
     */
    static String deepMergeJson(int bnAxis, String dataFormat) {
        List<String> layers = new ArrayList<>();
        int[][] convs = {{8, 5}, {16, 3}, {32, 3}};
        for (int b = 0; b < 3; b++) {
            int n = b + 1;
            String input = b == 0 ? "\"batch_input_shape\": [null, 2, 75, 75], " : "";
            layers.add("{\"class_name\": \"Conv2D\", \"config\": {\"name\": \"conv2d_" + n + "\", \"trainable\": true, "
                    + input + "\"dtype\": \"float32\", \"filters\": " + convs[b][0] + ", \"kernel_size\": ["
                    + convs[b][1] + ", " + convs[b][1] + "], \"strides\": [1, 1], \"padding\": \"same\", "
                    + "\"data_format\": \"" + dataFormat + "\", \"dilation_rate\": [1, 1], \"activation\": \"relu\", "
                    + "\"use_bias\": true, " + INITS + ", \"kernel_regularizer\": null, \"bias_regularizer\": null, "
                    + "\"activity_regularizer\": null, \"kernel_constraint\": null, \"bias_constraint\": null}}");
            layers.add("{\"class_name\": \"BatchNormalization\", \"config\": {\"name\": \"batch_normalization_" + n
                    + "\", \"trainable\": true, \"axis\": " + bnAxis + ", \"momentum\": 0.99, \"epsilon\": 0.001, "
                    + "\"center\": true, \"scale\": true, \"beta_initializer\": {\"class_name\": \"Zeros\", \"config\": {}}, "
                    + "\"gamma_initializer\": {\"class_name\": \"Ones\", \"config\": {}}, "
                    + "\"moving_mean_initializer\": {\"class_name\": \"Zeros\", \"config\": {}}, "
                    + "\"moving_variance_initializer\": {\"class_name\": \"Ones\", \"config\": {}}, "
                    + "\"beta_regularizer\": null, \"gamma_regularizer\": null, \"beta_constraint\": null, "
                    + "\"gamma_constraint\": null}}");
            layers.add("{\"class_name\": \"MaxPooling2D\", \"config\": {\"name\": \"max_pooling2d_" + n
                    + "\", \"trainable\": true, \"pool_size\": [2, 2], \"padding\": \"valid\", \"strides\": [2, 2], "
                    + "\"data_format\": \"" + dataFormat + "\"}}");
            layers.add("{\"class_name\": \"Dropout\", \"config\": {\"name\": \"dropout_" + n
                    + "\", \"trainable\": true, \"rate\": 0.5, \"noise_shape\": null, \"seed\": null}}");
        }
        layers.add("{\"class_name\": \"Flatten\", \"config\": {\"name\": \"flatten_1\", \"trainable\": true, "
                + "\"data_format\": \"" + dataFormat + "\"}}");
        String[][] dense = {{"64", "softmax", "0.0001"}, {"32", "softmax", "0.0001"}, {"1", "sigmoid", null}};
        for (int d = 0; d < 3; d++) {
            String reg = dense[d][2] == null ? "null"
                    : "{\"class_name\": \"L1L2\", \"config\": {\"l1\": 0.0, \"l2\": " + dense[d][2] + "}}";
            layers.add("{\"class_name\": \"Dense\", \"config\": {\"name\": \"dense_" + (d + 1) + "\", \"trainable\": true, "
                    + "\"units\": " + dense[d][0] + ", \"activation\": \"" + dense[d][1] + "\", \"use_bias\": true, "
                    + INITS + ", \"kernel_regularizer\": " + reg + ", \"bias_regularizer\": null, "
                    + "\"activity_regularizer\": null, \"kernel_constraint\": null, \"bias_constraint\": null}}");
        }
        return "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"sequential_1\", \"layers\": ["
                + String.join(", ", layers) + "]}, \"keras_version\": \"2.2.4\", \"backend\": \"tensorflow\"}";
    }

    private static final String INITS = "\"kernel_initializer\": {\"class_name\": \"VarianceScaling\", \"config\": "
            + "{\"scale\": 1.0, \"mode\": \"fan_avg\", \"distribution\": \"uniform\", \"seed\": null}}, "
            + "\"bias_initializer\": {\"class_name\": \"Zeros\", \"config\": {}}";
}
