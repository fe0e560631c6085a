package org.deepmerge.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.inference.OnnxScorer;
import org.deepmerge.core.inference.ScorerOptions;
import org.deepmerge.core.model.ContractOverrides;

/**
 * The {@code infer} benchmark: ONNX Runtime alone, through the production {@link OnnxScorer} (same session options,
 * same direct input buffer, output read and softmax/sigmoid), on synthetic inputs {@code [N,C,H,W]} float32
 * uniform in [0, 1) from a fixed seed (a dense CNN on CPU costs the same whatever the pixel values).
 *
 * <p>Per batch size N: a scorer is opened with dynamic batch N (one session per size, so each is warmed for its
 * shape), {@code warmup} untimed runs, then timed runs until at least {@code minRuns} runs and
 * {@code secondsPerSize} seconds have passed. A model with a fixed batch dimension runs only its N. Each run is
 * timed alone ({@link System#nanoTime()} around {@link OnnxScorer#score}); images/s = N / mean seconds per run.
 */
public final class InferBenchmark {

    /**
     * @param model          the ONNX file
     * @param overrides      contract values the file lacks (e.g. output name/kind of a third-party export)
     * @param options        device and threads; its dynamic batch size is replaced by each swept size
     * @param batchSizes     sizes to sweep for a dynamic-batch model, each 1..65536
     * @param warmup         untimed runs per size, &gt;= 0
     * @param minRuns        least timed runs per size, &gt;= 1
     * @param secondsPerSize least timed seconds per size, &gt;= 0
     */
    public record Config(Path model, ContractOverrides overrides, ScorerOptions options, List<Integer> batchSizes,
                         int warmup, int minRuns, double secondsPerSize) {
        public Config {
            batchSizes = List.copyOf(batchSizes);
        }
    }

    /**
     * @param batchSize       images per ONNX Runtime run
     * @param runs            timed runs
     * @param msPerBatchMean  mean ms per run
     * @param msPerBatchP50   median ms per run
     * @param msPerBatchP95   95th percentile ms per run
     * @param imagesPerSecond batchSize / mean seconds per run (the headline: sustained rate, stalls included)
     * @param cpuSeconds      CPU time of the whole process during the timed runs, s (ONNX Runtime's threads included)
     */
    public record Row(int batchSize, int runs, double msPerBatchMean, double msPerBatchP50, double msPerBatchP95,
                      double imagesPerSecond, double cpuSeconds) {
        /** @return images per CPU-second of the process; NaN when the CPU time is unknown or below its resolution */
        public double imagesPerCpuSecond() {
            return cpuSeconds > 0 ? (double) batchSize * runs / cpuSeconds : Double.NaN;
        }

        /** @return batchSize / median seconds per run: the rate of an undisturbed run on a shared machine */
        public double imagesPerSecondP50() {
            return batchSize / (msPerBatchP50 / 1000.0);
        }
    }

    /**
     * @param executionProvider the provider ONNX Runtime used, e.g. {@code CPUExecutionProvider}
     * @param device            CPU or CUDA
     * @param fixedBatch        true when the model's batch dimension is fixed (only its N was run)
     * @param inputShape        {@code [C,H,W]} of one image
     * @param cost              multiply-adds per image counted from the graph
     * @param rows              one row per batch size, in sweep order
     */
    public record Result(String executionProvider, String device, boolean fixedBatch, List<Integer> inputShape,
                         ModelCost cost, List<Row> rows) {
        public Result {
            inputShape = List.copyOf(inputShape);
            rows = List.copyOf(rows);
        }

        /** @return the row with the most images per second */
        public Row best() {
            Row best = rows.get(0);
            for (Row r : rows) {
                if (r.imagesPerSecond() > best.imagesPerSecond()) {
                    best = r;
                }
            }
            return best;
        }

        /** @return achieved FP32 GFLOP/s at the best batch size (2 FLOP per multiply-add) */
        public double achievedGflops() {
            return best().imagesPerSecond() * cost.flopsPerImage() / 1e9;
        }
    }

    private InferBenchmark() {
    }

    /** @return 1, 2, 4, ..., 1024 */
    public static List<Integer> powersOfTwo() {
        List<Integer> out = new ArrayList<>();
        for (int n = 1; n <= 1024; n *= 2) {
            out.add(n);
        }
        return out;
    }

    /**
     * @param c        the configuration
     * @param progress receives each row as it is measured (e.g. to print it)
     * @return the figures
     * @throws DeepMergeException INVALID_CONFIG for bad counts; the scorer's reasons (IO_ERROR, INVALID_MODEL,
     *                            DEVICE_UNAVAILABLE, INFERENCE_FAILED)
     */
    public static Result run(Config c, Consumer<Row> progress) throws DeepMergeException {
        if (c.batchSizes().isEmpty() || c.warmup() < 0 || c.minRuns() < 1 || !(c.secondsPerSize() >= 0)) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "infer benchmark needs batch sizes, warmup >= 0, "
                    + "min runs >= 1, seconds >= 0; got " + c.batchSizes() + ", " + c.warmup() + ", " + c.minRuns()
                    + ", " + c.secondsPerSize());
        }
        ModelCost cost = OnnxGraphCost.analyse(c.model());
        List<Row> rows = new ArrayList<>();
        String provider = null;
        String device = null;
        boolean fixed = false;
        List<Integer> shape = null;
        for (int n : c.batchSizes()) {
            try (OnnxScorer scorer = OnnxScorer.open(c.model(), c.options().withDynamicBatchSize(n), c.overrides())) {
                provider = scorer.executionProvider();
                device = scorer.device().name();
                fixed = scorer.fixedBatch();
                shape = List.of(scorer.contract().channelCount(), scorer.contract().height(), scorer.contract().width());
                int batch = scorer.maxBatch();
                float[] images = new float[batch * scorer.contract().imageSize()];
                SplittableRandom random = new SplittableRandom(42);
                for (int i = 0; i < images.length; i++) {
                    images[i] = (float) random.nextDouble();
                }
                Row row = measure(scorer, images, batch, c);
                rows.add(row);
                progress.accept(row);
                if (fixed) {
                    break;
                }
            }
        }
        return new Result(provider, device, fixed, shape, cost, rows);
    }

    private static Row measure(OnnxScorer scorer, float[] images, int batch, Config c) throws DeepMergeException {
        for (int i = 0; i < c.warmup(); i++) {
            scorer.score(images, batch);
        }
        List<Double> ms = new ArrayList<>();
        long budget = (long) (c.secondsPerSize() * 1e9);
        long start = System.nanoTime();
        long cpu0 = CpuTime.processNanos();
        while (ms.size() < c.minRuns() || System.nanoTime() - start < budget) {
            long t0 = System.nanoTime();
            if (scorer.score(images, batch).size() != batch) {
                throw new DeepMergeException(Reason.INFERENCE_FAILED, "scorer returned a wrong number of predictions");
            }
            ms.add((System.nanoTime() - t0) / 1e6);
        }
        double cpu = (CpuTime.processNanos() - cpu0) / 1e9;
        Percentiles p = Percentiles.of(ms.stream().mapToDouble(Double::doubleValue).toArray());
        return new Row(batch, p.count(), p.mean(), p.p50(), p.p95(), batch / (p.mean() / 1000.0), cpu);
    }
}
