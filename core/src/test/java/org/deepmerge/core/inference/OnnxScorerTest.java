package org.deepmerge.core.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.ModelContracts;
import org.deepmerge.core.model.OutputKind;
import org.deepmerge.core.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxScorerTest {
    private static final ScorerOptions CPU = ScorerOptions.defaults().withDevice(Device.CPU).withThreads(1, 1);

    @TempDir
    Path tmp;

    static float[] randomImages(int n, int size, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * size];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * 2.0);
        }
        return x;
    }

    static Map<String, String> metadata(String outputName, String kind) {
        Map<String, String> md = new LinkedHashMap<>();
        md.put(ModelContract.KEY_CHANNELS, "F814W,F160W");
        md.put(ModelContract.KEY_OUTPUT_NAME, outputName);
        md.put(ModelContract.KEY_OUTPUT_KIND, kind);
        md.put(ModelContract.KEY_MODEL_NAME, "tiny");
        md.put(ModelContract.KEY_MODEL_VERSION, "1.2.3");
        md.put(ModelContract.KEY_TRAINING_FINGERPRINT, "sha256:abc");
        return md;
    }

    @Test
    void sigmoidDynamicBatchMatchesHandComputation() throws Exception {
        Path f = TinyOnnx.write(tmp.resolve("sig.onnx"), TinyOnnx.Head.SIGMOID, -1, metadata("prob", "sigmoid"));
        float[] x = randomImages(7, 32, 1);
        try (OnnxScorer s = OnnxScorer.open(f, CPU.withDynamicBatchSize(3), ContractOverrides.none())) {
            assertEquals(-1, s.contract().batchSize());
            assertEquals(List.of("F814W", "F160W"), s.contract().channels());
            assertEquals("sha256:abc", s.contract().extra().get(ModelContract.KEY_TRAINING_FINGERPRINT));
            assertEquals(3, s.maxBatch());
            assertEquals("CPUExecutionProvider", s.executionProvider());
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
            assertEquals(sha, s.identity().sha256());
        }
        try (OnnxScorer s = OnnxScorer.open(f, CPU, ContractOverrides.none())) {
            assertEquals(ScorerOptions.CPU_AUTO_BATCH, s.maxBatch(), "automatic batch on the CPU provider");
            assertEquals("tiny", s.identity().name());
            assertEquals("1.2.3", s.identity().version());
            assertEquals(s.contract(), org.deepmerge.core.model.ModelContracts.read(f, ContractOverrides.none()),
                    "the contract read without a scorer is the same");
            List<Prediction> p = s.score(x, 7);
            assertEquals(7, p.size());
            for (int i = 0; i < 7; i++) {
                double expected = 1.0 / (1.0 + Math.exp(-TinyOnnx.gemm(x, i)[0]));
                assertEquals(expected, p.get(i).pMerger(), 1e-5, "image " + i);
                assertEquals(1.0 - expected, p.get(i).probabilities().get(0), 1e-5);
            }
        }
    }

    /**
     * Pinned batch sizes: powers of two up to the maximum; a chunk of 5 runs padded to 8 and scores exactly as the
     * unpinned run (padding rows are discarded, images are independent); off by default on CPU.
     */
    @Test
    void pinnedBatchSizesPadDynamicChunksWithoutChangingScores() throws Exception {
        Path f = TinyOnnx.write(tmp.resolve("pin.onnx"), TinyOnnx.Head.SIGMOID, -1, metadata("prob", "sigmoid"));
        float[] x = randomImages(21, 32, 5);
        try (OnnxScorer pinned = OnnxScorer.open(f, CPU.withDynamicBatchSize(12).withPinning(ScorerOptions.Pinning.ON),
                ContractOverrides.none());
             OnnxScorer plain = OnnxScorer.open(f, CPU.withDynamicBatchSize(12), ContractOverrides.none())) {
            assertArrayEquals(new int[] {1, 2, 4, 8, 12}, pinned.pinnedBatchSizes());
            assertEquals(0, plain.pinnedBatchSizes().length, "AUTO pins on CUDA only");
            for (int n : new int[] {1, 5, 12, 21}) {
                List<Prediction> a = pinned.score(x, n);
                List<Prediction> b = plain.score(x, n);
                assertEquals(n, a.size());
                for (int i = 0; i < n; i++) {
                    assertEquals(b.get(i).pMerger(), a.get(i).pMerger(), 1e-6, "n = " + n + ", image " + i);
                }
            }
        }
        assertArrayEquals(new int[] {1, 2, 4, 8, 16, 32, 64, 128, 256}, OnnxScorer.pinnedSizes(256));
        assertArrayEquals(new int[] {1}, OnnxScorer.pinnedSizes(1));
    }

    @Test
    void fixedBatchPadsTheLastChunk() throws Exception {
        Path f = TinyOnnx.write(tmp.resolve("fixed.onnx"), TinyOnnx.Head.SIGMOID, 4, metadata("prob", "sigmoid"));
        float[] x = randomImages(10, 32, 2);
        try (OnnxScorer s = OnnxScorer.open(f, CPU, ContractOverrides.none())) {
            assertTrue(s.fixedBatch());
            assertEquals(4, s.maxBatch());
            List<Prediction> p = s.score(x, 10);
            assertEquals(10, p.size());
            for (int i = 0; i < 10; i++) {
                assertEquals(1.0 / (1.0 + Math.exp(-TinyOnnx.gemm(x, i)[0])), p.get(i).pMerger(), 1e-5, "image " + i);
            }
            assertEquals(List.of(), s.score(x, 0));
        }
    }

    @Test
    void logitsOutputPickedByNameAmongTwo() throws Exception {
        Map<String, String> md = metadata("logits", "logits");
        md.put(ModelContract.KEY_CLASSES, "merger,non-merger");
        md.put(ModelContract.KEY_MERGER_CLASS, "merger");
        Path f = TinyOnnx.write(tmp.resolve("logits.onnx"), TinyOnnx.Head.LOGITS, -1, md);
        float[] x = randomImages(5, 32, 3);
        try (OnnxScorer s = OnnxScorer.open(f, CPU, ContractOverrides.none())) {
            assertEquals(0, s.contract().mergerClass());
            List<Prediction> p = s.score(x, 5);
            for (int i = 0; i < 5; i++) {
                double[] z = TinyOnnx.gemm(x, i);
                double p0 = Math.exp(z[0]) / (Math.exp(z[0]) + Math.exp(z[1]));
                assertEquals(p0, p.get(i).probabilities().get(0), 1e-5);
                assertEquals(1 - p0, p.get(i).probabilities().get(1), 1e-5);
                assertEquals(p0, p.get(i).pMerger(), 1e-5, "merger is class 0 here");
            }
        }
    }

    @Test
    void singleLogitIsReadThroughASigmoid() throws Exception {
        Path f = TinyOnnx.write(tmp.resolve("logit1.onnx"), TinyOnnx.Head.LOGIT1, -1, Map.of());
        float[] x = randomImages(4, 32, 8);
        try (OnnxScorer inferred = OnnxScorer.open(f, CPU, ContractOverrides.none())) {
            assertEquals(OutputKind.SIGMOID, inferred.contract().outputKind(), "width 1 is inferred as sigmoid");
        }
        try (OnnxScorer s = OnnxScorer.open(f, CPU, ContractOverrides.none().withOutputKind(OutputKind.LOGITS))) {
            List<Prediction> p = s.score(x, 4);
            for (int i = 0; i < 4; i++) {
                assertEquals(1.0 / (1.0 + Math.exp(-TinyOnnx.gemm(x, i)[0])), p.get(i).pMerger(), 1e-5);
            }
        }
    }

    @Test
    void softmaxOutputTakenAsIs() throws Exception {
        Path f = TinyOnnx.write(tmp.resolve("softmax.onnx"), TinyOnnx.Head.SOFTMAX, 2, metadata("probs", "softmax"));
        float[] x = randomImages(3, 32, 4);
        try (OnnxScorer s = OnnxScorer.open(f, CPU, ContractOverrides.none())) {
            List<Prediction> p = s.score(x, 3);
            for (int i = 0; i < 3; i++) {
                double[] z = TinyOnnx.gemm(x, i);
                double p1 = Math.exp(z[1]) / (Math.exp(z[0]) + Math.exp(z[1]));
                assertEquals(p1, p.get(i).pMerger(), 1e-5);
            }
        }
    }

    @Test
    void twoOutputsWithoutOutputNameNamesTheKeyAndFlag() throws Exception {
        Path f = TinyOnnx.write(tmp.resolve("noname.onnx"), TinyOnnx.Head.LOGITS, -1, Map.of());
        DeepMergeException e = assertThrows(DeepMergeException.class,
                () -> OnnxScorer.open(f, CPU, ContractOverrides.none()).close());
        assertEquals(Reason.INVALID_MODEL, e.reason());
        assertTrue(e.getMessage().contains(ModelContract.KEY_OUTPUT_NAME), e.getMessage());
        assertTrue(e.getMessage().contains(ContractOverrides.FLAG_OUTPUT_NAME), e.getMessage());
        try (OnnxScorer s = OnnxScorer.open(f, CPU, ContractOverrides.none().withOutputName("logits")
                .withOutputKind(OutputKind.LOGITS))) {
            assertEquals("logits", s.contract().outputName());
            assertEquals("noname", s.identity().name(), "model name defaults to the file name stem");
            assertEquals(List.of("ch0", "ch1"), s.contract().channels());
        }
    }

    @Test
    void badInputsAndDevicesFailClearly() throws Exception {
        Path f = TinyOnnx.write(tmp.resolve("sig.onnx"), TinyOnnx.Head.SIGMOID, -1, metadata("prob", "sigmoid"));
        DeepMergeException missing = assertThrows(DeepMergeException.class,
                () -> OnnxScorer.open(tmp.resolve("absent.onnx"), CPU, ContractOverrides.none()));
        assertEquals(Reason.IO_ERROR, missing.reason());
        Path garbage = Files.write(tmp.resolve("garbage.onnx"), new byte[] {1, 2, 3, 4, 5});
        assertEquals(Reason.INVALID_MODEL, assertThrows(DeepMergeException.class,
                () -> OnnxScorer.open(garbage, CPU, ContractOverrides.none())).reason());
        assertEquals(Reason.INVALID_CONFIG, assertThrows(DeepMergeException.class,
                () -> OnnxScorer.open(f, CPU.withThreads(-1, 0), ContractOverrides.none())).reason());
        if (!ai.onnxruntime.OrtEnvironment.getAvailableProviders().contains(ai.onnxruntime.OrtProvider.CUDA)) {
            DeepMergeException cuda = assertThrows(DeepMergeException.class,
                    () -> OnnxScorer.open(f, CPU.withDevice(Device.CUDA), ContractOverrides.none()));
            assertEquals(Reason.DEVICE_UNAVAILABLE, cuda.reason());
            try (OnnxScorer auto = OnnxScorer.open(f, CPU.withDevice(Device.AUTO), ContractOverrides.none())) {
                assertEquals(Device.CPU, auto.device());
            }
        }
        OnnxScorer s = OnnxScorer.open(f, CPU, ContractOverrides.none());
        assertEquals(Reason.WRONG_SHAPE, assertThrows(DeepMergeException.class, () -> s.score(new float[31], 1)).reason());
        s.close();
        s.close();
        assertEquals(Reason.INFERENCE_FAILED, assertThrows(DeepMergeException.class, () -> s.score(new float[32], 1)).reason());
    }

    @Test
    void openScoreCloseManyTimes() throws Exception {
        Path f = TinyOnnx.write(tmp.resolve("sig.onnx"), TinyOnnx.Head.LOGITS, 8, metadata("logits", "logits"));
        float[] x = randomImages(20, 32, 5);
        List<Prediction> first = null;
        for (int i = 0; i < 200; i++) {
            try (OnnxScorer s = OnnxScorer.open(f, CPU, ContractOverrides.none())) {
                List<Prediction> p = s.score(x, 20);
                if (first == null) {
                    first = p;
                }
                assertEquals(first, p, "iteration " + i);
            }
        }
    }

    /** The third-party PyTorch export: fixed [256,3,75,75], logits output '52' beside a 2592-wide feature output. */
    @Test
    void thirdPartyModelScoresWithOverrides() throws Exception {
        Path model = TestData.require("models/deepmerge-da-pytorch-untrained.onnx");
        DeepMergeException e = assertThrows(DeepMergeException.class,
                () -> OnnxScorer.open(model, CPU, ContractOverrides.none()));
        assertTrue(e.getMessage().contains(ModelContract.KEY_OUTPUT_NAME), e.getMessage());
        ContractOverrides o = ContractOverrides.none().withChannels(List.of("g", "r", "i")).withOutputName("52")
                .withOutputKind(OutputKind.LOGITS);
        try (OnnxScorer s = OnnxScorer.open(model, ScorerOptions.defaults().withDevice(Device.CPU), o)) {
            assertEquals("Galaxy Array", s.contract().inputName());
            assertEquals(256, s.maxBatch());
            assertEquals(ModelContracts.UNVERSIONED, s.identity().version(), "file sets no model version");
            assertEquals(3 * 75 * 75, s.contract().imageSize());
            float[] x = randomImages(10, s.contract().imageSize(), 6);
            List<Prediction> p = s.score(x, 10);
            assertEquals(10, p.size());
            for (Prediction pr : p) {
                assertEquals(2, pr.probabilities().size());
                assertEquals(1.0, pr.probabilities().get(0) + pr.probabilities().get(1), 1e-5);
                assertEquals(pr.probabilities().get(1), pr.pMerger());
            }
            assertEquals(p.subList(0, 3), s.score(x, 3), "padding does not change a row's result");

            float[] full = randomImages(256, s.contract().imageSize(), 7);
            s.score(full, 256);
            int runs = 5;
            long t0 = System.nanoTime();
            for (int i = 0; i < runs; i++) {
                s.score(full, 256);
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf("third-party DeepMerge ONNX on %s, %d CPU threads available: %.1f images/s (batch 256, %d runs)%n",
                    s.executionProvider(), Runtime.getRuntime().availableProcessors(), runs * 256 / secs, runs);
        }
    }
}
