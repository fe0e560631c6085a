package org.deepmerge.training.export;

import ai.onnx.proto.OnnxMl;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.io.Sha256;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.OutputKind;
import org.deepmerge.training.data.RotationResidual;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Our own DL4J-to-ONNX exporter (ONNX opset {@value #OPSET}, IR version {@value #IR_VERSION}) for the layers the
 * DeepMerge, DeepMerge-ReLU and DeepShadows networks use.
 *
 * <p>The exported graph takes one float32 input {@code [N,C,H,W]} (NCHW, N dynamic as {@code dim_param "N"}
 * unless the contract fixes it) and yields one float32 output {@code [N,K]} ({@code [N,1]} merger probability
 * for a sigmoid head). It runs the network in inference mode: batch normalisation uses the running
 * mean/variance, dropout is the identity. Supported (DL4J class → ONNX op):
 * <ul>
 *   <li>{@link ConvolutionLayer} (NCHW; {@link ConvolutionMode} Same, Truncate, Strict; any stride and
 *       dilation; bias optional) → {@code Conv}; DL4J's Same mode pads {@code floor(total/2)} before and the
 *       rest after, which is written as explicit {@code pads} (equal to ONNX {@code SAME_UPPER});</li>
 *   <li>{@link SubsamplingLayer} MAX / AVG (dilation 1) → {@code MaxPool} / {@code AveragePool}
 *       ({@code count_include_pad} from {@code avgPoolIncludePadInDivisor});</li>
 *   <li>{@link BatchNormalization} (rank 4 NCHW per channel, or rank 2 per feature) → {@code BatchNormalization}
 *       with the running statistics; with {@code useLogStd} the variance is {@code (10^log10std)^2}. A batch norm
 *       with format NHWC inside this NCHW network normalises the last axis, image width, as the Keras DeepMerge
 *       did ({@code axis=-1} on channels_first data; see {@link KerasImporter}) → {@code Mul} and {@code Add}
 *       with {@code [W]} constants;</li>
 *   <li>{@link DropoutLayer} and layer dropout → omitted (identity at inference);</li>
 *   <li>{@link CnnToFeedForwardPreProcessor} (NCHW) → {@code Flatten axis=1}: both flatten {@code [C,H,W]}
 *       in C order, so the dense weights need no permutation;</li>
 *   <li>{@link DenseLayer}, {@link OutputLayer} → {@code Gemm(x, W[nIn,nOut], b[nOut])};</li>
 *   <li>{@link ActivationLayer} and layer activations identity, relu, leakyrelu (alpha), sigmoid, tanh,
 *       softmax (rank 2, over the last axis).</li>
 * </ul>
 * Anything else fails with {@link Reason#INVALID_MODEL} naming the layer index and class.
 */
public final class OnnxExporter {

    /** ONNX operator set version of the default domain. */
    public static final int OPSET = 17;
    /** ONNX IR version matching opset 17 (ONNX 1.12). */
    public static final int IR_VERSION = 8;
    /** Default graph input name. */
    public static final String DEFAULT_INPUT_NAME = "input";
    /** Default output name of a sigmoid head ({@code [N,1]} merger probability). */
    public static final String DEFAULT_SIGMOID_OUTPUT = "p_merger";
    /** Default output name of a softmax head ({@code [N,K]} class probabilities). */
    public static final String DEFAULT_SOFTMAX_OUTPUT = "probabilities";
    /** Default output name of an identity head ({@code [N,K]} logits). */
    public static final String DEFAULT_LOGITS_OUTPUT = "logits";
    /** Producer name written to {@code ModelProto.producer_name}. */
    public static final String PRODUCER_NAME = "deepmerge-training";

    private OnnxExporter() {
    }

    /**
     * Exports a DL4J network to an ONNX file, written atomically (temporary file, then move).
     *
     * <p>{@code metadata} must hold {@link ModelContract#KEY_INPUT_SHAPE} ({@code "N,C,H,W"}, N = -1 for a
     * dynamic batch); it may hold any other contract key and free-form keys, which are copied unchanged.
     * The exporter fills (or checks, when given) {@link ModelContract#KEY_INPUT_NAME} (default
     * {@value #DEFAULT_INPUT_NAME}), {@link ModelContract#KEY_OUTPUT_NAME} (default by kind:
     * {@value #DEFAULT_SIGMOID_OUTPUT}, {@value #DEFAULT_SOFTMAX_OUTPUT}, {@value #DEFAULT_LOGITS_OUTPUT}),
     * {@link ModelContract#KEY_OUTPUT_KIND} (from the last layer's activation: sigmoid with one output,
     * softmax, identity = logits) and {@link ModelContract#KEY_PRODUCER} ({@code "deepmerge-training <version>"}).
     * When given, {@link ModelContract#KEY_CHANNELS} must name C bands and {@link ModelContract#KEY_CLASSES}
     * must name K classes (2 for a sigmoid head).
     *
     * @param net      the network; its parameters are read, not changed
     * @param metadata contract and other {@code metadata_props}
     * @param out      file to write; parent directories are created
     * @return what was written
     * @throws DeepMergeException INVALID_MODEL for an unsupported layer, activation, preprocessor or data format,
     *                            or metadata that contradicts the network; IO_ERROR if the file cannot be written
     */
    public static ExportResult export(MultiLayerNetwork net, Map<String, String> metadata, Path out)
            throws DeepMergeException {
        return export(net, metadata, out, false);
    }

    /**
     * As {@link #export(MultiLayerNetwork, Map, Path)}, optionally leaving out the final sigmoid.
     *
     * <p>With {@code logits}, the network must end in a single-unit layer with a sigmoid activation (the merger
     * probability); its {@code Sigmoid} node is left out, so the ONNX output {@code [N,1]} is the merger logit
     * {@code z} with {@code sigma(z)} the probability, written with output kind {@code logits} (default output name
     * {@value #DEFAULT_LOGITS_OUTPUT}) and classes {@code non-merger,merger}. The scorer applies the sigmoid in
     * double precision, so logits beyond about +-17, where a float32 sigmoid rounds to exactly 0 or 1, still rank
     * images and can be temperature-scaled.
     *
     * @param net      the network; its parameters are read, not changed
     * @param metadata contract and other {@code metadata_props}
     * @param out      file to write; parent directories are created
     * @param logits   true to export the merger logit instead of the probability
     * @return what was written
     * @throws DeepMergeException INVALID_MODEL as {@link #export(MultiLayerNetwork, Map, Path)}, and when
     *                            {@code logits} is set but the last layer is not a single-unit sigmoid;
     *                            IO_ERROR if the file cannot be written
     */
    public static ExportResult export(MultiLayerNetwork net, Map<String, String> metadata, Path out, boolean logits)
            throws DeepMergeException {
        Converted converted = convert(net, metadata, logits);
        byte[] bytes = converted.model.toByteArray();
        writeAtomically(bytes, out);
        return new ExportResult(out, bytes.length, Sha256.hex(bytes), converted.inputName, converted.inputShape,
                converted.outputName, converted.kind, converted.metadata);
    }

    /**
     * Writes bytes to a temporary file beside {@code out} and moves it over {@code out} atomically, so a reader never
     * sees a half-written model.
     *
     * @param bytes the file content
     * @param out   the file
     * @throws DeepMergeException IO_ERROR when it cannot be written
     */
    static void writeAtomically(byte[] bytes, Path out) throws DeepMergeException {
        try {
            Path abs = out.toAbsolutePath();
            Files.createDirectories(abs.getParent());
            Path tmp = Files.createTempFile(abs.getParent(), abs.getFileName().toString(), ".tmp");
            try {
                try (OutputStream os = Files.newOutputStream(tmp)) {
                    os.write(bytes);
                }
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot write ONNX model to " + out + ": " + e.getMessage(), e);
        }
    }

    /**
     * Builds the ONNX model in memory; same rules as {@link #export}.
     *
     * @param net      the network
     * @param metadata contract and other {@code metadata_props}
     * @return the ONNX {@code ModelProto}
     * @throws DeepMergeException INVALID_MODEL, see {@link #export}
     */
    public static OnnxMl.ModelProto toModel(MultiLayerNetwork net, Map<String, String> metadata)
            throws DeepMergeException {
        return convert(net, metadata, false).model;
    }

    /** @return {@code "deepmerge-training <version>"}, the version from the jar manifest or {@code dev} */
    public static String producer() {
        String v = OnnxExporter.class.getPackage().getImplementationVersion();
        return PRODUCER_NAME + " " + (v == null ? "dev" : v);
    }

    private record Converted(OnnxMl.ModelProto model, String inputName, long[] inputShape, String outputName,
                             OutputKind kind, Map<String, String> metadata) {
    }

    /** Tensor shape while walking the layers: rank 4 {@code [N,c,h,w]} or rank 2 {@code [N,c]} (h = w = 0). */
    private record Shape(long c, long h, long w) {
        boolean isImage() {
            return h > 0;
        }

        @Override
        public String toString() {
            return isImage() ? "[N," + c + "," + h + "," + w + "]" : "[N," + c + "]";
        }
    }

    private static Converted convert(MultiLayerNetwork net, Map<String, String> metadataIn, boolean logits)
            throws DeepMergeException {
        Map<String, String> meta = new TreeMap<>(metadataIn);
        long[] inShape = parseInputShape(meta.get(ModelContract.KEY_INPUT_SHAPE));
        String inputName = meta.getOrDefault(ModelContract.KEY_INPUT_NAME, DEFAULT_INPUT_NAME);
        if (inputName.isBlank()) {
            throw invalid("metadata " + ModelContract.KEY_INPUT_NAME + " is blank");
        }
        OnnxGraphBuilder g = new OnnxGraphBuilder(meta.getOrDefault(ModelContract.KEY_MODEL_NAME, "deepmerge"));
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        Shape shape = new Shape(inShape[1], inShape[2], inShape[3]);
        String x = inputName;
        boolean residual = derivesRotationResidual(meta, inShape);
        if (residual) {
            // the scorer feeds the survey channels; the graph appends the residual channel the network was trained with
            inShape = new long[] {inShape[0], inShape[1] - 1, inShape[2], inShape[3]};
            List<String> bands = new ArrayList<>(List.of(meta.get(ModelContract.KEY_CHANNELS).split(",")));
            bands.remove(bands.size() - 1);
            meta.put(ModelContract.KEY_CHANNELS, String.join(",", bands));
            meta.put(KEY_DERIVED_CHANNEL, RotationResidual.CHANNEL);
            g.input(OnnxGraphBuilder.floatValueInfo(inputName, inShape[0], inShape[1], inShape[2], inShape[3]));
            x = rotationResidual(g, inputName);
        } else {
            g.input(OnnxGraphBuilder.floatValueInfo(inputName, inShape[0], inShape[1], inShape[2], inShape[3]));
        }
        IActivation lastActivation = null;
        int nLayers = net.getnLayers();
        if (nLayers == 0 || net.getLayers() == null) {
            throw invalid("the network has no layers or is not initialised (call init() or load it first)");
        }
        for (int i = 0; i < nLayers; i++) {
            Layer layer = net.getLayer(i);
            org.deeplearning4j.nn.conf.layers.Layer lc = layer.conf().getLayer();
            String where = "layer " + i + " (" + lc.getClass().getSimpleName() + ")";
            InputPreProcessor pre = conf.getInputPreProcess(i);
            if (pre != null) {
                if (pre instanceof CnnToFeedForwardPreProcessor p && p.getClass() == CnnToFeedForwardPreProcessor.class) {
                    if (!shape.isImage()) {
                        throw invalid(where + ": CnnToFeedForwardPreProcessor on a rank-2 activation " + shape);
                    }
                    if (p.getFormat() != CNN2DFormat.NCHW) {
                        throw invalid(where + ": CnnToFeedForwardPreProcessor format " + p.getFormat()
                                + " is not supported, only NCHW");
                    }
                    checkDims(where, "CnnToFeedForwardPreProcessor", p.getNumChannels(), p.getInputHeight(),
                            p.getInputWidth(), shape);
                    x = g.node("Flatten", "l" + i + "_flatten",
                            new OnnxMl.AttributeProto[]{OnnxGraphBuilder.intAttr("axis", 1)}, x);
                    shape = new Shape(shape.c * shape.h * shape.w, 0, 0);
                } else if (pre instanceof FeedForwardToCnnPreProcessor p && i == 0) {
                    // The ONNX input is already [N,C,H,W]; the preprocessor only reshapes DL4J's flat input.
                    checkDims(where, "FeedForwardToCnnPreProcessor", p.getNumChannels(), p.getInputHeight(),
                            p.getInputWidth(), shape);
                } else {
                    throw invalid(where + ": input preprocessor " + pre.getClass().getSimpleName()
                            + " is not supported");
                }
            }

            if (lc.getClass() == ConvolutionLayer.class) {
                ConvolutionLayer c = (ConvolutionLayer) lc;
                requireImage(where, shape);
                requireNchw(where, c.getCnn2dDataFormat());
                if (c.getNIn() != shape.c) {
                    throw invalid(where + ": nIn " + c.getNIn() + " but the input has " + shape.c + " channels " + shape);
                }
                long[] pads = new long[4];
                long[] outHw = convOutput(where, shape, c.getKernelSize(), c.getStride(), c.getPadding(),
                        c.getDilation(), c.getConvolutionMode(), pads);
                INDArray w = layer.getParam(DefaultParamInitializer.WEIGHT_KEY);
                String wName = g.initializer("l" + i + "_W", w.shape(), floats(w));
                String[] inputs;
                if (c.isHasBias()) {
                    INDArray b = layer.getParam(DefaultParamInitializer.BIAS_KEY);
                    inputs = new String[]{x, wName, g.initializer("l" + i + "_b", new long[]{b.length()}, floats(b))};
                } else {
                    inputs = new String[]{x, wName};
                }
                x = g.node("Conv", "l" + i + "_conv", new OnnxMl.AttributeProto[]{
                        OnnxGraphBuilder.intsAttr("kernel_shape", c.getKernelSize()[0], c.getKernelSize()[1]),
                        OnnxGraphBuilder.intsAttr("strides", c.getStride()[0], c.getStride()[1]),
                        OnnxGraphBuilder.intsAttr("dilations", c.getDilation()[0], c.getDilation()[1]),
                        OnnxGraphBuilder.intsAttr("pads", pads)}, inputs);
                shape = new Shape(c.getNOut(), outHw[0], outHw[1]);
                x = activation(g, c.getActivationFn(), x, i, where, shape);
                lastActivation = c.getActivationFn();
            } else if (lc.getClass() == SubsamplingLayer.class) {
                SubsamplingLayer s = (SubsamplingLayer) lc;
                requireImage(where, shape);
                requireNchw(where, s.getCnn2dDataFormat());
                if (s.getDilation()[0] != 1 || s.getDilation()[1] != 1) {
                    throw invalid(where + ": pooling dilation " + s.getDilation()[0] + "x" + s.getDilation()[1]
                            + " is not supported, only 1");
                }
                long[] pads = new long[4];
                long[] outHw = convOutput(where, shape, s.getKernelSize(), s.getStride(), s.getPadding(),
                        s.getDilation(), s.getConvolutionMode(), pads);
                OnnxMl.AttributeProto kernel = OnnxGraphBuilder.intsAttr("kernel_shape", s.getKernelSize()[0], s.getKernelSize()[1]);
                OnnxMl.AttributeProto strides = OnnxGraphBuilder.intsAttr("strides", s.getStride()[0], s.getStride()[1]);
                OnnxMl.AttributeProto padsAttr = OnnxGraphBuilder.intsAttr("pads", pads);
                if (s.getPoolingType() == PoolingType.MAX) {
                    x = g.node("MaxPool", "l" + i + "_maxpool", new OnnxMl.AttributeProto[]{kernel, strides, padsAttr}, x);
                } else if (s.getPoolingType() == PoolingType.AVG) {
                    x = g.node("AveragePool", "l" + i + "_avgpool", new OnnxMl.AttributeProto[]{kernel, strides, padsAttr,
                            OnnxGraphBuilder.intAttr("count_include_pad", s.isAvgPoolIncludePadInDivisor() ? 1 : 0)}, x);
                } else {
                    throw invalid(where + ": pooling type " + s.getPoolingType() + " is not supported, only MAX and AVG");
                }
                shape = new Shape(shape.c, outHw[0], outHw[1]);
            } else if (lc.getClass() == BatchNormalization.class) {
                BatchNormalization bn = (BatchNormalization) lc;
                boolean overWidth = shape.isImage() && bn.getCnn2DFormat() == CNN2DFormat.NHWC;
                x = batchNorm(g, layer, bn, x, i, where, shape, overWidth);
            } else if (lc.getClass() == DropoutLayer.class) {
                // identity at inference
                continue;
            } else if (lc.getClass() == ActivationLayer.class) {
                IActivation act = ((ActivationLayer) lc).getActivationFn();
                if (logits && i == nLayers - 1) {
                    act = withoutSigmoid(act, shape, where);
                }
                x = activation(g, act, x, i, where, shape);
                lastActivation = act;
            } else if (lc.getClass() == DenseLayer.class || lc.getClass() == OutputLayer.class) {
                FeedForwardLayer ff = (FeedForwardLayer) lc;
                if (shape.isImage()) {
                    throw invalid(where + ": dense layer on a rank-4 activation " + shape
                            + " without a CnnToFeedForwardPreProcessor");
                }
                if (ff.getNIn() != shape.c) {
                    throw invalid(where + ": nIn " + ff.getNIn() + " but the input has " + shape.c + " features");
                }
                if (lc instanceof DenseLayer d && d.isHasLayerNorm()) {
                    throw invalid(where + ": layer normalisation in DenseLayer is not supported");
                }
                INDArray w = layer.getParam(DefaultParamInitializer.WEIGHT_KEY);
                String wName = g.initializer("l" + i + "_W", new long[]{ff.getNIn(), ff.getNOut()}, floats(w));
                boolean hasBias = lc instanceof DenseLayer d ? d.isHasBias() : ((OutputLayer) lc).hasBias();
                if (hasBias) {
                    INDArray b = layer.getParam(DefaultParamInitializer.BIAS_KEY);
                    x = g.node("Gemm", "l" + i + "_gemm", new OnnxMl.AttributeProto[0], x, wName,
                            g.initializer("l" + i + "_b", new long[]{ff.getNOut()}, floats(b)));
                } else {
                    x = g.node("MatMul", "l" + i + "_matmul", new OnnxMl.AttributeProto[0], x, wName);
                }
                shape = new Shape(ff.getNOut(), 0, 0);
                IActivation act = ((org.deeplearning4j.nn.conf.layers.BaseLayer) lc).getActivationFn();
                if (logits && i == nLayers - 1) {
                    act = withoutSigmoid(act, shape, where);
                }
                x = activation(g, act, x, i, where, shape);
                lastActivation = act;
            } else {
                throw invalid(where + ": layer class " + lc.getClass().getName() + " is not supported by the ONNX exporter");
            }
        }
        if (shape.isImage()) {
            throw invalid("the network ends with a rank-4 activation " + shape + "; the scorer needs [N,K]");
        }
        if (x.equals(inputName)) {
            throw invalid("the network computes nothing (only identity layers)");
        }

        if (logits && !(lastActivation instanceof ActivationIdentity)) {
            throw invalid("logits export needs a network whose last layer is a single-unit sigmoid (dense, output or"
                    + " activation layer); layer " + (nLayers - 1) + " is not");
        }
        OutputKind kind = outputKind(lastActivation, shape);
        String kindName = kind.name().toLowerCase(Locale.ROOT);
        String givenKind = meta.get(ModelContract.KEY_OUTPUT_KIND);
        if (givenKind != null && !givenKind.equalsIgnoreCase(kindName)) {
            throw invalid("metadata " + ModelContract.KEY_OUTPUT_KIND + "=" + givenKind
                    + " but the network's last activation gives " + kindName);
        }
        String outputName = meta.getOrDefault(ModelContract.KEY_OUTPUT_NAME, switch (kind) {
            case SIGMOID -> DEFAULT_SIGMOID_OUTPUT;
            case SOFTMAX -> DEFAULT_SOFTMAX_OUTPUT;
            case LOGITS -> DEFAULT_LOGITS_OUTPUT;
        });
        if (outputName.isBlank() || outputName.equals(inputName)) {
            throw invalid("metadata " + ModelContract.KEY_OUTPUT_NAME + " '" + outputName
                    + "' is blank or equals the input name");
        }
        g.renameLastOutput(x, outputName);
        g.output(OnnxGraphBuilder.floatValueInfo(outputName, inShape[0], shape.c));

        checkListSize(meta, ModelContract.KEY_CHANNELS, inShape[1], "input channels");
        if (logits) {
            meta.putIfAbsent(ModelContract.KEY_CLASSES, "non-merger,merger");
        }
        checkListSize(meta, ModelContract.KEY_CLASSES, kind == OutputKind.SIGMOID || shape.c == 1 ? 2 : shape.c,
                "output classes");
        meta.put(ModelContract.KEY_INPUT_NAME, inputName);
        meta.put(ModelContract.KEY_INPUT_SHAPE, inShape[0] + "," + inShape[1] + "," + inShape[2] + "," + inShape[3]);
        meta.put(ModelContract.KEY_OUTPUT_NAME, outputName);
        meta.put(ModelContract.KEY_OUTPUT_KIND, kindName);
        meta.putIfAbsent(ModelContract.KEY_PRODUCER, producer());

        OnnxMl.ModelProto.Builder model = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName(PRODUCER_NAME)
                .setProducerVersion(meta.get(ModelContract.KEY_PRODUCER))
                .setDomain("org.deepmerge")
                .setDocString("Exported from DL4J " + net.getClass().getSimpleName() + " with "
                        + net.numParams() + " parameters")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(g.build());
        for (Map.Entry<String, String> e : meta.entrySet()) {
            model.addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey(e.getKey()).setValue(e.getValue()));
        }
        return new Converted(model.build(), inputName, inShape, outputName, kind, new LinkedHashMap<>(meta));
    }

    /**
     * The activation a logits export uses for the final layer: identity in place of a sigmoid on one unit.
     *
     * @throws DeepMergeException INVALID_MODEL when the final activation is not a sigmoid or the layer is wider than 1
     */
    private static IActivation withoutSigmoid(IActivation act, Shape shape, String where) throws DeepMergeException {
        if (!(act instanceof ActivationSigmoid) || shape.isImage() || shape.c != 1) {
            throw invalid(where + ": logits export needs a single-unit sigmoid output, the last layer has "
                    + (act == null ? "no activation" : act.getClass().getSimpleName()) + " on " + shape);
        }
        return new ActivationIdentity();
    }

    /** Metadata key naming a channel the graph derives from the input channels (not fed by the scorer). */
    public static final String KEY_DERIVED_CHANNEL = "deepmerge.input.derived_channel";

    /** @return whether the network's last input channel is {@link RotationResidual#CHANNEL} (checkpoint channel names) */
    private static boolean derivesRotationResidual(Map<String, String> meta, long[] inShape) throws DeepMergeException {
        String channels = meta.get(ModelContract.KEY_CHANNELS);
        if (channels == null || !channels.endsWith(RotationResidual.CHANNEL)) {
            return false;
        }
        if (inShape[1] < 2) {
            throw invalid("channel " + RotationResidual.CHANNEL + " needs at least one survey channel to derive it from");
        }
        return true;
    }

    /**
     * {@code Concat(x, |G - rot180(G)|)} with {@code G = ReduceMean(x, axis 1)}: the same channel as
     * {@link RotationResidual#residual}; rot180 is a {@code Slice} with step -1 on H and W (ONNX Slice, opset 13+).
     *
     * @return the name of the {@code [N,C+1,H,W]} tensor
     */
    private static String rotationResidual(OnnxGraphBuilder g, String input) {
        String grey = g.node("ReduceMean", "residual_grey",
                new OnnxMl.AttributeProto[] {OnnxGraphBuilder.intsAttr("axes", 1), OnnxGraphBuilder.intAttr("keepdims", 1)}, input);
        String rotated = g.node("Slice", "residual_rot180", new OnnxMl.AttributeProto[0], grey,
                g.int64Initializer("residual_starts", -1, -1),
                g.int64Initializer("residual_ends", Long.MIN_VALUE, Long.MIN_VALUE),
                g.int64Initializer("residual_axes", 2, 3),
                g.int64Initializer("residual_steps", -1, -1));
        String diff = g.node("Sub", "residual_diff", new OnnxMl.AttributeProto[0], grey, rotated);
        String abs = g.node("Abs", "residual_abs", new OnnxMl.AttributeProto[0], diff);
        return g.node("Concat", "residual_input", new OnnxMl.AttributeProto[] {OnnxGraphBuilder.intAttr("axis", 1)}, input, abs);
    }

    /**
     * Batch norm at inference. Per channel (or per feature) → ONNX BatchNormalization. With {@code overWidth} (a
     * DL4J NHWC batch norm on our NCHW activations, which normalises their last axis: the Keras DeepMerge's
     * {@code axis=-1}) → {@code Mul(x, scale[W])}, {@code Add(shift[W])} broadcast along the last axis, with
     * {@code scale = gamma / sqrt(var + eps)} and {@code shift = beta - mean * scale} (Ioffe and Szegedy 2015).
     */
    private static String batchNorm(OnnxGraphBuilder g, Layer layer, BatchNormalization bn, String x, int i,
                                    String where, Shape shape, boolean overWidth) throws DeepMergeException {
        long n = overWidth ? shape.w : shape.c;
        if (bn.getNOut() != n) {
            throw invalid(where + ": nOut " + bn.getNOut() + " but the input has " + n
                    + (overWidth ? " columns (NHWC batch norm over the width of " : " channels/features (")
                    + shape + ")");
        }
        float[] gamma;
        float[] beta;
        if (bn.isLockGammaBeta()) {
            gamma = filled((int) n, (float) bn.getGamma());
            beta = filled((int) n, (float) bn.getBeta());
        } else {
            gamma = floats(layer.getParam(BatchNormalizationParamInitializer.GAMMA));
            beta = floats(layer.getParam(BatchNormalizationParamInitializer.BETA));
        }
        float[] mean = floats(layer.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN));
        float[] var;
        if (bn.isUseLogStd()) {
            // DL4J stores log10(std) of the running variance: var = (10^log10std)^2.
            float[] log10std = floats(layer.getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD));
            var = new float[log10std.length];
            for (int k = 0; k < var.length; k++) {
                var[k] = (float) Math.pow(10.0, 2.0 * log10std[k]);
            }
        } else {
            var = floats(layer.getParam(BatchNormalizationParamInitializer.GLOBAL_VAR));
        }
        long[] dims = {n};
        if (overWidth) {
            float[] scale = new float[(int) n];
            float[] shift = new float[(int) n];
            for (int k = 0; k < n; k++) {
                double sc = gamma[k] / Math.sqrt((double) var[k] + bn.getEps());
                scale[k] = (float) sc;
                shift[k] = (float) (beta[k] - mean[k] * sc);
            }
            String scaled = g.node("Mul", "l" + i + "_bn_scale", new OnnxMl.AttributeProto[0], x,
                    g.initializer("l" + i + "_scale", dims, scale));
            return g.node("Add", "l" + i + "_bn_shift", new OnnxMl.AttributeProto[0], scaled,
                    g.initializer("l" + i + "_shift", dims, shift));
        }
        return g.node("BatchNormalization", "l" + i + "_bn",
                new OnnxMl.AttributeProto[]{OnnxGraphBuilder.floatAttr("epsilon", (float) bn.getEps())},
                x,
                g.initializer("l" + i + "_gamma", dims, gamma),
                g.initializer("l" + i + "_beta", dims, beta),
                g.initializer("l" + i + "_mean", dims, mean),
                g.initializer("l" + i + "_var", dims, var));
    }

    private static String activation(OnnxGraphBuilder g, IActivation act, String x, int i, String where, Shape shape)
            throws DeepMergeException {
        if (act == null || act instanceof ActivationIdentity) {
            return x;
        }
        if (act.getClass() == ActivationReLU.class) {
            if (!act.equals(new ActivationReLU())) {
                throw invalid(where + ": ReLU with max/threshold/negative slope (" + act + ") is not supported");
            }
            return g.node("Relu", "l" + i + "_relu", new OnnxMl.AttributeProto[0], x);
        }
        if (act.getClass() == ActivationLReLU.class) {
            return g.node("LeakyRelu", "l" + i + "_leakyrelu", new OnnxMl.AttributeProto[]{
                    OnnxGraphBuilder.floatAttr("alpha", (float) ((ActivationLReLU) act).getAlpha())}, x);
        }
        if (act.getClass() == ActivationSigmoid.class) {
            return g.node("Sigmoid", "l" + i + "_sigmoid", new OnnxMl.AttributeProto[0], x);
        }
        if (act.getClass() == ActivationTanH.class) {
            return g.node("Tanh", "l" + i + "_tanh", new OnnxMl.AttributeProto[0], x);
        }
        if (act.getClass() == ActivationSoftmax.class) {
            if (shape.isImage()) {
                throw invalid(where + ": softmax on a rank-4 activation " + shape + " is not supported");
            }
            return g.node("Softmax", "l" + i + "_softmax", new OnnxMl.AttributeProto[]{
                    OnnxGraphBuilder.intAttr("axis", -1)}, x);
        }
        throw invalid(where + ": activation " + act.getClass().getSimpleName() + " (" + act
                + ") is not supported; supported: identity, relu, leakyrelu, sigmoid, tanh, softmax");
    }

    /**
     * Output spatial size of a convolution or pooling window, and its ONNX pads {@code [top,left,bottom,right]}.
     * Truncate/Strict: {@code floor((in + 2p - k_eff)/s) + 1}; Same: {@code ceil(in/s)} with total padding
     * {@code max(0, (out-1)*s + k_eff - in)}, {@code floor(total/2)} before (DL4J ConvolutionUtils).
     */
    private static long[] convOutput(String where, Shape in, int[] kernel, int[] stride, int[] padding, int[] dilation,
                                     ConvolutionMode mode, long[] padsOut) throws DeepMergeException {
        long[] inHw = {in.h, in.w};
        long[] out = new long[2];
        for (int d = 0; d < 2; d++) {
            long kEff = kernel[d] + (long) (kernel[d] - 1) * (dilation[d] - 1);
            if (mode == ConvolutionMode.Same) {
                out[d] = (inHw[d] + stride[d] - 1) / stride[d];
                long total = Math.max(0, (out[d] - 1) * stride[d] + kEff - inHw[d]);
                padsOut[d] = total / 2;
                padsOut[d + 2] = total - total / 2;
            } else if (mode == ConvolutionMode.Truncate || mode == ConvolutionMode.Strict) {
                long span = inHw[d] + 2L * padding[d] - kEff;
                if (span < 0) {
                    throw invalid(where + ": kernel " + kernel[0] + "x" + kernel[1] + " larger than the padded input " + in);
                }
                out[d] = span / stride[d] + 1;
                padsOut[d] = padding[d];
                padsOut[d + 2] = padding[d];
            } else {
                throw invalid(where + ": convolution mode " + mode + " is not supported, only Same, Truncate, Strict");
            }
        }
        return out;
    }

    private static OutputKind outputKind(IActivation last, Shape shape) throws DeepMergeException {
        if (last instanceof ActivationSigmoid) {
            if (shape.c != 1) {
                throw invalid("a sigmoid output must have one unit (merger probability), got " + shape);
            }
            return OutputKind.SIGMOID;
        }
        if (last instanceof ActivationSoftmax) {
            return OutputKind.SOFTMAX;
        }
        if (last == null || last instanceof ActivationIdentity) {
            return OutputKind.LOGITS;
        }
        throw invalid("the last activation " + last.getClass().getSimpleName()
                + " is not a probability or logit output; use sigmoid, softmax or identity");
    }

    private static long[] parseInputShape(String s) throws DeepMergeException {
        if (s == null) {
            throw invalid("metadata " + ModelContract.KEY_INPUT_SHAPE + " (\"N,C,H,W\", N = -1 for a dynamic batch) is required");
        }
        String[] parts = s.split(",");
        if (parts.length != 4) {
            throw invalid("metadata " + ModelContract.KEY_INPUT_SHAPE + "='" + s + "' must have 4 comma-separated values N,C,H,W");
        }
        long[] dims = new long[4];
        for (int k = 0; k < 4; k++) {
            try {
                dims[k] = Long.parseLong(parts[k].trim());
            } catch (NumberFormatException e) {
                throw invalid("metadata " + ModelContract.KEY_INPUT_SHAPE + "='" + s + "': '" + parts[k] + "' is not an integer");
            }
            if (dims[k] == 0 || dims[k] < -1 || (k > 0 && dims[k] < 1)) {
                throw invalid("metadata " + ModelContract.KEY_INPUT_SHAPE + "='" + s
                        + "': N must be -1 or > 0 and C,H,W > 0");
            }
        }
        return dims;
    }

    private static void checkListSize(Map<String, String> meta, String key, long expected, String what)
            throws DeepMergeException {
        String v = meta.get(key);
        if (v != null && v.split(",", -1).length != expected) {
            throw invalid("metadata " + key + "='" + v + "' names " + v.split(",", -1).length + " " + what
                    + " but the network has " + expected);
        }
    }

    private static void checkDims(String where, String what, long c, long h, long w, Shape shape)
            throws DeepMergeException {
        if ((c > 0 && c != shape.c) || (h > 0 && h != shape.h) || (w > 0 && w != shape.w)) {
            throw invalid(where + ": " + what + " expects [N," + c + "," + h + "," + w + "] but the activation is "
                    + shape + " (check " + ModelContract.KEY_INPUT_SHAPE + ")");
        }
    }

    private static void requireImage(String where, Shape shape) throws DeepMergeException {
        if (!shape.isImage()) {
            throw invalid(where + ": needs a rank-4 [N,C,H,W] activation, got " + shape);
        }
    }

    private static void requireNchw(String where, CNN2DFormat format) throws DeepMergeException {
        if (format != null && format != CNN2DFormat.NCHW) {
            throw invalid(where + ": data format " + format + " is not supported, only NCHW");
        }
    }

    /** @return the array's values in C (row-major) order as float32 */
    private static float[] floats(INDArray a) {
        return Nd4j.toFlattened('c', a.castTo(DataType.FLOAT)).toFloatVector();
    }

    private static float[] filled(int n, float v) {
        float[] f = new float[n];
        java.util.Arrays.fill(f, v);
        return f;
    }

    private static DeepMergeException invalid(String message) {
        return new DeepMergeException(Reason.INVALID_MODEL, "ONNX export: " + message);
    }
}
