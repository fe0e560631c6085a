package org.deepmerge.core.inference;

import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * How the ONNX Runtime session runs. Validated by {@link #validate()} (called by {@link OnnxScorer#open}).
 *
 * @param device           AUTO (CUDA where a GPU and the CUDA provider are present, else CPU), CPU or CUDA
 * @param intraOpThreads   threads inside one operator, 0 = ONNX Runtime's default (one per physical core)
 * @param interOpThreads   threads across independent operators, 0 = ONNX Runtime's default
 * @param optimisation     graph optimisation level
 * @param dynamicBatchSize images per run for models whose batch dimension N is dynamic, 1..65536, or
 *                         {@link #AUTO_BATCH} (0): {@link #CPU_AUTO_BATCH} on CPU, {@link #CUDA_AUTO_BATCH} on CUDA
 *                         (fixed-N models always run with their N)
 * @param spinWait         let ONNX Runtime's intra-op worker threads spin while waiting for work
 *                         ({@code session.intra_op.allow_spinning}); off by default because on a small node shared
 *                         with Kafka the spinning threads take CPU from everything else (docs/benchmarks.md)
 * @param pinning          batch-size pinning and warm-up of dynamic-N models ({@link Pinning})
 */
public record ScorerOptions(Device device, int intraOpThreads, int interOpThreads, Optimisation optimisation,
                            int dynamicBatchSize, boolean spinWait, Pinning pinning) {

    /** Largest thread count accepted. */
    public static final int MAX_THREADS = 1024;
    /** {@code dynamicBatchSize} value that lets the device decide. */
    public static final int AUTO_BATCH = 0;
    /**
     * Automatic batch on CPU, images: the DeepMerge CNN runs fastest per CPU-second at batches of 4-16 (larger
     * batches spill the conv activations out of L2 cache; docs/benchmarks.md, {@code bench infer}).
     */
    public static final int CPU_AUTO_BATCH = 16;
    /** Automatic batch on CUDA, images: large enough to amortise the host-to-device copy and kernel launches. */
    public static final int CUDA_AUTO_BATCH = 256;
    /** Largest dynamic batch accepted, images. */
    public static final int MAX_DYNAMIC_BATCH = 65536;

    /**
     * Batch-size pinning for dynamic-N models: with pinning, a batch of n images runs at the smallest pinned size
     * &gt;= n (powers of two up to the maximum batch, and the maximum itself), zero-padded, and the session runs one
     * zero batch of every pinned size when it opens. On CUDA each new input shape costs a cuDNN algorithm search and
     * arena growth on its first run; pinning bounds the shapes to a few, all paid for at start instead of on live
     * batches. On CPU padding is wasted arithmetic, so AUTO pins on CUDA only.
     */
    public enum Pinning { AUTO, ON, OFF }

    /** ONNX Runtime graph optimisation levels ({@code GraphOptimizationLevel}). */
    public enum Optimisation { NONE, BASIC, EXTENDED, ALL }

    /**
     * @return AUTO device, ONNX Runtime's default thread counts, all optimisations, automatic batch, no spinning,
     *         automatic pinning
     */
    public static ScorerOptions defaults() {
        return new ScorerOptions(Device.AUTO, 0, 0, Optimisation.ALL, AUTO_BATCH, false, Pinning.AUTO);
    }

    /** @param d device @return a copy on that device */
    public ScorerOptions withDevice(Device d) {
        return new ScorerOptions(d, intraOpThreads, interOpThreads, optimisation, dynamicBatchSize, spinWait, pinning);
    }

    /** @param intra intra-op threads @param inter inter-op threads @return a copy with those thread counts */
    public ScorerOptions withThreads(int intra, int inter) {
        return new ScorerOptions(device, intra, inter, optimisation, dynamicBatchSize, spinWait, pinning);
    }

    /** @param n dynamic batch size @return a copy with it */
    public ScorerOptions withDynamicBatchSize(int n) {
        return new ScorerOptions(device, intraOpThreads, interOpThreads, optimisation, n, spinWait, pinning);
    }

    /** @param spin whether idle intra-op threads spin @return a copy with it */
    public ScorerOptions withSpinWait(boolean spin) {
        return new ScorerOptions(device, intraOpThreads, interOpThreads, optimisation, dynamicBatchSize, spin, pinning);
    }

    /** @param p batch-size pinning @return a copy with it */
    public ScorerOptions withPinning(Pinning p) {
        return new ScorerOptions(device, intraOpThreads, interOpThreads, optimisation, dynamicBatchSize, spinWait, p);
    }

    /**
     * @return this
     * @throws DeepMergeException INVALID_CONFIG naming the bad value
     */
    public ScorerOptions validate() throws DeepMergeException {
        if (device == null) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "scorer device is not set (auto, cpu or cuda)");
        }
        if (pinning == null) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "scorer batch pinning is not set (auto, on, off)");
        }
        if (optimisation == null) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "scorer graph optimisation is not set (none, basic, extended, all)");
        }
        if (intraOpThreads < 0 || intraOpThreads > MAX_THREADS) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "intra-op threads " + intraOpThreads + " not in 0.." + MAX_THREADS);
        }
        if (interOpThreads < 0 || interOpThreads > MAX_THREADS) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "inter-op threads " + interOpThreads + " not in 0.." + MAX_THREADS);
        }
        if (dynamicBatchSize < AUTO_BATCH || dynamicBatchSize > MAX_DYNAMIC_BATCH) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "dynamic batch size " + dynamicBatchSize + " not in 1.."
                    + MAX_DYNAMIC_BATCH + " (or 0 = automatic)");
        }
        return this;
    }
}
