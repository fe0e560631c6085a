package org.deepmerge.training.export;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.OutputKind;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parity of {@link OnnxExporter}: DL4J {@code output(x, false)} against a real ONNX Runtime session (all graph
 * optimisations) on the exported file, same seeded inputs, batch 7 and batch 1, max abs difference &lt;= 1e-5.
 * Weights are DL4J's seeded initialisation; batch-norm gamma/beta/mean/variance are seeded random values.
 */
class OnnxExporterParityTest {


    static OrtEnvironment env;

    @TempDir
    Path dir;

    @BeforeAll
    static void ort() {
        env = OrtEnvironment.getEnvironment();
    }

    @AfterAll
    static void closeOrt() {
        env = null;
    }

    @Test
    void deepMergeMatchesDl4j() throws Exception {
        MultiLayerNetwork net = ExportTestNetworks.deepMerge(11, 2, 75, 75, Activation.SOFTMAX);
        assertEquals(ExportTestNetworks.DL4J_DEEPMERGE_PARAMS, net.numParams(),
                "DeepMerge with per-channel BN: 174,801 Keras parameters - 520 width-BN values + 224 per-channel");
        ExportTestNetworks.randomiseBatchNorm(net, 12);
        // Xavier weights feeding softmax outputs (which sum to 1) give near-constant probabilities; larger
        // weights after the first softmax make the output depend on the input, so the comparison has teeth.
        net.getLayer(13).getParam("W").muli(40);
        net.getLayer(14).getParam("W").muli(40);
        assertParity("deepmerge", net, 2, 75, 75, 13);
    }

    @Test
    void deepMergeWithKerasWidthBatchNormMatchesDl4j() throws Exception {
        MultiLayerNetwork net = ExportTestNetworks.deepMergeWidthBatchNorm(15);
        assertEquals(ExportTestNetworks.KERAS_DEEPMERGE_PARAMS, net.numParams());
        ExportTestNetworks.randomiseBatchNorm(net, 16);
        net.getLayer(13).getParam("W").muli(40);
        net.getLayer(14).getParam("W").muli(40);
        assertParity("deepmerge-width-bn", net, 2, 75, 75, 17);
    }

    @Test
    void deepMergeReluMatchesDl4j() throws Exception {
        MultiLayerNetwork net = ExportTestNetworks.deepMerge(21, 2, 75, 75, Activation.RELU);
        ExportTestNetworks.randomiseBatchNorm(net, 22);
        assertParity("deepmerge-relu", net, 2, 75, 75, 23);
    }

    @Test
    void deepShadowsMatchesDl4j() throws Exception {
        MultiLayerNetwork net = ExportTestNetworks.deepShadows(31, 3, 64, 64);
        assertParity("deepshadows", net, 3, 64, 64, 33);
    }

    @Test
    void rotationResidualChannelIsComputedInTheGraph() throws Exception {
        int c = 3;
        int h = 40;
        int w = 40;
        MultiLayerNetwork net = ExportTestNetworks.deepShadows(61, c + 1, h, w);
        Map<String, String> meta = new HashMap<>();
        meta.put(ModelContract.KEY_INPUT_SHAPE, "-1," + (c + 1) + "," + h + "," + w);
        meta.put(ModelContract.KEY_CHANNELS, "g,r,i," + org.deepmerge.training.data.RotationResidual.CHANNEL);
        ExportResult r = OnnxExporter.export(net, meta, dir.resolve("residual.onnx"));
        assertEquals("g,r,i", r.metadata().get(ModelContract.KEY_CHANNELS), "the scorer feeds the survey bands only");
        assertEquals("-1,3,40,40", r.metadata().get(ModelContract.KEY_INPUT_SHAPE));
        assertEquals(org.deepmerge.training.data.RotationResidual.CHANNEL, r.metadata().get(OnnxExporter.KEY_DERIVED_CHANNEL));
        int n = 5;
        float[] survey = ExportTestNetworks.randomInput(62, n, c, h, w);
        org.deepmerge.training.data.ImageDataset d = new org.deepmerge.training.data.ImageDataset(survey, new int[n],
                java.util.List.of("g", "r", "i"), h, w, null, "test");
        float[] withResidual = org.deepmerge.training.data.RotationResidual.append(d).pixels();
        INDArray expected = net.output(Nd4j.create(withResidual, new long[] {n, c + 1, h, w}, 'c'), false);
        try (OrtSession s = env.createSession(r.file().toString(), new OrtSession.SessionOptions());
             OnnxTensor t = OnnxTensor.createTensor(env, java.nio.FloatBuffer.wrap(survey), new long[] {n, c, h, w});
             OrtSession.Result res = s.run(Map.of(r.inputName(), t))) {
            float[][] actual = (float[][]) res.get(r.outputName()).orElseThrow().getValue();
            double maxDiff = 0;
            for (int i = 0; i < n; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(expected.getDouble(i, 0) - actual[i][0]));
            }
            System.out.printf("PARITY deepshadows+rot180-residual batch=%d maxAbsDiff=%.3e%n", n, maxDiff);
            assertTrue(maxDiff <= OrtParity.TOLERANCE, "max abs difference " + maxDiff);
        }
    }

    @Test
    void smallNonSquareTruncateNetMatchesDl4j() throws Exception {
        MultiLayerNetwork net = ExportTestNetworks.small(41, 3, 32, 40);
        ExportTestNetworks.randomiseBatchNorm(net, 42);
        ExportResult r = assertParity("small-3x32x40", net, 3, 32, 40, 43);
        assertEquals(OutputKind.SOFTMAX, r.outputKind());
        assertEquals(OnnxExporter.DEFAULT_SOFTMAX_OUTPUT, r.outputName());
    }

    @Test
    void metadataAndSignatureRoundTripThroughOnnxRuntime() throws Exception {
        MultiLayerNetwork net = ExportTestNetworks.deepMerge(51, 2, 75, 75, Activation.SOFTMAX);
        Map<String, String> meta = new HashMap<>();
        meta.put(ModelContract.KEY_INPUT_SHAPE, "-1,2,75,75");
        meta.put(ModelContract.KEY_CHANNELS, "F814W,F160W");
        meta.put(ModelContract.KEY_PIXEL_SCALE, "0.1875");
        meta.put(ModelContract.KEY_NORMALISATION, "none");
        meta.put(ModelContract.KEY_CLASSES, "non-merger,merger");
        meta.put(ModelContract.KEY_MERGER_CLASS, "merger");
        meta.put(ModelContract.KEY_MODEL_NAME, "deepmerge");
        meta.put(ModelContract.KEY_MODEL_VERSION, "0.0.1-test");
        meta.put(ModelContract.KEY_METRICS, "{\"roc_auc\":0.5}");
        meta.put("free.form.key", "kept as is");
        ExportResult r = OnnxExporter.export(net, meta, dir.resolve("sub/dir/deepmerge.onnx"));

        assertEquals(Files.size(r.file()), r.sizeBytes());
        assertEquals(64, r.sha256().length());
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            try (OrtSession s = env.createSession(r.file().toString(), opts)) {
                Map<String, String> custom = s.getMetadata().getCustomMetadata();
                for (Map.Entry<String, String> e : meta.entrySet()) {
                    assertEquals(e.getValue(), custom.get(e.getKey()), e.getKey());
                }
                assertEquals("input", custom.get(ModelContract.KEY_INPUT_NAME));
                assertEquals("p_merger", custom.get(ModelContract.KEY_OUTPUT_NAME));
                assertEquals("sigmoid", custom.get(ModelContract.KEY_OUTPUT_KIND));
                assertTrue(custom.get(ModelContract.KEY_PRODUCER).startsWith("deepmerge-training "),
                        custom.get(ModelContract.KEY_PRODUCER));
                assertEquals(r.metadata(), custom);
                assertEquals(OnnxExporter.PRODUCER_NAME, s.getMetadata().getProducerName());

                NodeInfo in = s.getInputInfo().get("input");
                assertArrayEquals(new long[]{-1, 2, 75, 75}, ((TensorInfo) in.getInfo()).getShape());
                assertEquals(ai.onnxruntime.OnnxJavaType.FLOAT, ((TensorInfo) in.getInfo()).type);
                NodeInfo out = s.getOutputInfo().get("p_merger");
                assertArrayEquals(new long[]{-1, 1}, ((TensorInfo) out.getInfo()).getShape());
                assertEquals(1, s.getInputInfo().size());
                assertEquals(1, s.getOutputInfo().size());
            }
        }
    }

    @Test
    void fixedBatchSizeIsWrittenAsAFixedDimension() throws Exception {
        MultiLayerNetwork net = ExportTestNetworks.small(61, 3, 32, 40);
        ExportResult r = OnnxExporter.export(net,
                Map.of(ModelContract.KEY_INPUT_SHAPE, "4,3,32,40", ModelContract.KEY_INPUT_NAME, "cutouts"),
                dir.resolve("fixed.onnx"));
        try (OrtSession s = env.createSession(r.file().toString(), new OrtSession.SessionOptions())) {
            assertArrayEquals(new long[]{4, 3, 32, 40}, ((TensorInfo) s.getInputInfo().get("cutouts").getInfo()).getShape());
            assertEquals("4,3,32,40", s.getMetadata().getCustomMetadata().get(ModelContract.KEY_INPUT_SHAPE));
        }
    }

    private ExportResult assertParity(String name, MultiLayerNetwork net, int c, int h, int w, long seed)
            throws DeepMergeException, OrtException {
        return OrtParity.assertParity(env, dir, name, net, c, h, w, seed);
    }
}
