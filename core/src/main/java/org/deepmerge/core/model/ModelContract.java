package org.deepmerge.core.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The model contract: everything the scorer needs to know to feed and read an ONNX model, stored in the
 * ONNX file's {@code metadata_props} under the {@code deepmerge.*} keys below (see docs/model-contract.md).
 *
 * @param inputName        input tensor name
 * @param batchSize        fixed batch size N of the input {@code [N,C,H,W]}, or -1 when dynamic
 * @param channels         C, the band/filter name of each input channel, in order
 * @param height           H, pixels
 * @param width            W, pixels
 * @param pixelScaleArcsec the model's pixel scale, arcsec/px (HLSP DeepMerge: 0.1875)
 * @param resample         how stamps are mapped to H x W
 * @param normalisation    per-pixel normalisation
 * @param outputName       the output tensor to read (models may have several)
 * @param outputKind       sigmoid, softmax or logits
 * @param classNames       class names in output order (sigmoid: non-merger, merger)
 * @param mergerClass      index into classNames of the merger class
 * @param modelName        model name
 * @param modelVersion     model version
 * @param extra            every other metadata property (training data fingerprint, metrics, producer)
 */
public record ModelContract(String inputName, int batchSize, List<String> channels, int height, int width,
                            double pixelScaleArcsec, ResampleMode resample, Normalisation normalisation,
                            String outputName, OutputKind outputKind, List<String> classNames, int mergerClass,
                            String modelName, String modelVersion, Map<String, String> extra) {

    /** metadata_props key prefix of the contract. */
    public static final String PREFIX = "deepmerge.";
    /** Input tensor name. */
    public static final String KEY_INPUT_NAME = "deepmerge.input.name";
    /** Comma-separated N,C,H,W; N = -1 when dynamic. */
    public static final String KEY_INPUT_SHAPE = "deepmerge.input.shape";
    /** Comma-separated band names, one per channel. */
    public static final String KEY_CHANNELS = "deepmerge.input.channels";
    /** Model pixel scale, arcsec/px. */
    public static final String KEY_PIXEL_SCALE = "deepmerge.input.pixel_scale_arcsec";
    /** {@code angular} or {@code fit}. */
    public static final String KEY_RESAMPLE = "deepmerge.input.resample";
    /** {@code none}, {@code standardize} or {@code asinh}. */
    public static final String KEY_NORMALISATION = "deepmerge.input.normalisation";
    /** Comma-separated per-channel means (standardize). */
    public static final String KEY_NORM_MEAN = "deepmerge.input.normalisation.mean";
    /** Comma-separated per-channel standard deviations (standardize). */
    public static final String KEY_NORM_STD = "deepmerge.input.normalisation.std";
    /** asinh softening (asinh). */
    public static final String KEY_NORM_SOFTENING = "deepmerge.input.normalisation.softening";
    /** Output tensor name. */
    public static final String KEY_OUTPUT_NAME = "deepmerge.output.name";
    /** {@code sigmoid}, {@code softmax} or {@code logits}. */
    public static final String KEY_OUTPUT_KIND = "deepmerge.output.kind";
    /** Comma-separated class names in output order. */
    public static final String KEY_CLASSES = "deepmerge.output.classes";
    /** Name of the merger class (one of the class names). */
    public static final String KEY_MERGER_CLASS = "deepmerge.output.merger_class";
    /** Model name stamped on every score. */
    public static final String KEY_MODEL_NAME = "deepmerge.model.name";
    /** Model version stamped on every score. */
    public static final String KEY_MODEL_VERSION = "deepmerge.model.version";
    /** SHA-256 fingerprint of the training data (provenance). */
    public static final String KEY_TRAINING_FINGERPRINT = "deepmerge.training.data_fingerprint";
    /** JSON object of test metrics. */
    public static final String KEY_METRICS = "deepmerge.training.metrics";
    /**
     * Temperature T of the merger logit (temperature scaling, Guo et al. 2017, ICML, "On Calibration of Modern Neural
     * Networks"), fitted on the validation part: the served probability is {@code sigmoid(logit / T)}. Absent = 1.
     */
    public static final String KEY_CALIBRATION_TEMPERATURE = "deepmerge.calibration.temperature";
    /**
     * The merger prior (base rate) the calibrated probabilities refer to, e.g. {@code 0.06}: to re-weight to a prior
     * {@code q}, add {@code ln(q/(1-q)) - ln(prior/(1-prior))} to the logit (docs/science.md).
     */
    public static final String KEY_CALIBRATION_PRIOR = "deepmerge.calibration.prior";
    /** The cutout kind each channel wants ({@code science}, {@code template}, {@code difference}), comma-separated or one for all. */
    public static final String KEY_CUTOUT_KIND = "deepmerge.input.cutout_kind";
    /** Code version that produced the file (provenance). */
    public static final String KEY_PRODUCER = "deepmerge.producer";

    /**
     * Largest H or W of a model input, pixels: the largest stamp side the decoder accepts
     * ({@code StampLimits.defaults().maxAxisLength()}). {@link ModelContracts#resolve} refuses a larger input.
     */
    public static final int MAX_INPUT_SIDE_PX = 4096;
    /**
     * Most floats in one input image, C*H*W: 2^26 (256 MiB), e.g. four channels of 4096x4096.
     * {@link ModelContracts#resolve} refuses a larger input.
     */
    public static final long MAX_INPUT_FLOATS = 1L << 26;
    /** Largest fixed batch size N a model may declare (the largest micro-batch the scorer runs). */
    public static final int MAX_FIXED_BATCH = 65536;

    /** The keys the contract itself is made of; every other metadata property goes to {@link #extra()}. */
    public static final Set<String> CONTRACT_KEYS = Set.of(KEY_INPUT_NAME, KEY_INPUT_SHAPE, KEY_CHANNELS,
            KEY_PIXEL_SCALE, KEY_RESAMPLE, KEY_NORMALISATION, KEY_NORM_MEAN, KEY_NORM_STD, KEY_NORM_SOFTENING,
            KEY_OUTPUT_NAME, KEY_OUTPUT_KIND, KEY_CLASSES, KEY_MERGER_CLASS, KEY_MODEL_NAME, KEY_MODEL_VERSION);

    public ModelContract {
        channels = List.copyOf(channels);
        classNames = List.copyOf(classNames);
        extra = Map.copyOf(extra);
    }

    /**
     * The writer side of the contract (used by the training exporter): the {@code metadata_props} entries that
     * {@link ModelContracts#resolve} reads back into an equal contract. List values are comma-separated, enums
     * lower-case, the merger class is stored by name; {@link #extra()} entries are included unchanged.
     *
     * @return key/value pairs for the ONNX file's {@code metadata_props}, in a stable order
     */
    public Map<String, String> toMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(KEY_INPUT_NAME, inputName);
        m.put(KEY_INPUT_SHAPE, batchSize + "," + channels.size() + "," + height + "," + width);
        m.put(KEY_CHANNELS, String.join(",", channels));
        m.put(KEY_PIXEL_SCALE, Double.toString(pixelScaleArcsec));
        m.put(KEY_RESAMPLE, resample.name().toLowerCase(Locale.ROOT));
        m.putAll(normalisation.metadata());
        m.put(KEY_OUTPUT_NAME, outputName);
        m.put(KEY_OUTPUT_KIND, outputKind.name().toLowerCase(Locale.ROOT));
        m.put(KEY_CLASSES, String.join(",", classNames));
        m.put(KEY_MERGER_CLASS, classNames.get(mergerClass));
        m.put(KEY_MODEL_NAME, modelName);
        m.put(KEY_MODEL_VERSION, modelVersion);
        extra.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> m.putIfAbsent(e.getKey(), e.getValue()));
        return m;
    }

    /**
     * @return the calibration temperature T (&gt; 0) from {@link #KEY_CALIBRATION_TEMPERATURE}, 1 when absent or not
     *         a finite positive number ({@link ModelContracts#resolve} rejects such a file)
     */
    public double calibrationTemperature() {
        String t = extra.get(KEY_CALIBRATION_TEMPERATURE);
        if (t == null) {
            return 1.0;
        }
        try {
            double v = Double.parseDouble(t.trim());
            return v > 0 && Double.isFinite(v) ? v : 1.0;
        } catch (NumberFormatException e) {
            return 1.0;
        }
    }

    /** @return the merger class name */
    public String mergerClassName() {
        return classNames.get(mergerClass);
    }

    /** @return C, the number of input channels */
    public int channelCount() {
        return channels.size();
    }

    /**
     * @return floats per image, C*H*W
     * @throws ArithmeticException when it does not fit an int (never for a contract from {@link ModelContracts#resolve},
     *                             which keeps it within {@link #MAX_INPUT_FLOATS})
     */
    public int imageSize() {
        return Math.multiplyExact(Math.multiplyExact(channels.size(), height), width);
    }
}
