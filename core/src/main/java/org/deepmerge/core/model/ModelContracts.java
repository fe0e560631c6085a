package org.deepmerge.core.model;

import static org.deepmerge.core.model.ModelContract.*;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxModelMetadata;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * Reads a {@link ModelContract} from an ONNX model: its {@code metadata_props} ({@code deepmerge.*} keys, see
 * docs/model-contract.md), its declared inputs/outputs, and {@link ContractOverrides} from the command line.
 * Precedence per value: override &gt; metadata &gt; inferred from the graph &gt; default. Defaults: channels
 * {@code ch0..chC-1}; pixel scale 0.1875 arcsec/px (HLSP DeepMerge, DOI 10.17909/t9-vqk6-pc80); resample
 * {@code angular}; normalisation {@code none} (as in Ciprijanovic et al. 2020); classes
 * {@code non-merger,merger}; merger class = the last class. A value that is missing and cannot be inferred is
 * an {@link Reason#INVALID_MODEL} error naming the metadata key and the flag that supplies it.
 */
public final class ModelContracts {

    /** Pixel scale of the HLSP DeepMerge Illustris images, arcsec/px (MAST HLSP page). */
    public static final double DEFAULT_PIXEL_SCALE_ARCSEC = 0.1875;
    /** Class names used when the model does not declare them: binary merger classification. */
    public static final List<String> DEFAULT_CLASSES = List.of("non-merger", "merger");

    private ModelContracts() {
    }

    /**
     * @param session an open ONNX Runtime session
     * @return its input/output names and shapes (dynamic dimensions -1)
     * @throws DeepMergeException INVALID_MODEL when an input or output is not a float32 tensor
     */
    public static GraphSignature signature(OrtSession session) throws DeepMergeException {
        try {
            return new GraphSignature(shapes(session.getInputInfo(), "input"), shapes(session.getOutputInfo(), "output"));
        } catch (OrtException e) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "cannot read the model's inputs/outputs: " + e.getMessage(), e);
        }
    }

    private static Map<String, List<Long>> shapes(Map<String, NodeInfo> infos, String what) throws DeepMergeException {
        Map<String, List<Long>> out = new LinkedHashMap<>();
        for (Map.Entry<String, NodeInfo> e : infos.entrySet()) {
            if (!(e.getValue().getInfo() instanceof TensorInfo)) {
                throw new DeepMergeException(Reason.INVALID_MODEL, what + " '" + e.getKey() + "' is not a tensor: "
                        + e.getValue().getInfo());
            }
            TensorInfo t = (TensorInfo) e.getValue().getInfo();
            List<Long> shape = new ArrayList<>();
            for (long d : t.getShape()) {
                shape.add(d > 0 ? d : -1L);
            }
            out.put(e.getKey(), shape);
        }
        return out;
    }

    /**
     * Reads the contract of an ONNX file without keeping a session: opens a CPU session (no graph optimisation),
     * resolves, closes. For tools that inspect or verify a model (e.g. the exporter checking its own output).
     *
     * @param model     the ONNX file
     * @param overrides command-line values; {@link ContractOverrides#none()} for none
     * @return the contract; the default model name is the file name without {@code .onnx}
     * @throws DeepMergeException IO_ERROR when the file is missing; INVALID_MODEL when it is not a loadable ONNX
     *                            model or its contract is incomplete
     */
    public static ModelContract read(Path model, ContractOverrides overrides) throws DeepMergeException {
        if (!Files.isRegularFile(model)) {
            throw new DeepMergeException(Reason.IO_ERROR, "model file not found: " + model);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            so.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(model.toString(), so)) {
                return fromSession(session, overrides, model.getFileName().toString().replaceFirst("\\.onnx$", ""));
            }
        } catch (OrtException e) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "cannot load ONNX model " + model + ": " + e.getMessage(), e);
        }
    }

    /** Version stamped on scores of a model whose file sets neither {@code deepmerge.model.version} nor {@code model_version}. */
    public static final String UNVERSIONED = "unversioned";

    /**
     * Resolves the contract of an open session (metadata, graph, overrides) and checks that the chosen input and
     * output are float32 tensors.
     *
     * @param session        an open ONNX Runtime session
     * @param overrides      command-line values; {@link ContractOverrides#none()} for none
     * @param defaultName    model name when neither override nor metadata gives one (e.g. the file name stem)
     * @return the contract
     * @throws DeepMergeException INVALID_MODEL naming the missing/inconsistent key and its flag
     */
    public static ModelContract fromSession(OrtSession session, ContractOverrides overrides, String defaultName)
            throws DeepMergeException {
        Map<String, String> metadata;
        String defaultVersion;
        try {
            OnnxModelMetadata md = session.getMetadata();
            metadata = md.getCustomMetadata();
            long version = md.getVersion();
            // ONNX Runtime reports an unset ModelProto.model_version as Long.MAX_VALUE
            defaultVersion = version > 0 && version != Long.MAX_VALUE ? Long.toString(version) : UNVERSIONED;
        } catch (OrtException e) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "cannot read the model's metadata_props: " + e.getMessage(), e);
        }
        ModelContract c = resolve(metadata, signature(session), overrides, defaultName, defaultVersion);
        try {
            checkFloat(session.getInputInfo().get(c.inputName()), "input", c.inputName());
            checkFloat(session.getOutputInfo().get(c.outputName()), "output", c.outputName());
        } catch (OrtException e) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "cannot read the model's inputs/outputs: " + e.getMessage(), e);
        }
        return c;
    }

    private static void checkFloat(NodeInfo info, String what, String name) throws DeepMergeException {
        TensorInfo t = (TensorInfo) info.getInfo();
        if (t.type != ai.onnxruntime.OnnxJavaType.FLOAT) {
            throw new DeepMergeException(Reason.INVALID_MODEL, what + " '" + name + "' is " + t.type
                    + ", the scorer needs float32");
        }
    }

    /**
     * Resolves a contract from its three sources. Pure function (no ONNX Runtime), so it also serves the training
     * exporter to check that {@link ModelContract#toMetadata()} round-trips.
     *
     * @param metadata       the model's {@code metadata_props} (may be empty)
     * @param graph          the graph's inputs and outputs
     * @param o              command-line overrides
     * @param defaultName    model name if not given otherwise
     * @param defaultVersion model version if not given otherwise
     * @return the contract; every other metadata entry lands in {@link ModelContract#extra()}
     * @throws DeepMergeException INVALID_MODEL naming the missing/inconsistent key and its flag
     */
    public static ModelContract resolve(Map<String, String> metadata, GraphSignature graph, ContractOverrides o,
                                        String defaultName, String defaultVersion) throws DeepMergeException {
        Map<String, String> md = metadata == null ? Map.of() : metadata;

        String inputName = first(o.inputName(), md.get(KEY_INPUT_NAME));
        if (inputName == null) {
            if (graph.inputs().size() != 1) {
                throw missing(KEY_INPUT_NAME, ContractOverrides.FLAG_INPUT_NAME,
                        "the graph has " + graph.inputs().size() + " inputs " + graph.inputs().keySet());
            }
            inputName = graph.inputs().keySet().iterator().next();
        }
        List<Long> graphShape = graph.inputs().get(inputName);
        if (graphShape == null) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "input '" + inputName + "' (" + KEY_INPUT_NAME + " / "
                    + ContractOverrides.FLAG_INPUT_NAME + ") is not an input of the graph; inputs: " + graph.inputs().keySet());
        }
        if (graphShape.size() != 4) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "input '" + inputName + "' has shape " + graphShape
                    + "; the scorer needs rank 4 [N,C,H,W]");
        }
        long[] mdShape = null;
        if (md.containsKey(KEY_INPUT_SHAPE)) {
            List<String> parts = csv(md.get(KEY_INPUT_SHAPE));
            if (parts.size() != 4) {
                throw bad(KEY_INPUT_SHAPE, md.get(KEY_INPUT_SHAPE), "expected N,C,H,W");
            }
            mdShape = new long[4];
            for (int i = 0; i < 4; i++) {
                try {
                    mdShape[i] = Long.parseLong(parts.get(i));
                } catch (NumberFormatException e) {
                    throw bad(KEY_INPUT_SHAPE, md.get(KEY_INPUT_SHAPE), "expected integers N,C,H,W");
                }
            }
        }
        List<String> channelOverride = first(o.channels(), md.containsKey(KEY_CHANNELS) ? csv(md.get(KEY_CHANNELS)) : null);
        long[] shape = new long[4];
        String[] dimNames = {"N", "C", "H", "W"};
        for (int i = 0; i < 4; i++) {
            long g = graphShape.get(i);
            long m = mdShape == null ? -1 : mdShape[i];
            if (g > 0 && m > 0 && g != m) {
                throw new DeepMergeException(Reason.INVALID_MODEL, KEY_INPUT_SHAPE + " says " + dimNames[i] + "=" + m
                        + " but the graph's input '" + inputName + "' has " + dimNames[i] + "=" + g + " " + graphShape);
            }
            shape[i] = g > 0 ? g : m;
        }
        if (shape[1] <= 0 && channelOverride != null) {
            shape[1] = channelOverride.size();
        }
        if (shape[1] <= 0) {
            throw missing(KEY_CHANNELS, ContractOverrides.FLAG_CHANNELS, "the graph's channel dimension is dynamic " + graphShape);
        }
        if (shape[2] <= 0 || shape[3] <= 0) {
            throw missing(KEY_INPUT_SHAPE, "(no flag: export the model with a fixed H,W)",
                    "the graph's H/W dimensions are dynamic " + graphShape);
        }
        checkInputSize(inputName, shape);
        int c = Math.toIntExact(shape[1]);
        List<String> channels = channelOverride;
        if (channels == null) {
            channels = new ArrayList<>();
            for (int i = 0; i < c; i++) {
                channels.add("ch" + i);
            }
        } else if (channels.size() != c) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "channels " + channels + " (" + KEY_CHANNELS + " / "
                    + ContractOverrides.FLAG_CHANNELS + ") name " + channels.size() + " bands but input '" + inputName
                    + "' has C=" + c);
        }

        double pixelScale;
        if (o.pixelScaleArcsec() != null) {
            pixelScale = o.pixelScaleArcsec();
        } else if (md.containsKey(KEY_PIXEL_SCALE)) {
            try {
                pixelScale = Double.parseDouble(md.get(KEY_PIXEL_SCALE).trim());
            } catch (NumberFormatException e) {
                throw bad(KEY_PIXEL_SCALE, md.get(KEY_PIXEL_SCALE), "expected arcsec/px");
            }
        } else {
            pixelScale = DEFAULT_PIXEL_SCALE_ARCSEC;
        }
        if (!(pixelScale > 0) || !Double.isFinite(pixelScale)) {
            throw bad(KEY_PIXEL_SCALE, Double.toString(pixelScale), "pixel scale must be > 0 arcsec/px ("
                    + ContractOverrides.FLAG_PIXEL_SCALE + ")");
        }

        ResampleMode resample = o.resample() != null ? o.resample()
                : md.containsKey(KEY_RESAMPLE) ? parseEnum(ResampleMode.class, KEY_RESAMPLE, md.get(KEY_RESAMPLE))
                : ResampleMode.ANGULAR;

        Normalisation norm = o.normalisation() != null ? o.normalisation() : normalisationFromMetadata(md);
        if (norm.kind() == Normalisation.Kind.STANDARDIZE && norm.mean().size() != c) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "standardize normalisation has " + norm.mean().size()
                    + " means/stds (" + KEY_NORM_MEAN + ", " + KEY_NORM_STD + " / " + ContractOverrides.FLAG_NORMALISATION
                    + ") but the model has C=" + c + " channels");
        }

        for (String key : List.of(ModelContract.KEY_CALIBRATION_TEMPERATURE, ModelContract.KEY_CALIBRATION_PRIOR)) {
            String v = md.get(key);
            if (v != null) {
                double d;
                try {
                    d = Double.parseDouble(v.trim());
                } catch (NumberFormatException e) {
                    throw bad(key, v, "expected a number");
                }
                boolean ok = key.equals(ModelContract.KEY_CALIBRATION_TEMPERATURE) ? d > 0 && Double.isFinite(d) : d > 0 && d < 1;
                if (!ok) {
                    throw bad(key, v, key.equals(ModelContract.KEY_CALIBRATION_TEMPERATURE)
                            ? "the temperature must be a finite number > 0" : "the prior must be in (0, 1)");
                }
            }
        }

        String outputName = first(o.outputName(), md.get(KEY_OUTPUT_NAME));
        if (outputName == null) {
            if (graph.outputs().size() != 1) {
                throw missing(KEY_OUTPUT_NAME, ContractOverrides.FLAG_OUTPUT_NAME,
                        "the graph has " + graph.outputs().size() + " outputs " + graph.outputs().keySet());
            }
            outputName = graph.outputs().keySet().iterator().next();
        }
        List<Long> outShape = graph.outputs().get(outputName);
        if (outShape == null) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "output '" + outputName + "' (" + KEY_OUTPUT_NAME + " / "
                    + ContractOverrides.FLAG_OUTPUT_NAME + ") is not an output of the graph; outputs: " + graph.outputs().keySet());
        }
        long outWidth;
        if (outShape.size() == 1) {
            outWidth = 1;
        } else if (outShape.size() == 2) {
            outWidth = outShape.get(1);
        } else {
            throw new DeepMergeException(Reason.INVALID_MODEL, "output '" + outputName + "' has shape " + outShape
                    + "; the scorer reads [N] or [N,K]");
        }

        OutputKind kind = o.outputKind() != null ? o.outputKind()
                : md.containsKey(KEY_OUTPUT_KIND) ? parseEnum(OutputKind.class, KEY_OUTPUT_KIND, md.get(KEY_OUTPUT_KIND))
                : null;
        if (kind == null) {
            if (outWidth != 1) {
                throw missing(KEY_OUTPUT_KIND, ContractOverrides.FLAG_OUTPUT_KIND, "output '" + outputName
                        + "' has shape " + outShape + " (only width 1 is inferred as sigmoid)");
            }
            kind = OutputKind.SIGMOID;
        }
        if (kind == OutputKind.SIGMOID && outWidth > 1) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "output kind sigmoid needs output shape [N] or [N,1], but '"
                    + outputName + "' has " + outShape + "; set " + KEY_OUTPUT_KIND + " / " + ContractOverrides.FLAG_OUTPUT_KIND);
        }

        // one value per image: a probability (sigmoid) or a single logit (logits, read through a sigmoid)
        boolean binary = kind == OutputKind.SIGMOID || (kind == OutputKind.LOGITS && outWidth == 1);
        List<String> classes = first(o.classNames(), md.containsKey(KEY_CLASSES) ? csv(md.get(KEY_CLASSES)) : null);
        if (classes == null) {
            if (!binary && outWidth != 2) {
                throw missing(KEY_CLASSES, ContractOverrides.FLAG_CLASSES, "output '" + outputName + "' has "
                        + (outWidth > 0 ? outWidth : "a dynamic number of") + " classes " + outShape);
            }
            classes = DEFAULT_CLASSES;
        }
        if (binary && classes.size() != 2) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "a one-value " + kind.name().toLowerCase(Locale.ROOT)
                    + " output has 2 classes, but " + KEY_CLASSES + " / "
                    + ContractOverrides.FLAG_CLASSES + " lists " + classes);
        }
        if (!binary && outWidth > 0 && outWidth != classes.size()) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "classes " + classes + " (" + KEY_CLASSES + " / "
                    + ContractOverrides.FLAG_CLASSES + ") has " + classes.size() + " names but output '" + outputName
                    + "' has width " + outWidth + " " + outShape);
        }
        if (classes.size() < 2 || classes.stream().distinct().count() != classes.size()) {
            throw bad(KEY_CLASSES, String.join(",", classes), "need at least 2 distinct class names");
        }

        String mergerName = first(o.mergerClass(), md.get(KEY_MERGER_CLASS));
        int mergerClass = classes.size() - 1;
        if (mergerName != null) {
            mergerClass = classes.indexOf(mergerName.trim());
            if (mergerClass < 0) {
                throw new DeepMergeException(Reason.INVALID_MODEL, "merger class '" + mergerName + "' (" + KEY_MERGER_CLASS
                        + " / " + ContractOverrides.FLAG_MERGER_CLASS + ") is not one of the classes " + classes);
            }
        }

        String name = first(o.modelName(), md.get(KEY_MODEL_NAME), defaultName, "unnamed");
        String version = first(o.modelVersion(), md.get(KEY_MODEL_VERSION), defaultVersion, "0");

        Map<String, String> extra = new HashMap<>(md);
        extra.keySet().removeAll(CONTRACT_KEYS);
        return new ModelContract(inputName, Math.toIntExact(shape[0] > 0 ? shape[0] : -1), channels,
                Math.toIntExact(shape[2]), Math.toIntExact(shape[3]), pixelScale, resample, norm, outputName, kind,
                classes, mergerClass, name, version, extra);
    }

    /**
     * Refuses an input too large to score, before any size is computed in an int: H or W above
     * {@link ModelContract#MAX_INPUT_SIDE_PX}, C*H*W above {@link ModelContract#MAX_INPUT_FLOATS}, a fixed N above
     * {@link ModelContract#MAX_FIXED_BATCH} (a 3x50000x50000 input used to overflow the element count).
     */
    private static void checkInputSize(String inputName, long[] nchw) throws DeepMergeException {
        // each factor is bounded before the product is taken, so the product cannot overflow a long
        boolean tooLarge = nchw[0] > ModelContract.MAX_FIXED_BATCH || nchw[1] > ModelContract.MAX_INPUT_FLOATS
                || nchw[2] > ModelContract.MAX_INPUT_SIDE_PX || nchw[3] > ModelContract.MAX_INPUT_SIDE_PX
                || nchw[1] * nchw[2] * nchw[3] > ModelContract.MAX_INPUT_FLOATS;
        if (tooLarge) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "input '" + inputName + "' " + java.util.Arrays.toString(nchw)
                    + " [N,C,H,W] is too large to score: H and W may be at most " + ModelContract.MAX_INPUT_SIDE_PX
                    + " px each, C*H*W at most " + ModelContract.MAX_INPUT_FLOATS + " floats and a fixed N at most "
                    + ModelContract.MAX_FIXED_BATCH);
        }
    }

    private static Normalisation normalisationFromMetadata(Map<String, String> md) throws DeepMergeException {
        String k = md.get(KEY_NORMALISATION);
        if (k == null) {
            return Normalisation.none();
        }
        Normalisation.Kind kind = parseEnum(Normalisation.Kind.class, KEY_NORMALISATION,
                k.trim().equalsIgnoreCase("standardise") ? "standardize" : k);
        try {
            switch (kind) {
                case STANDARDIZE:
                    if (!md.containsKey(KEY_NORM_MEAN) || !md.containsKey(KEY_NORM_STD)) {
                        throw missing(md.containsKey(KEY_NORM_MEAN) ? KEY_NORM_STD : KEY_NORM_MEAN,
                                ContractOverrides.FLAG_NORMALISATION, KEY_NORMALISATION + " is standardize");
                    }
                    return Normalisation.standardize(Normalisation.floats(md.get(KEY_NORM_MEAN)),
                            Normalisation.floats(md.get(KEY_NORM_STD)));
                case ASINH:
                    if (!md.containsKey(KEY_NORM_SOFTENING)) {
                        throw missing(KEY_NORM_SOFTENING, ContractOverrides.FLAG_NORMALISATION, KEY_NORMALISATION + " is asinh");
                    }
                    return Normalisation.asinh(Float.parseFloat(md.get(KEY_NORM_SOFTENING).trim()));
                case DISPLAY:
                    if (!md.containsKey(KEY_NORM_SOFTENING)) {
                        throw missing(KEY_NORM_SOFTENING, ContractOverrides.FLAG_NORMALISATION, KEY_NORMALISATION + " is display");
                    }
                    return Normalisation.display(Float.parseFloat(md.get(KEY_NORM_SOFTENING).trim()));
                case SURVEY:
                    if (!md.containsKey(KEY_NORM_SOFTENING)) {
                        throw missing(KEY_NORM_SOFTENING, ContractOverrides.FLAG_NORMALISATION, KEY_NORMALISATION + " is survey");
                    }
                    return Normalisation.survey(Float.parseFloat(md.get(KEY_NORM_SOFTENING).trim()));
                default:
                    return Normalisation.none();
            }
        } catch (IllegalArgumentException e) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "normalisation metadata (" + KEY_NORMALISATION + "*) is invalid: "
                    + e.getMessage(), e);
        }
    }

    private static <E extends Enum<E>> E parseEnum(Class<E> type, String key, String value) throws DeepMergeException {
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            List<String> allowed = new ArrayList<>();
            for (E c : type.getEnumConstants()) {
                allowed.add(c.name().toLowerCase(Locale.ROOT));
            }
            throw bad(key, value, "expected one of " + allowed);
        }
    }

    private static List<String> csv(String s) {
        List<String> out = new ArrayList<>();
        for (String p : s.split(",")) {
            if (!p.isBlank()) {
                out.add(p.trim());
            }
        }
        return out;
    }

    @SafeVarargs
    private static <T> T first(T... values) {
        for (T v : values) {
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    private static DeepMergeException missing(String key, String flag, String why) {
        return new DeepMergeException(Reason.INVALID_MODEL, "model contract value " + key + " is missing and cannot be "
                + "inferred: " + why + "; add it to the ONNX metadata_props or pass " + flag);
    }

    private static DeepMergeException bad(String key, String value, String why) {
        return new DeepMergeException(Reason.INVALID_MODEL, "model contract value " + key + "='" + value + "' is invalid: " + why);
    }
}
