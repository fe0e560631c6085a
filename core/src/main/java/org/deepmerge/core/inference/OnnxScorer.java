package org.deepmerge.core.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.ModelContracts;
import org.deepmerge.core.model.ModelIdentity;
import org.deepmerge.core.model.OutputKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ONNX Runtime session scoring batches {@code [N,C,H,W]} float32 (channel-first, row-major) into merger
 * probabilities. All scorers share the process-wide {@link OrtEnvironment}; each owns one {@link OrtSession}.
 *
 * <p>Batching: {@link #score} splits its input into chunks of {@link #maxBatch()} images. A model with a fixed
 * batch dimension (e.g. {@code deepmerge-da-pytorch-untrained.onnx}, N = 256) always runs with N images: the last
 * chunk is padded with zero images whose outputs are discarded. A dynamic-N model runs each chunk at its size, at
 * most {@link ScorerOptions#dynamicBatchSize()}, or with {@link ScorerOptions.Pinning pinning} (CUDA by default) at
 * the smallest pinned size that holds it, padded the same way; pinned sizes are warmed up when the scorer opens.
 * Only the contract's output tensor is requested from {@code session.run}, so extra outputs (feature maps) are not
 * copied out.
 *
 * <p>Output kinds: sigmoid ({@code [N]} or {@code [N,1]}, p = P(class 1)); softmax ({@code [N,K]}, taken as is);
 * logits ({@code [N,K]}, softmax applied with the maximum subtracted for numerical stability; a single logit
 * {@code [N]} or {@code [N,1]} is read through the logistic sigmoid, p = P(class 1)).
 *
 * <p>Thread-safety: {@code OrtSession.run} is thread-safe, but the scorer reuses one direct native-order input
 * buffer, so {@link #score} calls are serialised on this object; ONNX Runtime's intra-op threads parallelise each
 * run. Concurrent callers should share one {@link InferenceBatcher}, which merges their requests into full batches.
 * Every {@link OnnxTensor} and {@code OrtSession.Result} is closed after each run; {@link #close()} frees the session.
 */
public final class OnnxScorer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OnnxScorer.class);
    /** A GPU device node present on Linux hosts with an NVIDIA driver loaded. */
    private static final Path NVIDIA_DEVICE = Path.of("/dev/nvidia0");

    private final OrtEnvironment env;
    private final OrtSession session;
    private final ModelContract contract;
    private final ModelIdentity identity;
    private final OrtProvider provider;
    private final int maxBatch;
    private final boolean fixedBatch;
    private final int[] pinnedSizes;
    private final int imageSize;
    private final long[] shape;
    private final FloatBuffer input;
    private final Set<String> requested;
    private final float[] zeros;
    private boolean closed;

    private OnnxScorer(OrtEnvironment env, OrtSession session, ModelContract contract, ModelIdentity identity,
                       OrtProvider provider, int maxBatch, boolean fixedBatch, int[] pinnedSizes) {
        this.env = env;
        this.session = session;
        this.contract = contract;
        this.identity = identity;
        this.provider = provider;
        this.maxBatch = maxBatch;
        this.fixedBatch = fixedBatch;
        this.pinnedSizes = pinnedSizes;
        this.imageSize = contract.imageSize();
        this.shape = new long[] {maxBatch, contract.channelCount(), contract.height(), contract.width()};
        this.input = ByteBuffer.allocateDirect(Math.multiplyExact(Math.multiplyExact(maxBatch, imageSize), Float.BYTES))
                .order(ByteOrder.nativeOrder()).asFloatBuffer();
        this.requested = Set.of(contract.outputName());
        this.zeros = fixedBatch || pinnedSizes.length > 0 ? new float[imageSize] : new float[0];
    }

    /**
     * Loads an ONNX model, resolves its contract and opens a session on the requested device.
     *
     * @param model     the ONNX file; its SHA-256 is the model identity
     * @param options   device, threads, optimisation, dynamic batch size
     * @param overrides contract values for files without {@code deepmerge.*} metadata; null = none
     * @return an open scorer; close it
     * @throws DeepMergeException IO_ERROR (file missing/unreadable), INVALID_MODEL (not ONNX, incomplete or
     *                            inconsistent contract), DEVICE_UNAVAILABLE (device CUDA impossible), INVALID_CONFIG
     */
    public static OnnxScorer open(Path model, ScorerOptions options, ContractOverrides overrides) throws DeepMergeException {
        options.validate();
        ContractOverrides o = overrides == null ? ContractOverrides.none() : overrides;
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(model);
        } catch (NoSuchFileException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "model file not found: " + model, e);
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot read model file " + model + ": " + e, e);
        }
        String sha = ModelIdentity.sha256(bytes);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtProvider provider = chooseProvider(options.device());
        OrtSession session = createSession(env, bytes, options, provider, model);
        if (provider == OrtProvider.CUDA && session == null) {
            LOG.warn("device=auto: CUDA execution provider failed to start for {}; running on CPU", model);
            provider = OrtProvider.CPU;
            session = createSession(env, bytes, options, provider, model);
        }
        try {
            String stem = model.getFileName().toString().replaceFirst("\\.onnx$", "");
            ModelContract contract = ModelContracts.fromSession(session, o, stem);
            boolean fixed = contract.batchSize() > 0;
            int dynamic = options.dynamicBatchSize() != ScorerOptions.AUTO_BATCH ? options.dynamicBatchSize()
                    : provider == OrtProvider.CUDA ? ScorerOptions.CUDA_AUTO_BATCH : ScorerOptions.CPU_AUTO_BATCH;
            int maxBatch = fixed ? contract.batchSize() : dynamic;
            long inputBytes = (long) maxBatch * contract.imageSize() * Float.BYTES;
            if (inputBytes > Integer.MAX_VALUE) {
                throw new DeepMergeException(fixed ? Reason.INVALID_MODEL : Reason.INVALID_CONFIG, "a batch of "
                        + maxBatch + " images [" + contract.channelCount() + "," + contract.height() + ","
                        + contract.width() + "] needs " + inputBytes + " bytes of input, more than one input buffer"
                        + " holds (" + Integer.MAX_VALUE + "); " + (fixed ? "export the model with a smaller fixed batch"
                        : "use a smaller batch size"));
            }
            boolean pin = !fixed && (options.pinning() == ScorerOptions.Pinning.ON
                    || options.pinning() == ScorerOptions.Pinning.AUTO && provider == OrtProvider.CUDA);
            OnnxScorer s = new OnnxScorer(env, session, contract, new ModelIdentity(contract.modelName(),
                    contract.modelVersion(), sha), provider, maxBatch, fixed, pin ? pinnedSizes(maxBatch) : new int[0]);
            s.warmUp();
            LOG.info("model {} {} (sha256 {}) on {}: input '{}' [{},{},{},{}], output '{}' ({}), {} batch {}{}",
                    contract.modelName(), contract.modelVersion(), sha.substring(0, 12), provider.getName(),
                    contract.inputName(), fixed ? maxBatch : "N", contract.channelCount(), contract.height(),
                    contract.width(), contract.outputName(), contract.outputKind(), fixed ? "fixed" : "dynamic", maxBatch,
                    pin ? ", pinned and warmed batch sizes " + Arrays.toString(s.pinnedSizes) : "");
            return s;
        } catch (DeepMergeException | RuntimeException e) {
            closeQuietly(session);
            throw e;
        }
    }

    private static OrtProvider chooseProvider(Device device) throws DeepMergeException {
        boolean cudaBuilt = OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
        boolean gpu = Files.exists(NVIDIA_DEVICE);
        switch (device) {
            case CPU:
                return OrtProvider.CPU;
            case CUDA:
                if (!cudaBuilt) {
                    throw new DeepMergeException(Reason.DEVICE_UNAVAILABLE, "device=cuda: this ONNX Runtime build has no "
                            + "CUDA execution provider (providers: " + OrtEnvironment.getAvailableProviders()
                            + "); build with -Pgpu (onnxruntime_gpu)");
                }
                return OrtProvider.CUDA;
            default:
                if (gpu && cudaBuilt) {
                    return OrtProvider.CUDA;
                }
                LOG.info("device=auto: running on CPU ({})", !gpu ? "no GPU: " + NVIDIA_DEVICE + " is absent"
                        : "this ONNX Runtime build has no CUDA execution provider; build with -Pgpu");
                return OrtProvider.CPU;
        }
    }

    /** @return the session, or null when CUDA could not start under device=auto (caller retries on CPU) */
    private static OrtSession createSession(OrtEnvironment env, byte[] bytes, ScorerOptions options,
                                            OrtProvider provider, Path model) throws DeepMergeException {
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(optLevel(options.optimisation()));
            so.setIntraOpNumThreads(options.intraOpThreads());
            so.setInterOpNumThreads(options.interOpThreads());
            so.addConfigEntry("session.intra_op.allow_spinning", options.spinWait() ? "1" : "0");
            so.addConfigEntry("session.inter_op.allow_spinning", options.spinWait() ? "1" : "0");
            if (provider == OrtProvider.CUDA) {
                try {
                    so.addCUDA(0);
                } catch (OrtException e) {
                    if (options.device() == Device.CUDA) {
                        throw new DeepMergeException(Reason.DEVICE_UNAVAILABLE, "device=cuda: cannot start the CUDA "
                                + "execution provider: " + e.getMessage(), e);
                    }
                    return null;
                }
            }
            try {
                return env.createSession(bytes, so);
            } catch (OrtException e) {
                if (provider == OrtProvider.CUDA) {
                    if (options.device() == Device.CUDA) {
                        throw new DeepMergeException(Reason.DEVICE_UNAVAILABLE, "device=cuda: cannot create a CUDA "
                                + "session for " + model + ": " + e.getMessage(), e);
                    }
                    return null;
                }
                throw new DeepMergeException(Reason.INVALID_MODEL, "cannot load ONNX model " + model + ": " + e.getMessage(), e);
            }
        } catch (OrtException e) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "cannot configure the ONNX Runtime session: " + e.getMessage(), e);
        }
    }

    private static OrtSession.SessionOptions.OptLevel optLevel(ScorerOptions.Optimisation o) {
        switch (o) {
            case NONE:
                return OrtSession.SessionOptions.OptLevel.NO_OPT;
            case BASIC:
                return OrtSession.SessionOptions.OptLevel.BASIC_OPT;
            case EXTENDED:
                return OrtSession.SessionOptions.OptLevel.EXTENDED_OPT;
            default:
                return OrtSession.SessionOptions.OptLevel.ALL_OPT;
        }
    }

    /** @return the model contract */
    public ModelContract contract() {
        return contract;
    }

    /** @return name, version and SHA-256 of the ONNX file */
    public ModelIdentity identity() {
        return identity;
    }

    /** @return the execution provider actually used, e.g. {@code CPUExecutionProvider} or {@code CUDAExecutionProvider} */
    public String executionProvider() {
        return provider.getName();
    }

    /** @return the device actually used: CPU or CUDA */
    public Device device() {
        return provider == OrtProvider.CUDA ? Device.CUDA : Device.CPU;
    }

    /** @return images per ONNX Runtime run: the model's fixed N, or the configured dynamic batch size */
    public int maxBatch() {
        return maxBatch;
    }

    /** @return true when the model's batch dimension is fixed (short batches are padded) */
    public boolean fixedBatch() {
        return fixedBatch;
    }

    /**
     * Scores n images.
     *
     * @param images n images {@code [n,C,H,W]} float32, concatenated from index 0 ({@code images.length >= n*C*H*W})
     * @param n      number of images, &gt;= 0
     * @return one prediction per image, in input order
     * @throws DeepMergeException WRONG_SHAPE when images is too short for n; INFERENCE_FAILED when ONNX Runtime
     *                            fails, the output has an unexpected size, or the scorer is closed
     */
    public List<Prediction> score(float[] images, int n) throws DeepMergeException {
        if (n < 0 || (long) n * imageSize > images.length) {
            throw new DeepMergeException(Reason.WRONG_SHAPE, "score(" + n + " images) needs " + (long) n * imageSize
                    + " floats [n," + contract.channelCount() + "," + contract.height() + "," + contract.width()
                    + "], got " + images.length);
        }
        List<Prediction> out = new ArrayList<>(n);
        for (int start = 0; start < n; start += maxBatch) {
            runChunk(images, start, Math.min(maxBatch, n - start), out);
        }
        return out;
    }

    private synchronized void runChunk(float[] images, int start, int count, List<Prediction> out) throws DeepMergeException {
        if (closed) {
            throw new DeepMergeException(Reason.INFERENCE_FAILED, "scorer for " + identity.name() + " is closed");
        }
        int rows = fixedBatch ? maxBatch : pinnedRows(count);
        input.clear();
        input.put(images, start * imageSize, count * imageSize);
        for (int i = count; i < rows; i++) {
            input.put(zeros);
        }
        input.flip();
        shape[0] = rows;
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, input, shape);
             OrtSession.Result result = session.run(Map.of(contract.inputName(), tensor), requested)) {
            Optional<OnnxValue> value = result.get(contract.outputName());
            if (value.isEmpty() || !(value.get() instanceof OnnxTensor)) {
                throw new DeepMergeException(Reason.INFERENCE_FAILED, "model returned no tensor '" + contract.outputName() + "'");
            }
            OnnxTensor t = (OnnxTensor) value.get();
            TensorInfo info = t.getInfo();
            long[] os = info.getShape();
            long elements = info.getNumElements();
            if (os.length == 0 || os[0] != rows || elements % rows != 0) {
                throw new DeepMergeException(Reason.INFERENCE_FAILED, "output '" + contract.outputName() + "' has shape "
                        + Arrays.toString(os) + " for a batch of " + rows);
            }
            int k = (int) (elements / rows);
            int classes = contract.classNames().size();
            boolean oneValue = contract.outputKind() == OutputKind.SIGMOID
                    || (contract.outputKind() == OutputKind.LOGITS && k == 1);
            if (oneValue ? k != 1 : k != classes) {
                throw new DeepMergeException(Reason.INFERENCE_FAILED, "output '" + contract.outputName() + "' has "
                        + k + " values per image " + Arrays.toString(os) + ", the contract (" + contract.outputKind()
                        + ", classes " + contract.classNames() + ") expects " + (oneValue ? 1 : classes));
            }
            FloatBuffer fb = t.getFloatBuffer();
            float[] row = new float[k];
            for (int i = 0; i < count; i++) {
                fb.get(row, 0, k);
                out.add(toPrediction(row));
            }
        } catch (OrtException e) {
            throw new DeepMergeException(Reason.INFERENCE_FAILED, "ONNX Runtime failed on a batch of " + rows + " for "
                    + identity.name() + ": " + e.getMessage(), e);
        }
    }

    /** Powers of two below {@code max}, then {@code max}. */
    static int[] pinnedSizes(int max) {
        List<Integer> sizes = new ArrayList<>();
        for (int b = 1; b < max; b *= 2) {
            sizes.add(b);
        }
        sizes.add(max);
        return sizes.stream().mapToInt(Integer::intValue).toArray();
    }

    /** @return the rows a chunk of {@code count} images runs with: the smallest pinned size &gt;= count, or count */
    private int pinnedRows(int count) {
        for (int size : pinnedSizes) {
            if (size >= count) {
                return size;
            }
        }
        return count;
    }

    /** Runs one zero batch of every pinned size, so each input shape's first-run cost is paid at open. */
    private void warmUp() throws DeepMergeException {
        for (int size : pinnedSizes) {
            runChunk(new float[size * imageSize], 0, size, new ArrayList<>(size));
        }
    }

    /** @return the batch sizes dynamic-N runs are padded to and that were warmed at open; empty when not pinned */
    public int[] pinnedBatchSizes() {
        return pinnedSizes.clone();
    }

    /**
     * Output row to prediction. The merger logit is the network's own value for single-logit and binary-logit
     * outputs, else recovered from the merger probability. With a calibration temperature T != 1 in the contract a
     * binary model's merger probability is {@code sigmoid(logit / T)}; a K &gt; 2 logits model gets
     * {@code softmax(logits / T)}.
     */
    private Prediction toPrediction(float[] row) {
        double t = contract.calibrationTemperature();
        int m = contract.mergerClass();
        boolean binary = contract.classNames().size() == 2;
        List<Float> probs;
        double logit;
        switch (contract.outputKind()) {
            case SIGMOID:
                logit = Math.log(row[0]) - Math.log1p(-(double) row[0]);
                probs = t == 1.0 ? List.of(1f - row[0], row[0]) : binary(sigmoid(logit / t), 1);
                break;
            case LOGITS:
                if (row.length == 1) {
                    logit = row[0];
                    probs = binary(sigmoid(logit / t), 1);
                } else if (binary) {
                    logit = (double) row[m] - row[1 - m];
                    probs = t == 1.0 ? softmax(row) : binary(sigmoid(logit / t), m);
                } else {
                    float[] scaled = row.clone();
                    for (int i = 0; i < scaled.length; i++) {
                        scaled[i] = (float) (scaled[i] / t);
                    }
                    probs = softmax(scaled);
                    double pm = softmax(row).get(m);
                    logit = Math.log(pm) - Math.log1p(-pm);
                }
                break;
            default:
                probs = floats(row);
                double pm = row[m];
                logit = Math.log(pm) - Math.log1p(-pm);
                if (binary && t != 1.0) {
                    probs = binary(sigmoid(logit / t), m);
                }
                break;
        }
        return new Prediction(probs.get(m), probs, logit);
    }

    private static float sigmoid(double x) {
        return (float) (1.0 / (1.0 + Math.exp(-x)));
    }

    private static List<Float> binary(float pMerger, int mergerClass) {
        return mergerClass == 1 ? List.of(1f - pMerger, pMerger) : List.of(pMerger, 1f - pMerger);
    }

    private static List<Float> floats(float[] row) {
        List<Float> out = new ArrayList<>(row.length);
        for (float v : row) {
            out.add(v);
        }
        return out;
    }

    /**
     * Numerically stable softmax: {@code exp(x_i - max) / sum_j exp(x_j - max)}.
     *
     * @param logits unnormalised scores
     * @return probabilities summing to 1
     */
    static List<Float> softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double[] e = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            e[i] = Math.exp(logits[i] - max);
            sum += e[i];
        }
        List<Float> out = new ArrayList<>(logits.length);
        for (double v : e) {
            out.add((float) (v / sum));
        }
        return out;
    }

    /** Closes the session; later {@link #score} calls fail with INFERENCE_FAILED. Idempotent. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            closeQuietly(session);
        }
    }

    private static void closeQuietly(OrtSession s) {
        try {
            s.close();
        } catch (OrtException e) {
            LOG.warn("closing ONNX Runtime session failed: {}", e.getMessage());
        }
    }
}
