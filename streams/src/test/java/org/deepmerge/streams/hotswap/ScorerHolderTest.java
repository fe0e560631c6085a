package org.deepmerge.streams.hotswap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.inference.InferenceBatcher;
import org.deepmerge.core.inference.OnnxScorer;
import org.deepmerge.core.inference.Prediction;
import org.deepmerge.core.inference.ScorerOptions;
import org.deepmerge.core.inference.TinyOnnx;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.core.model.ModelContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Leases, close-after-release and compatibility of {@link ScorerHolder}, on real ONNX Runtime sessions. */
class ScorerHolderTest {
    @TempDir
    Path dir;

    /** Contract metadata of a tiny [N,2,4,4] sigmoid model with the given bands and version. */
    static Map<String, String> metadata(String name, String version, String channels) {
        Map<String, String> md = new LinkedHashMap<>();
        md.put(ModelContract.KEY_CHANNELS, channels);
        md.put(ModelContract.KEY_PIXEL_SCALE, "1.0");
        md.put(ModelContract.KEY_MODEL_NAME, name);
        md.put(ModelContract.KEY_MODEL_VERSION, version);
        return md;
    }

    private OnnxScorer open(String version, String channels, TinyOnnx.Head head) throws Exception {
        Map<String, String> md = metadata("tiny", version, channels);
        if (head == TinyOnnx.Head.SOFTMAX) {
            md.put(ModelContract.KEY_OUTPUT_KIND, "softmax");
        }
        Path f = TinyOnnx.write(dir.resolve("tiny-" + version + "-" + channels.replace(',', '_') + ".onnx"), head, -1, md);
        return OnnxScorer.open(f, ScorerOptions.defaults(), ContractOverrides.none());
    }

    private static float[] images(int n) {
        float[] x = new float[n * TinyOnnx.C * TinyOnnx.H * TinyOnnx.WIDTH];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 7) * 0.25f;
        }
        return x;
    }

    @Test
    void oldScorerStaysOpenUntilItsLastLeaseCloses() throws Exception {
        OnnxScorer v1 = open("1", "g,r", TinyOnnx.Head.SIGMOID);
        OnnxScorer v2 = open("2", "g,r", TinyOnnx.Head.SOFTMAX);
        try (ScorerHolder holder = new ScorerHolder(v1)) {
            ScorerHolder.Lease a = holder.acquire();
            ScorerHolder.Lease b = holder.acquire();
            assertEquals(0, a.epoch());
            assertEquals(1, holder.swap(v2));
            assertEquals("2", holder.identity().version());

            // in-flight batches keep scoring on v1 and stamp v1's identity
            assertEquals("1", a.identity().version());
            assertEquals(3, a.scorer().score(images(3), 3).size());
            a.close();
            a.close(); // idempotent: must not release twice
            assertEquals(2, b.scorer().score(images(2), 2).size());
            b.close();
            DeepMergeException closed = assertThrows(DeepMergeException.class, () -> v1.score(images(1), 1));
            assertEquals(Reason.INFERENCE_FAILED, closed.reason());
            assertTrue(closed.getMessage().contains("is closed"), closed.getMessage());

            try (ScorerHolder.Lease c = holder.acquire()) {
                assertSame(v2, c.scorer());
                assertEquals(1, c.epoch());
                float[] x = images(1);
                double[] z = TinyOnnx.gemm(x, 0);
                double p1 = Math.exp(z[1]) / (Math.exp(z[0]) + Math.exp(z[1]));
                Prediction p = c.scorer().score(x, 1).get(0);
                assertEquals(p1, p.probabilities().get(1), 1e-5);
            }
        }
        assertThrows(DeepMergeException.class, () -> v2.score(images(1), 1), "holder.close() closes the current scorer");
    }

    @Test
    void incompatibleModelIsRefusedAndClosedWhileTheRunningOneServes() throws Exception {
        OnnxScorer v1 = open("1", "g,r", TinyOnnx.Head.SIGMOID);
        OnnxScorer other = open("2", "r,i", TinyOnnx.Head.SIGMOID);
        try (ScorerHolder holder = new ScorerHolder(v1)) {
            DeepMergeException e = assertThrows(DeepMergeException.class, () -> holder.swap(other));
            assertEquals(Reason.INVALID_MODEL, e.reason());
            assertTrue(e.getMessage().contains("channels [r, i] != [g, r]"), e.getMessage());
            assertEquals(0, holder.epoch());
            assertEquals("1", holder.identity().version());
            assertThrows(DeepMergeException.class, () -> other.score(images(1), 1), "refused scorer is closed");
            try (ScorerHolder.Lease l = holder.acquire()) {
                assertEquals(1, l.scorer().score(images(1), 1).size());
            }
        }
    }

    @Test
    void incompatibilityNamesEveryInputDifference() throws Exception {
        try (OnnxScorer a = open("1", "g,r", TinyOnnx.Head.SIGMOID)) {
            ModelContract c = a.contract();
            ModelContract d = new ModelContract(c.inputName(), c.batchSize(), List.of("g", "r"), 8, 8, 0.5,
                    c.resample(), c.normalisation(), c.outputName(), c.outputKind(), c.classNames(), c.mergerClass(),
                    c.modelName(), "2", c.extra());
            String why = ScorerHolder.incompatibility(c, d).orElseThrow();
            assertTrue(why.contains("input H x W 8x8 px != 4x4 px"), why);
            assertTrue(why.contains("pixel scale 0.5 arcsec/px != 1.0 arcsec/px"), why);
            assertTrue(ScorerHolder.incompatibility(c, c).isEmpty());
        }
    }

    @Test
    void acquireAfterCloseFailsAndConcurrentBatchesSurviveSwaps() throws Exception {
        List<OnnxScorer> versions = new ArrayList<>();
        for (int v = 1; v <= 6; v++) {
            versions.add(open(Integer.toString(v), "g,r", v % 2 == 0 ? TinyOnnx.Head.SOFTMAX : TinyOnnx.Head.SIGMOID));
        }
        ScorerHolder holder = new ScorerHolder(versions.get(0));
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<Integer>> workers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                workers.add(pool.submit(() -> {
                    int scored = 0;
                    for (int i = 0; i < 200; i++) {
                        try (ScorerHolder.Lease l = holder.acquire()) {
                            scored += l.scorer().score(images(2), 2).size();
                        }
                    }
                    return scored;
                }));
            }
            for (int v = 1; v < versions.size(); v++) {
                holder.swap(versions.get(v));
            }
            for (Future<Integer> w : workers) {
                assertEquals(400, w.get(), "every batch scored although models were swapped under it");
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(5, holder.epoch());
        for (int v = 0; v < versions.size() - 1; v++) {
            int idx = v;
            assertThrows(DeepMergeException.class, () -> versions.get(idx).score(images(1), 1),
                    "replaced scorer " + (idx + 1) + " closed once its leases are gone");
        }
        holder.close();
        DeepMergeException e = assertThrows(DeepMergeException.class, holder::acquire);
        assertEquals(Reason.INFERENCE_FAILED, e.reason());
        assertThrows(DeepMergeException.class, () -> versions.get(5).score(images(1), 1));
    }

    @Test
    void batcherSwapsWithItsScorerAndClosesAfterTheLastLease() throws Exception {
        OnnxScorer v1 = open("1", "g,r", TinyOnnx.Head.SIGMOID);
        OnnxScorer v2 = open("2", "g,r", TinyOnnx.Head.SIGMOID);
        try (ScorerHolder holder = new ScorerHolder(v1, s -> InferenceBatcher.create(s, Duration.ofMillis(1)))) {
            ScorerHolder.Lease old = holder.acquire();
            InferenceBatcher oldBatcher = old.batcher();
            assertThrows(IllegalArgumentException.class, () -> holder.swap(v1), "re-installing the running scorer");
            holder.swap(v2);
            float[] x = images(4);
            List<Prediction> p = oldBatcher.score(x, 4);
            double z0 = TinyOnnx.gemm(x, 0)[0];
            assertEquals(1 / (1 + Math.exp(-z0)), p.get(0).pMerger(), 1e-5, "old batch finishes on v1");
            old.close();
            DeepMergeException closed = assertThrows(DeepMergeException.class, () -> oldBatcher.score(x, 1));
            assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
            try (ScorerHolder.Lease l = holder.acquire()) {
                assertEquals("2", l.identity().version());
                assertEquals(4, l.batcher().score(x, 4).size());
            }
        }
        try (ScorerHolder h = new ScorerHolder(open("3", "g,r", TinyOnnx.Head.SIGMOID)); ScorerHolder.Lease l = h.acquire()) {
            assertThrows(IllegalStateException.class, l::batcher);
        }
    }
}
