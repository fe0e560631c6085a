package org.deepmerge.training.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.model.ModelContract;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Imports a Keras {@code Sequential} DeepMerge model through DL4J's {@link KerasModelImport}, so published Keras
 * weights can be exported with {@link OnnxExporter} and served.
 *
 * <p>Before handing the file to DL4J, the Keras model config is checked for what DL4J would silently get wrong:
 * <ul>
 *   <li>Only {@code channels_first} (NCHW) image models: the exporter and the scorer feed {@code [N,C,H,W]}.</li>
 *   <li>{@code BatchNormalization} must normalise the channel axis (axis 1 for channels_first image tensors,
 *       the last axis for dense features). DL4J's Keras import ignores the Keras {@code axis} and always builds a
 *       per-channel batch norm. The original DeepMerge (Ciprijanovic et al. 2020) used the Keras default
 *       {@code axis=-1} on channels_first data, i.e. it normalised over image <em>width</em> (75, 37 and 18
 *       statistics instead of 8, 16 and 32 channels; DESIGN.md). Such a file is refused with
 *       {@link Reason#INVALID_MODEL} naming the layer, instead of failing deep inside DL4J or importing wrong
 *       numbers; see docs/onnx-export.md for the options.</li>
 * </ul>
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
    private static final Set<String> CONV_LIKE = Set.of("Conv2DTranspose", "SeparableConv2D", "DepthwiseConv2D",
            "Conv1D", "Conv3D", "LocallyConnected2D");
    private static final Set<String> FLATTENING = Set.of("Flatten", "Dense", "GlobalAveragePooling2D",
            "GlobalMaxPooling2D");

    private KerasImporter() {
    }

    /**
     * Imports a Keras HDF5 file holding both the model config ({@code model_config} attribute) and the weights,
     * as written by Keras {@code model.save("x.h5")}.
     *
     * @param h5 the {@code .h5} file
     * @return the DL4J network and its input shape
     * @throws DeepMergeException IO_ERROR if the file is missing or unreadable; INVALID_MODEL if it is not a Keras
     *                            HDF5 model, not Sequential, channels_last, has a batch norm over a non-channel
     *                            axis, or DL4J cannot import a layer
     */
    public static ImportedKerasModel importSequential(Path h5) throws DeepMergeException {
        requireReadable(h5);
        ConfigInfo info;
        try (Hdf5Archive archive = new Hdf5Archive(h5.toString())) {
            if (!archive.hasAttribute("model_config")) {
                throw new DeepMergeException(Reason.INVALID_MODEL, "Keras import: " + h5
                        + " has no 'model_config' attribute; it holds weights only (model.save_weights). Pass the"
                        + " model JSON (model.to_json()) too");
            }
            ConfigInfo fromJson = inspect(archive.readAttributeAsJson("model_config"), h5.toString());
            info = new ConfigInfo(fromJson.inputShape(), fromJson.conv2dLayers(),
                    rootAttribute(archive, "keras_version", fromJson.kerasVersion()),
                    rootAttribute(archive, "backend", fromJson.backend()));
        } catch (UnsupportedKerasConfigurationException | RuntimeException e) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "Keras import: " + h5
                    + " is not a readable Keras HDF5 model file: " + e.getMessage(), e);
        }
        requireKeras2Tensorflow(info, h5.toString());
        MultiLayerNetwork net;
        try {
            net = KerasModelImport.importKerasSequentialModelAndWeights(h5.toString(), false);
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "Keras import: cannot read " + h5 + ": " + e.getMessage(), e);
        } catch (InvalidKerasConfigurationException | UnsupportedKerasConfigurationException | RuntimeException e) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "Keras import of " + h5 + " failed in DL4J: "
                    + e.getMessage(), e);
        }
        reloadConvKernels(net, h5, "model_weights", info);
        return new ImportedKerasModel(net, info.inputShape());
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
        ConfigInfo info = inspect(readJson(modelJson), modelJson.toString());
        requireKeras2Tensorflow(info, modelJson.toString());
        requireReadable(weightsH5);
        MultiLayerNetwork net;
        try {
            net = KerasModelImport.importKerasSequentialModelAndWeights(modelJson.toString(), weightsH5.toString(), false);
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "Keras import: cannot read " + modelJson + " / "
                    + weightsH5 + ": " + e.getMessage(), e);
        } catch (InvalidKerasConfigurationException | UnsupportedKerasConfigurationException | RuntimeException e) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "Keras import of " + modelJson + " with weights "
                    + weightsH5 + " failed in DL4J: " + e.getMessage(), e);
        }
        reloadConvKernels(net, weightsH5, null, info);
        return new ImportedKerasModel(net, info.inputShape());
    }

    /**
     * Re-reads every Conv2D kernel from the HDF5 file and sets it as DL4J {@code W = kernel.permute(3,2,0,1)}.
     *
     * <p>Keras 2 stores a Conv2D kernel as {@code [kH,kW,in,out]} whatever the data format. DL4J 1.0.0-M2.1's Keras
     * import takes {@code data_format=channels_first} to mean the Keras 1 Theano layout {@code [out,in,kH,kW]}
     * with flipped kernels, and silently reinterprets the buffer (found by {@code KerasImporterTest}, which checks
     * individual kernel entries). Keras 2 (TensorFlow backend) computes a cross-correlation with
     * {@code kernel[ky,kx,i,o]}, which is DL4J's {@code W[o,i,ky,kx]}.
     */
    private static void reloadConvKernels(MultiLayerNetwork net, Path h5, String root, ConfigInfo info)
            throws DeepMergeException {
        if (info.conv2dLayers().isEmpty()) {
            return;
        }
        try (Hdf5Archive archive = new Hdf5Archive(h5.toString())) {
            for (String name : info.conv2dLayers()) {
                org.deeplearning4j.nn.api.Layer layer = layerNamed(net, name, h5);
                String group = (root == null ? "" : root + "/") + name + "/" + name;
                String kernelSet = archive.getDataSets(group).stream().filter(d -> d.startsWith("kernel")).findFirst()
                        .orElseThrow(() -> new IllegalStateException("no kernel data set in group " + group));
                INDArray kernel = archive.readDataSet(kernelSet, group);
                INDArray w = layer.getParam(DefaultParamInitializer.WEIGHT_KEY);
                long[] ws = w.shape();
                long[] ks = kernel.shape();
                if (ks.length != 4 || ks[0] != ws[2] || ks[1] != ws[3] || ks[2] != ws[1] || ks[3] != ws[0]) {
                    throw invalid(h5.toString(), "Conv2D '" + name + "' kernel shape " + java.util.Arrays.toString(ks)
                            + " is not [kH,kW,in,out] for DL4J W " + java.util.Arrays.toString(ws));
                }
                w.assign(kernel.permute(3, 2, 0, 1));
            }
        } catch (UnsupportedKerasConfigurationException | RuntimeException e) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "Keras import: cannot read the Conv2D kernels of " + h5
                    + ": " + e.getMessage(), e);
        }
    }

    /** Keras 2 with the TensorFlow backend is what the kernel layout fix in {@link #reloadConvKernels} assumes. */
    private static void requireKeras2Tensorflow(ConfigInfo info, String source) throws DeepMergeException {
        String version = info.kerasVersion() == null ? "2" : info.kerasVersion();
        if (!version.startsWith("2")) {
            throw invalid(source, "Keras version " + version + " is not supported; only Keras 2 files are");
        }
        if (info.backend() != null && !"tensorflow".equals(info.backend())) {
            throw invalid(source, "Keras backend '" + info.backend() + "' is not supported; only tensorflow");
        }
    }

    private static org.deeplearning4j.nn.api.Layer layerNamed(MultiLayerNetwork net, String name, Path source)
            throws DeepMergeException {
        for (org.deeplearning4j.nn.api.Layer l : net.getLayers()) {
            if (name.equals(l.conf().getLayer().getLayerName())) {
                return l;
            }
        }
        throw invalid(source.toString(), "DL4J imported no layer named '" + name + "'");
    }

    private static String rootAttribute(Hdf5Archive archive, String name, String fallback)
            throws UnsupportedKerasConfigurationException {
        return archive.hasAttribute(name) ? archive.readAttributeAsString(name).trim() : fallback;
    }

    /**
     * Imports only the architecture of a Keras JSON config (no weights), with the same checks; useful to inspect
     * a published architecture or to train it from scratch in DL4J.
     *
     * @param modelJson the JSON config ({@code model.to_json()})
     * @return the DL4J configuration
     * @throws DeepMergeException as {@link #importSequential(Path)}
     */
    public static MultiLayerConfiguration importConfiguration(Path modelJson) throws DeepMergeException {
        checkConfig(readJson(modelJson), modelJson.toString());
        try {
            return KerasModelImport.importKerasSequentialConfiguration(modelJson.toString(), false);
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "Keras import: cannot read " + modelJson + ": " + e.getMessage(), e);
        } catch (InvalidKerasConfigurationException | UnsupportedKerasConfigurationException | RuntimeException e) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "Keras import of " + modelJson + " failed in DL4J: "
                    + e.getMessage(), e);
        }
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

    /** What the import needs from the Keras config. */
    private record ConfigInfo(long[] inputShape, List<String> conv2dLayers, String kerasVersion, String backend) {
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
        List<String> convs = new ArrayList<>();
        boolean image = true;
        String format = null;
        for (int i = 0; i < layers.size(); i++) {
            JsonNode layer = layers.get(i);
            String type = layer.path("class_name").asText();
            JsonNode c = layer.path("config");
            String name = c.path("name").asText("?");
            if (shape == null) {
                JsonNode in = c.path("batch_input_shape");
                if (!in.isArray() || in.size() != 4) {
                    throw invalid(source, "layer 0 '" + name + "' (" + type + ") must declare batch_input_shape"
                            + " [null, C, H, W], got " + in);
                }
                shape = new long[]{-1, in.get(1).asLong(), in.get(2).asLong(), in.get(3).asLong()};
                if ("InputLayer".equals(type)) {
                    continue;
                }
            }
            String layerFormat = dataFormat(c);
            if (layerFormat != null) {
                if ("channels_last".equals(layerFormat)) {
                    throw invalid(source, "layer " + i + " '" + name + "' (" + type + ") uses channels_last data;"
                            + " only channels_first (NCHW) models can be exported and scored as [N,C,H,W]");
                }
                format = layerFormat;
            }
            if ("Conv2D".equals(type)) {
                convs.add(name);
            } else if (CONV_LIKE.contains(type)) {
                throw invalid(source, "layer " + i + " '" + name + "' (" + type + ") is not supported; the exporter"
                        + " handles Conv2D, MaxPooling2D, AveragePooling2D, BatchNormalization, Dropout, Flatten,"
                        + " Dense and Activation");
            }
            if ("BatchNormalization".equals(type)) {
                checkBatchNormAxis(source, i, name, c.path("axis"), image, format, shape);
            }
            if (FLATTENING.contains(type)) {
                image = false;
            }
        }
        if (format == null) {
            throw invalid(source, "no layer states data_format; the Keras default is channels_last, which cannot be"
                    + " exported as [N,C,H,W]");
        }
        return new ConfigInfo(shape, convs, textOrNull(root, "keras_version"), textOrNull(root, "backend"));
    }

    private static String textOrNull(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    private static void checkBatchNormAxis(String source, int index, String name, JsonNode axisNode, boolean image,
                                           String format, long[] inputShape) throws DeepMergeException {
        int axis = axisNode.isArray() && axisNode.size() == 1 ? axisNode.get(0).asInt() : axisNode.asInt(-1);
        if (axisNode.isArray() && axisNode.size() != 1) {
            throw invalid(source, "layer " + index + " '" + name + "' (BatchNormalization) normalises over several"
                    + " axes " + axisNode + "; only the channel axis is supported");
        }
        int rank = image ? 4 : 2;
        int normalised = axis < 0 ? axis + rank : axis;
        int channelAxis = image ? ("channels_first".equals(format) ? 1 : 3) : 1;
        if (normalised == channelAxis) {
            return;
        }
        String what = image ? switch (normalised) {
            case 0 -> "the batch";
            case 2 -> "image height";
            case 3 -> "image width";
            default -> "axis " + axis;
        } : "axis " + axis;
        throw invalid(source, "layer " + index + " '" + name + "' (BatchNormalization) has axis=" + axis
                + ", which normalises over " + what + " of the " + (format == null ? "" : format + " ")
                + (image ? "[N,C,H,W] activations (input " + inputShape[1] + "x" + inputShape[2] + "x" + inputShape[3] + ")" : "features")
                + ", not per channel. DL4J's Keras import ignores the axis and ONNX/DL4J batch norm is per channel, so"
                + " these statistics cannot be imported faithfully (the original DeepMerge Keras model has this:"
                + " axis=-1 on channels_first data). Retrain with axis=1, e.g. the 'deepmerge' network of this project");
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
}
