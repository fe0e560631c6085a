package org.deepmerge.training.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.model.ModelContract;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The parity check shared by the export tests: DL4J {@code output(x, false)} against ONNX Runtime (all optimisations). */
final class OrtParity {

    /** Required max abs difference between DL4J and ONNX Runtime outputs (issue 4, item 6). */
    static final double TOLERANCE = 1e-5;

    private OrtParity() {
    }

    /** Exports {@code net}, then compares DL4J and ONNX Runtime on batch 7 and batch 1. */
    static ExportResult assertParity(OrtEnvironment env, Path dir, String name, MultiLayerNetwork net, int c, int h,
                                     int w, long seed)
            throws DeepMergeException, OrtException {
        ExportResult r = OnnxExporter.export(net,
                Map.of(ModelContract.KEY_INPUT_SHAPE, "-1," + c + "," + h + "," + w), dir.resolve(name + ".onnx"));
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            try (OrtSession s = env.createSession(r.file().toString(), opts)) {
                for (int n : new int[]{7, 1}) {
                    float[] x = ExportTestNetworks.randomInput(seed + n, n, c, h, w);
                    INDArray expected = net.output(Nd4j.create(x, new long[]{n, c, h, w}, 'c'), false);
                    float[][] actual;
                    try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[]{n, c, h, w});
                         OrtSession.Result res = s.run(Map.of(r.inputName(), t))) {
                        actual = (float[][]) res.get(r.outputName()).orElseThrow().getValue();
                    }
                    assertEquals(n, actual.length);
                    assertEquals(expected.size(1), actual[0].length);
                    double maxDiff = 0;
                    double min = Double.MAX_VALUE;
                    double max = -Double.MAX_VALUE;
                    for (int i = 0; i < n; i++) {
                        for (int k = 0; k < actual[i].length; k++) {
                            double e = expected.getDouble(i, k);
                            maxDiff = Math.max(maxDiff, Math.abs(e - actual[i][k]));
                            min = Math.min(min, e);
                            max = Math.max(max, e);
                        }
                    }
                    System.out.printf("PARITY %s params=%d batch=%d maxAbsDiff=%.3e outputRange=[%.6f, %.6f] file=%d bytes%n",
                            name, net.numParams(), n, maxDiff, min, max, r.sizeBytes());
                    assertTrue(maxDiff <= TOLERANCE, name + " batch " + n + ": max abs difference " + maxDiff);
                    if (n > 1) {
                        assertTrue(max - min > 1e-3, name + ": outputs barely vary across inputs (" + min + ".."
                                + max + "), the comparison would prove little");
                    }
                }
            }
        }
        return r;
    }
}
