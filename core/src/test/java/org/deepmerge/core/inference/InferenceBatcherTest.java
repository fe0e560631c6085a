package org.deepmerge.core.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.model.ContractOverrides;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InferenceBatcherTest {
    private static final ScorerOptions CPU = ScorerOptions.defaults().withDevice(Device.CPU).withThreads(1, 1);
    private static final int SIZE = 32;

    @TempDir
    Path tmp;

    @Test
    void concurrentSubmissionsMatchDirectScoring() throws Exception {
        Path f = TinyOnnx.write(tmp.resolve("fixed.onnx"), TinyOnnx.Head.LOGITS, 16,
                OnnxScorerTest.metadata("logits", "logits"));
        int threads = 6;
        int perThread = 40;
        float[] all = OnnxScorerTest.randomImages(threads * perThread * 7, SIZE, 11);
        try (OnnxScorer scorer = OnnxScorer.open(f, CPU, ContractOverrides.none())) {
            List<Prediction> direct = scorer.score(all, threads * perThread * 7);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try (InferenceBatcher batcher = InferenceBatcher.create(scorer, Duration.ofMillis(2))) {
                List<Future<Integer>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    done.add(pool.submit(() -> {
                        List<CompletableFuture<List<Prediction>>> futures = new ArrayList<>();
                        List<int[]> ranges = new ArrayList<>();
                        for (int r = 0; r < perThread; r++) {
                            int start = (thread * perThread + r) * 7;
                            int n = 1 + (r * 5 + thread) % 7;
                            futures.add(batcher.submit(Arrays.copyOfRange(all, start * SIZE, (start + n) * SIZE), n));
                            ranges.add(new int[] {start, n});
                        }
                        int images = 0;
                        for (int r = 0; r < perThread; r++) {
                            int start = ranges.get(r)[0];
                            int n = ranges.get(r)[1];
                            assertEquals(direct.subList(start, start + n), futures.get(r).get(), "thread " + thread + " request " + r);
                            images += n;
                        }
                        return images;
                    }));
                }
                long submitted = 0;
                for (Future<Integer> d : done) {
                    submitted += d.get();
                }
                assertEquals(submitted, batcher.imagesScored());
                assertTrue(batcher.batchesRun() <= threads * perThread);
                System.out.printf("batcher: %d requests, %d images in %d runs%n", threads * perThread, submitted,
                        batcher.batchesRun());
                float[] big = Arrays.copyOfRange(all, 0, 40 * SIZE);
                assertEquals(direct.subList(0, 40), batcher.score(big, 40), "a request larger than a batch is chunked");
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void closeFailsPendingAndLaterRequests() throws Exception {
        Path f = TinyOnnx.write(tmp.resolve("dyn.onnx"), TinyOnnx.Head.SIGMOID, -1, OnnxScorerTest.metadata("prob", "sigmoid"));
        float[] x = OnnxScorerTest.randomImages(4, SIZE, 12);
        try (OnnxScorer scorer = OnnxScorer.open(f, CPU, ContractOverrides.none())) {
            InferenceBatcher batcher = new InferenceBatcher(scorer, 8, Duration.ofMillis(50));
            List<CompletableFuture<List<Prediction>>> futures = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                futures.add(batcher.submit(x, 4));
            }
            batcher.close();
            for (CompletableFuture<List<Prediction>> fu : futures) {
                assertTrue(fu.isDone(), "every request is finished or failed after close");
                if (fu.isCompletedExceptionally()) {
                    ExecutionException e = assertThrows(ExecutionException.class, fu::get);
                    DeepMergeException d = assertInstanceOf(DeepMergeException.class, e.getCause());
                    assertTrue(d.getMessage().contains("closed"), d.getMessage());
                } else {
                    assertEquals(4, fu.get().size());
                }
            }
            DeepMergeException after = assertThrows(DeepMergeException.class, () -> batcher.score(x, 4));
            assertEquals(Reason.INFERENCE_FAILED, after.reason());
            assertTrue(after.getMessage().contains("closed"));
            batcher.close();
        }
    }

    @Test
    void badRequestsFailOnlyThemselves() throws Exception {
        Path f = TinyOnnx.write(tmp.resolve("dyn.onnx"), TinyOnnx.Head.SIGMOID, -1, OnnxScorerTest.metadata("prob", "sigmoid"));
        try (OnnxScorer scorer = OnnxScorer.open(f, CPU, ContractOverrides.none());
             InferenceBatcher batcher = new InferenceBatcher(scorer, 8, Duration.ofMillis(1))) {
            assertEquals(Reason.WRONG_SHAPE, assertThrows(DeepMergeException.class,
                    () -> batcher.score(new float[SIZE], 2)).reason());
            assertEquals(List.of(), batcher.score(new float[0], 0));
            assertEquals(3, batcher.score(new float[3 * SIZE], 3).size());
            assertEquals(Reason.INVALID_CONFIG, assertThrows(DeepMergeException.class,
                    () -> new InferenceBatcher(scorer, 0, Duration.ZERO)).reason());
        }
    }
}
