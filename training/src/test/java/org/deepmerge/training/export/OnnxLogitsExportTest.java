package org.deepmerge.training.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.inference.OnnxScorer;
import org.deepmerge.core.inference.Prediction;
import org.deepmerge.core.inference.ScorerOptions;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.OutputKind;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link OnnxExporter#export(MultiLayerNetwork, Map, Path, boolean)} with {@code logits}: the final sigmoid is left
 * out. Checked in real ONNX Runtime sessions against the sigmoid export of the same network, and through the core
 * {@link OnnxScorer} where the float32 sigmoid saturates.
 */
class OnnxLogitsExportTest {
    static OrtEnvironment env;

    @TempDir
    Path dir;

    @BeforeAll
    static void ort() {
        env = OrtEnvironment.getEnvironment();
    }

    private static float[] run(ExportResult r, float[] x, int n, int c, int h, int w) throws Exception {
        try (OrtSession s = env.createSession(r.file().toString(), new OrtSession.SessionOptions());
             OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {n, c, h, w});
             OrtSession.Result res = s.run(Map.of(r.inputName(), t))) {
            float[][] out = (float[][]) res.get(r.outputName()).orElseThrow().getValue();
            float[] flat = new float[n];
            for (int i = 0; i < n; i++) {
                assertEquals(1, out[i].length);
                flat[i] = out[i][0];
            }
            return flat;
        }
    }

    private static Map<String, String> meta(int c, int h, int w) {
        return Map.of(ModelContract.KEY_INPUT_SHAPE, "-1," + c + "," + h + "," + w, ModelContract.KEY_CHANNELS,
                c == 1 ? "any" : "g,r,i", ModelContract.KEY_RESAMPLE, "fit");
    }

    @Test
    void sigmoidOfLogitsEqualsSigmoidExport() throws Exception {
        int c = 1;
        int h = 40;
        int w = 40;
        int n = 9;
        MultiLayerNetwork net = ExportTestNetworks.deepShadows(71, c, h, w);
        ExportResult probs = OnnxExporter.export(net, meta(c, h, w), dir.resolve("p.onnx"));
        ExportResult logits = OnnxExporter.export(net, meta(c, h, w), dir.resolve("z.onnx"), true);
        assertEquals(OutputKind.SIGMOID, probs.outputKind());
        assertEquals(OutputKind.LOGITS, logits.outputKind());
        assertEquals(OnnxExporter.DEFAULT_LOGITS_OUTPUT, logits.outputName());
        assertEquals("logits", logits.metadata().get(ModelContract.KEY_OUTPUT_KIND));
        assertEquals("non-merger,merger", logits.metadata().get(ModelContract.KEY_CLASSES));
        float[] x = ExportTestNetworks.randomInput(72, n, c, h, w);
        float[] p = run(probs, x, n, c, h, w);
        float[] z = run(logits, x, n, c, h, w);
        double maxDiff = 0;
        double zMin = Double.MAX_VALUE;
        double zMax = -Double.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(1 / (1 + Math.exp(-z[i])) - p[i]));
            zMin = Math.min(zMin, z[i]);
            zMax = Math.max(zMax, z[i]);
        }
        System.out.printf("PARITY logits-vs-sigmoid maxAbsDiff=%.3e logitRange=[%.4f, %.4f]%n", maxDiff, zMin, zMax);
        assertTrue(maxDiff <= OrtParity.TOLERANCE, "sigmoid(logit) vs sigmoid export: " + maxDiff);
        assertTrue(zMax - zMin > 1e-3, "logits barely vary, the comparison would prove little");
    }

    @Test
    void scorerReadsLogitsWhereTheFloatSigmoidSaturates() throws Exception {
        int c = 1;
        int h = 24;
        int w = 24;
        int n = 8;
        MultiLayerNetwork net = ExportTestNetworks.deepShadows(81, c, h, w);
        int last = net.getnLayers() - 1;
        net.getLayer(last).getParam("W").muli(400);
        float[] x = ExportTestNetworks.randomInput(82, n, c, h, w);
        INDArray in = Nd4j.create(x, new long[] {n, c, h, w}, 'c');
        List<INDArray> acts = net.feedForward(in, false);
        INDArray expectedLogits = acts.get(last).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)
                .mmul(net.getLayer(last).getParam("W").castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE))
                .addRowVector(net.getLayer(last).getParam("b").castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE));
        ExportResult probs = OnnxExporter.export(net, meta(c, h, w), dir.resolve("p.onnx"));
        ExportResult logits = OnnxExporter.export(net, meta(c, h, w), dir.resolve("z.onnx"), true);
        float[] p = run(probs, x, n, c, h, w);
        int saturated = 0;
        for (float v : p) {
            saturated += v == 0f || v == 1f ? 1 : 0;
        }
        assertTrue(saturated > 0, "the scaled network should saturate the float32 sigmoid for some inputs");
        try (OnnxScorer scorer = OnnxScorer.open(logits.file(), ScorerOptions.defaults(), null)) {
            List<Prediction> pred = scorer.score(x, n);
            for (int i = 0; i < n; i++) {
                double e = expectedLogits.getDouble(i, 0);
                double got = pred.get(i).logit();
                assertTrue(Double.isFinite(got), "logit " + i + " is " + got);
                assertEquals(e, got, 1e-4 * Math.max(1, Math.abs(e)), "logit of image " + i);
                if (p[i] == 0f || p[i] == 1f) {
                    assertTrue(Math.abs(got) > 17, "a saturated probability needs |logit| > 17, got " + got);
                }
            }
        }
    }

    @Test
    void logitsNeedASingleUnitSigmoidHead() {
        MultiLayerNetwork softmaxHead = ExportTestNetworks.small(91, 3, 32, 40);
        DeepMergeException e = assertThrows(DeepMergeException.class,
                () -> OnnxExporter.export(softmaxHead, meta(3, 32, 40), dir.resolve("bad.onnx"), true));
        assertEquals(DeepMergeException.Reason.INVALID_MODEL, e.reason());
        assertTrue(e.getMessage().contains("single-unit sigmoid"), e.getMessage());
    }

    @Test
    void logitsOfDeepMergeHeadMatchToo() throws Exception {
        MultiLayerNetwork net = ExportTestNetworks.deepMerge(101, 2, 75, 75, Activation.RELU);
        ExportTestNetworks.randomiseBatchNorm(net, 102);
        int n = 5;
        Map<String, String> m = Map.of(ModelContract.KEY_INPUT_SHAPE, "-1,2,75,75");
        ExportResult probs = OnnxExporter.export(net, m, dir.resolve("dp.onnx"));
        ExportResult logits = OnnxExporter.export(net, m, dir.resolve("dz.onnx"), true);
        float[] x = ExportTestNetworks.randomInput(103, n, 2, 75, 75);
        float[] p = run(probs, x, n, 2, 75, 75);
        float[] z = run(logits, x, n, 2, 75, 75);
        for (int i = 0; i < n; i++) {
            assertEquals(p[i], 1 / (1 + Math.exp(-z[i])), OrtParity.TOLERANCE, "image " + i);
        }
    }
}
