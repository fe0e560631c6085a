package org.deepmerge.training.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.model.ModelContract;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Imports a Keras 2 (TensorFlow backend) {@code Sequential} DeepMerge model so published Keras weights can be
 * exported with {@link OnnxExporter} and served.
 *
 * <p>The architecture is translated by DL4J's {@link KerasModelImport#importKerasSequentialConfiguration}; the
 * weights are then read from the HDF5 file by this class (through DL4J's {@link Hdf5Archive}), because DL4J
 * 1.0.0-M2.1 gets two things wrong for the DeepMerge model, silently:
 * <ul>
 *   <li><b>Conv2D kernels of channels_first models.</b> Keras 2 stores a kernel as {@code [kH,kW,in,out]}
 *       whatever the data format; DL4J takes {@code data_format=channels_first} to mean the Keras 1 Theano layout
 *       {@code [out,in,kH,kW]} with flipped kernels and scrambles the weights. Here {@code W = kernel.permute(3,2,0,1)}
 *       (Keras/TensorFlow convolution is a cross-correlation, as DL4J's).</li>
 *   <li><b>Batch norm over image width.</b> The original DeepMerge (Ciprijanovic et al. 2020) kept the Keras
 *       default {@code axis=-1} on channels_first data, so its batch norms normalise over image <em>width</em>
 *       (75, 37 and 18 statistics, not 8, 16 and 32 channels; 174,801 parameters). DL4J's import ignores the axis.
 *       Here such a layer becomes a DL4J batch norm in NHWC format inside the NCHW network, which normalises the
 *       last axis, i.e. the same computation; {@link OnnxExporter} writes it as {@code Mul}/{@code Add}.</li>
 * </ul>
 * Only channels_first image models built from Conv2D, BatchNormalization (channel or width axis), MaxPooling2D,
 * AveragePooling2D, Dropout, Flatten, Dense and Activation layers are accepted; anything else is refused with
 * {@link Reason#INVALID_MODEL} naming the layer.
 */
public final class KerasImporter {

    /**
     * A Keras model imported into DL4J.
     *
     * @param network    the network, inference-ready ({@code output(x, false)} takes {@code [N,C,H,W]} float32)
     * @param inputShape {@code {-1, C, H, W}} from the Keras {@code batch_input_shape}
     */
    public record ImportedKerasModel(MultiLayerNetwork network, long[] inputShape) {
        public ImportedKerasModel {
            inputShape = inputShape.clone();
        }

        /** @return a copy of {@code {-1, C, H, W}} */
        @Override
        public long[] inputShape() {
            return inputShape.clone();
        }

        /** @return the {@link ModelContract#KEY_INPUT_SHAPE} value {@code "-1,C,H,W"} for {@link OnnxExporter#export} */
        public String inputShapeMetadata() {
            return inputShape[0] + "," + inputShape[1] + "," + inputShape[2] + "," + inputShape[3];
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> SUPPORTED = Set.of("InputLayer", "Conv2D", "BatchNormalization", "MaxPooling2D",
            "AveragePooling2D", "Dropout", "Flatten", "Dense", "Activation");
    private static final Set<String> WEIGHTED = Set.of("Conv2D", "BatchNormalization", "Dense");

    private KerasImporter() {
    }

    /**
     * Imports a Keras HDF5 file holding both the model config ({@code model_config} attribute) and the weights
     * ({@code model_weights} group), as written by Keras {@code model.save("x.h5")}.
     *
     * @param h5 the {@code .h5} file
     * @return the DL4J network and its input shape
     * @throws DeepMergeException IO_ERROR if the file is missing or unreadable; INVALID_MODEL if it is not a Keras
     *                            HDF5 model, not Keras 2 / TensorFlow, not Sequential, channels_last, has an
     *                            unsupported layer or batch-norm axis, or its weights do not fit the layers
     */
    public static ImportedKerasModel importSequential(Path h5) throws DeepMergeException {
        requireReadable(h5);
        ConfigInfo info;
        String config;
        try (Hdf5Archive archive = new Hdf5Archive(h5.toString())) {
            if (!archive.hasAttribute("model_config")) {
                throw invalid(h5.toString(), "no 'model_config' attribute; the file holds weights only"
                        + " (model.save_weights); pass the model JSON (model.to_json()) too");
            }
            config = archive.readAttributeAsJson("model_config");
            ConfigInfo fromJson = inspect(config, h5.toString());
            info = fromJson.withVersion(rootAttribute(archive, "keras_version", fromJson.kerasVersion()),
                    rootAttribute(archive, "backend", fromJson.backend()));
        } catch (UnsupportedKerasConfigurationException | RuntimeException e) {
            throw invalid(h5.toString(), "not a readable Keras HDF5 model file: " + e.getMessage(), e);
        }
        return build(info, config, h5, "model_weights", h5.toString());
    }

    /**
     * Imports a Keras model from its JSON config ({@code model.to_json()}) and an HDF5 weights file
     * ({@code model.save_weights("w.h5")}).
     *
     * @param modelJson the JSON config
     * @param weightsH5 the weights
     * @return the DL4J network and its input shape
     * @throws DeepMergeException as {@link #importSequential(Path)}
     */
    public static ImportedKerasModel importSequential(Path modelJson, Path weightsH5) throws DeepMergeException {
        String config = readJson(modelJson);
        ConfigInfo info = inspect(config, modelJson.toString());
        requireReadable(weightsH5);
        return build(info, config, weightsH5, null, modelJson + " with weights " + weightsH5);
    }

    /**
     * Imports only the architecture of a Keras JSON config (no weights), with the same checks and the same
     * width batch-norm translation; to inspect a published architecture or to train it in DL4J.
     *
     * @param modelJson the JSON config ({@code model.to_json()})
     * @return the DL4J configuration
     * @throws DeepMergeException as {@link #importSequential(Path)}
     */
    public static MultiLayerConfiguration importConfiguration(Path modelJson) throws DeepMergeException {
        String config = readJson(modelJson);
        ConfigInfo info = inspect(config, modelJson.toString());
        return configuration(info, config, modelJson.toString());
    }

    /**
     * Checks a Keras model config (JSON) for what the import and export cannot represent.
     *
     * @param configJson the {@code model_config} JSON
     * @param source     file name for messages
     * @return {@code {-1, C, H, W}} from the first layer's {@code batch_input_shape}
     * @throws DeepMergeException INVALID_MODEL naming the layer and the problem
     */
    static long[] checkConfig(String configJson, String source) throws DeepMergeException {
        return inspect(configJson, source).inputShape();
    }

    /** A Keras layer with weights: its name and class. */
    private record WeightedLayer(String name, String type) {
    }

    /** What the import needs from the Keras config. */
    private record ConfigInfo(long[] inputShape, List<WeightedLayer> weighted, Set<String> widthBatchNorms,
                              String kerasVersion, String backend) {
        ConfigInfo withVersion(String version, String backendName) {
            return new ConfigInfo(inputShape, weighted, widthBatchNorms, version, backendName);
        }
    }

    private static ImportedKerasModel build(ConfigInfo info, String config, Path weights, String root, String source)
            throws DeepMergeException {
        String version = info.kerasVersion() == null ? "2" : info.kerasVersion();
        if (!version.startsWith("2")) {
            throw invalid(source, "Keras version " + version + " is not supported; only Keras 2 files are");
        }
        if (info.backend() != null && !"tensorflow".equals(info.backend())) {
            throw invalid(source, "Keras backend '" + info.backend() + "' is not supported; only tensorflow");
        }
        MultiLayerNetwork net = new MultiLayerNetwork(configuration(info, config, source));
        net.init();
        loadWeights(net, weights, root, info, source);
        return new ImportedKerasModel(net, info.inputShape());
    }

    /** DL4J's translation of the config, with width batch norms turned into NHWC batch norms of nOut = W. */
    private static MultiLayerConfiguration configuration(ConfigInfo info, String config, String source)
            throws DeepMergeException {
        Path tmp = null;
        MultiLayerConfiguration conf;
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(config);
            if (!root.has("keras_version")) {
                root.put("keras_version", info.kerasVersion() == null ? "2.2.4" : info.kerasVersion());
            }
            if (!root.has("backend")) {
                root.put("backend", "tensorflow");
            }
            tmp = Files.createTempFile("deepmerge-keras-", ".json");
            Files.writeString(tmp, JSON.writeValueAsString(root));
            conf = KerasModelImport.importKerasSequentialConfiguration(tmp.toString(), false);
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "Keras import of " + source
                    + ": cannot stage the model config: " + e.getMessage(), e);
        } catch (InvalidKerasConfigurationException | UnsupportedKerasConfigurationException | RuntimeException e) {
            throw invalid(source, "DL4J cannot translate the model config: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a leftover temp file is harmless
                }
            }
        }
        if (info.widthBatchNorms().isEmpty()) {
            return conf;
        }
        long[] in = info.inputShape();
        List<InputType> outputs = conf.getLayerActivationTypes(InputType.convolutional(in[2], in[3], in[1]));
        for (int i = 0; i < conf.getConfs().size(); i++) {
            org.deeplearning4j.nn.conf.layers.Layer l = conf.getConf(i).getLayer();
            if (l instanceof BatchNormalization bn && info.widthBatchNorms().contains(l.getLayerName())) {
                InputType before = i == 0 ? InputType.convolutional(in[2], in[3], in[1]) : outputs.get(i - 1);
                if (!(before instanceof InputType.InputTypeConvolutional conv)) {
                    throw invalid(source, "batch norm '" + l.getLayerName() + "' over image width follows a "
                            + before + " activation, not an image");
                }
                bn.setNIn(conv.getWidth());
                bn.setNOut(conv.getWidth());
                bn.setCnn2DFormat(CNN2DFormat.NHWC);
            }
        }
        return conf;
    }

    /** Copies every Keras weight array into the DL4J parameters, in DL4J's layout. */
    private static void loadWeights(MultiLayerNetwork net, Path file, String root, ConfigInfo info, String source)
            throws DeepMergeException {
        Set<String> loaded = new HashSet<>();
        try (Hdf5Archive archive = new Hdf5Archive(file.toString())) {
            for (WeightedLayer wl : info.weighted()) {
                Layer layer = layerNamed(net, wl.name(), source);
                String group = (root == null ? "" : root + "/") + wl.name() + "/" + wl.name();
                Map<String, INDArray> w = new HashMap<>();
                for (String ds : archive.getDataSets(group)) {
                    w.put(ds.replaceFirst(":\\d+$", ""), archive.readDataSet(ds, group));
                }
                switch (wl.type()) {
                    case "Conv2D" -> {
                        set(layer, DefaultParamInitializer.WEIGHT_KEY, require(w, "kernel", wl, group, source)
                                .permute(3, 2, 0, 1), wl, source);
                        if (w.containsKey("bias")) {
                            set(layer, DefaultParamInitializer.BIAS_KEY, w.get("bias"), wl, source);
                        }
                    }
                    case "Dense" -> {
                        set(layer, DefaultParamInitializer.WEIGHT_KEY, require(w, "kernel", wl, group, source), wl, source);
                        if (w.containsKey("bias")) {
                            set(layer, DefaultParamInitializer.BIAS_KEY, w.get("bias"), wl, source);
                        }
                    }
                    default -> loadBatchNorm(layer, w, wl, group, source);
                }
                loaded.add(wl.name());
            }
        } catch (UnsupportedKerasConfigurationException | RuntimeException e) {
            throw invalid(source, "cannot read the weights: " + e.getMessage(), e);
        }
        for (Layer l : net.getLayers()) {
            if (l.numParams() > 0 && !loaded.contains(l.conf().getLayer().getLayerName())) {
                throw invalid(source, "no weights were loaded for DL4J layer '" + l.conf().getLayer().getLayerName() + "'");
            }
        }
    }

    private static void loadBatchNorm(Layer layer, Map<String, INDArray> w, WeightedLayer wl, String group,
                                      String source) throws DeepMergeException {
        BatchNormalization bn = (BatchNormalization) layer.conf().getLayer();
        INDArray mean = require(w, "moving_mean", wl, group, source);
        INDArray var = require(w, "moving_variance", wl, group, source);
        if (!bn.isLockGammaBeta()) {
            set(layer, BatchNormalizationParamInitializer.GAMMA,
                    w.containsKey("gamma") ? w.get("gamma") : mean.like().assign(1), wl, source);
            set(layer, BatchNormalizationParamInitializer.BETA,
                    w.containsKey("beta") ? w.get("beta") : mean.like().assign(0), wl, source);
        }
        set(layer, BatchNormalizationParamInitializer.GLOBAL_MEAN, mean, wl, source);
        if (bn.isUseLogStd()) {
            set(layer, BatchNormalizationParamInitializer.GLOBAL_LOG_STD,
                    Transforms.log(Transforms.sqrt(var, true), 10.0, false), wl, source);
        } else {
            set(layer, BatchNormalizationParamInitializer.GLOBAL_VAR, var, wl, source);
        }
    }

    private static INDArray require(Map<String, INDArray> w, String name, WeightedLayer wl, String group, String source)
            throws DeepMergeException {
        INDArray a = w.get(name);
        if (a == null) {
            throw invalid(source, wl.type() + " '" + wl.name() + "' has no '" + name + "' weights in HDF5 group "
                    + group + " (found " + w.keySet() + ")");
        }
        return a;
    }

    private static void set(Layer layer, String key, INDArray value, WeightedLayer wl, String source)
            throws DeepMergeException {
        INDArray p = layer.getParam(key);
        boolean vector = p.length() == value.length() && (p.isVector() || p.isScalar()) && value.rank() <= 2;
        if (!vector && !Arrays.equals(p.shape(), value.shape())) {
            throw invalid(source, wl.type() + " '" + wl.name() + "' weights '" + key + "' have Keras shape "
                    + Arrays.toString(value.shape()) + " but the DL4J layer needs " + Arrays.toString(p.shape()));
        }
        p.assign(vector ? value.reshape(p.shape()) : value);
    }

    private static ConfigInfo inspect(String configJson, String source) throws DeepMergeException {
        JsonNode root;
        try {
            root = JSON.readTree(configJson);
        } catch (JsonProcessingException e) {
            throw invalid(source, "model config is not JSON: " + e.getOriginalMessage());
        }
        String cls = root.path("class_name").asText();
        if (!"Sequential".equals(cls)) {
            throw invalid(source, "model class '" + cls + "' is not supported; only Keras Sequential models are");
        }
        JsonNode cfg = root.path("config");
        JsonNode layers = cfg.isArray() ? cfg : cfg.path("layers");
        if (!layers.isArray() || layers.isEmpty()) {
            throw invalid(source, "model config has no layers");
        }
        long[] shape = null;
        List<WeightedLayer> weighted = new ArrayList<>();
        Set<String> widthBn = new HashSet<>();
        boolean image = true;
        String format = null;
        for (int i = 0; i < layers.size(); i++) {
            JsonNode layer = layers.get(i);
            String type = layer.path("class_name").asText();
            JsonNode c = layer.path("config");
            String name = c.path("name").asText("?");
            String where = "layer " + i + " '" + name + "' (" + type + ")";
            if (shape == null) {
                JsonNode in = c.path("batch_input_shape");
                if (!in.isArray() || in.size() != 4) {
                    throw invalid(source, where + " must declare batch_input_shape [null, C, H, W], got " + in);
                }
                shape = new long[]{-1, in.get(1).asLong(), in.get(2).asLong(), in.get(3).asLong()};
            }
            if (!SUPPORTED.contains(type)) {
                throw invalid(source, where + " is not supported; supported: " + String.join(", ", SUPPORTED.stream().sorted().toList()));
            }
            String layerFormat = dataFormat(c);
            if (layerFormat != null) {
                if ("channels_last".equals(layerFormat)) {
                    throw invalid(source, where + " uses channels_last data; only channels_first (NCHW) models can be"
                            + " exported and scored as [N,C,H,W]");
                }
                format = layerFormat;
            }
            if ("BatchNormalization".equals(type) && batchNormOverWidth(source, where, c.path("axis"), image, format)) {
                widthBn.add(name);
            }
            if (WEIGHTED.contains(type)) {
                weighted.add(new WeightedLayer(name, type));
            }
            if ("Flatten".equals(type) || "Dense".equals(type)) {
                image = false;
            }
        }
        if (format == null) {
            throw invalid(source, "no layer states data_format; the Keras default is channels_last, which cannot be"
                    + " exported as [N,C,H,W]");
        }
        return new ConfigInfo(shape, List.copyOf(weighted), Set.copyOf(widthBn), textOrNull(root, "keras_version"),
                textOrNull(root, "backend"));
    }

    /**
     * @return false for a per-channel (or per-feature) batch norm, true for one over image width (Keras
     *         {@code axis=-1} or {@code 3} on channels_first image data)
     * @throws DeepMergeException for any other axis
     */
    private static boolean batchNormOverWidth(String source, String where, JsonNode axisNode, boolean image,
                                              String format) throws DeepMergeException {
        if (axisNode.isArray() && axisNode.size() != 1) {
            throw invalid(source, where + " normalises over several axes " + axisNode + "; only one axis is supported");
        }
        int axis = axisNode.isArray() ? axisNode.get(0).asInt() : axisNode.asInt(-1);
        int rank = image ? 4 : 2;
        int normalised = axis < 0 ? axis + rank : axis;
        if (!image) {
            if (normalised == 1) {
                return false;
            }
        } else if (normalised == 1 && "channels_first".equals(format)) {
            return false;
        } else if (normalised == 3 && "channels_first".equals(format)) {
            return true;
        }
        throw invalid(source, where + " has axis=" + axis + ", which normalises over "
                + (image ? (normalised == 2 ? "image height" : "axis " + normalised) + " of the [N,C,H,W] activations"
                : "axis " + normalised + " of the features")
                + "; only the channel axis (1) and, as in the original DeepMerge, image width (-1) are supported");
    }

    private static String dataFormat(JsonNode c) {
        JsonNode df = c.get("data_format");
        if (df != null && df.isTextual()) {
            return df.asText().toLowerCase(Locale.ROOT);
        }
        JsonNode dim = c.get("dim_ordering");
        if (dim != null && dim.isTextual()) {
            return "th".equals(dim.asText()) ? "channels_first" : "tf".equals(dim.asText()) ? "channels_last" : null;
        }
        return null;
    }

    private static String textOrNull(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    private static Layer layerNamed(MultiLayerNetwork net, String name, String source) throws DeepMergeException {
        for (Layer l : net.getLayers()) {
            if (name.equals(l.conf().getLayer().getLayerName())) {
                return l;
            }
        }
        throw invalid(source, "DL4J's translation has no layer named '" + name + "'");
    }

    private static String rootAttribute(Hdf5Archive archive, String name, String fallback)
            throws UnsupportedKerasConfigurationException {
        return archive.hasAttribute(name) ? archive.readAttributeAsString(name).trim() : fallback;
    }

    private static String readJson(Path modelJson) throws DeepMergeException {
        requireReadable(modelJson);
        try {
            return Files.readString(modelJson);
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "Keras import: cannot read " + modelJson + ": " + e.getMessage(), e);
        }
    }

    private static void requireReadable(Path file) throws DeepMergeException {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new DeepMergeException(Reason.IO_ERROR, "Keras import: " + file + " is not a readable file");
        }
    }

    private static DeepMergeException invalid(String source, String message) {
        return new DeepMergeException(Reason.INVALID_MODEL, "Keras import of " + source + ": " + message);
    }

    private static DeepMergeException invalid(String source, String message, Throwable cause) {
        return new DeepMergeException(Reason.INVALID_MODEL, "Keras import of " + source + ": " + message, cause);
    }
}
