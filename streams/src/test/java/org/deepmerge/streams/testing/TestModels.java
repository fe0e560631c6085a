package org.deepmerge.streams.testing;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deepmerge.core.model.ModelContract;

/**
 * A tiny real ONNX model written in code with tribuo-util-onnx's OnnxMl protobuf classes:
 * input {@code x} {@code [N,1,75,75]} float32 (dynamic N) -> ReduceMean over H,W -> Mul by {@link #SCALE} ->
 * Sigmoid -> {@code prob} {@code [N,1]}, so p(merger) = sigmoid(SCALE * mean pixel). Its metadata_props carry the
 * full deepmerge.* contract: one channel {@code r}, FIT resampling, no normalisation, classes non-merger/merger.
 */
public final class TestModels {
    /** Slope applied to the mean pixel before the sigmoid. */
    public static final float SCALE = 0.01f;
    public static final int SIZE = 75;

    private TestModels() {
    }

    /**
     * @param file where to write the model
     * @return file
     * @throws IOException when it cannot be written
     */
    public static Path meanSigmoid(Path file) throws IOException {
        return meanSigmoid(file, SCALE, "1");
    }

    /**
     * @param file    where to write the model
     * @param scale   slope applied to the mean pixel before the sigmoid
     * @param version model version in the metadata
     * @return file
     * @throws IOException when it cannot be written
     */
    public static Path meanSigmoid(Path file, float scale, String version) throws IOException {
        return meanSigmoid(file, scale, version, java.util.List.of("r"));
    }

    /**
     * A model over {@code [N,C,75,75]} with one channel per band: p = sigmoid(scale * mean of all pixels).
     *
     * @param file     where to write the model
     * @param scale    slope applied to the mean pixel before the sigmoid
     * @param version  model version in the metadata
     * @param channels the band of each model channel, e.g. {@code [g, r]}
     * @return file
     * @throws IOException when it cannot be written
     */
    public static Path meanSigmoid(Path file, float scale, String version, java.util.List<String> channels)
            throws IOException {
        return meanSigmoid(file, scale, version, channels, SIZE);
    }

    /**
     * The same model over {@code [N,C,size,size]} (declaring a size is enough to test the contract's limits: ONNX
     * Runtime allocates nothing for an input until it runs).
     *
     * @param file     where to write the model
     * @param scale    slope applied to the mean pixel before the sigmoid
     * @param version  model version in the metadata
     * @param channels the band of each model channel
     * @param size     H and W of the input, pixels
     * @return file
     * @throws IOException when it cannot be written
     */
    public static Path meanSigmoid(Path file, float scale, String version, java.util.List<String> channels, long size)
            throws IOException {
        int c = channels.size();
        GraphProto.Builder g = GraphProto.newBuilder().setName("mean-sigmoid");
        g.addInput(valueInfo("x", -1, c, size, size));
        g.addInitializer(TensorProto.newBuilder().setName("k").setDataType(TensorProto.DataType.FLOAT.getNumber())
                .addFloatData(scale));
        g.addNode(NodeProto.newBuilder().setOpType("ReduceMean").setName("mean").addInput("x").addOutput("m4")
                .addAttribute(AttributeProto.newBuilder().setName("axes").setType(AttributeProto.AttributeType.INTS)
                        .addInts(1).addInts(2).addInts(3))
                .addAttribute(AttributeProto.newBuilder().setName("keepdims").setType(AttributeProto.AttributeType.INT)
                        .setI(1)));
        g.addInitializer(TensorProto.newBuilder().setName("shape").setDataType(TensorProto.DataType.INT64.getNumber())
                .addDims(2).addInt64Data(-1).addInt64Data(1));
        g.addNode(NodeProto.newBuilder().setOpType("Reshape").setName("flat").addInput("m4").addInput("shape").addOutput("m"));
        g.addNode(NodeProto.newBuilder().setOpType("Mul").setName("scale").addInput("m").addInput("k").addOutput("z"));
        g.addNode(NodeProto.newBuilder().setOpType("Sigmoid").setName("sigmoid").addInput("z").addOutput("prob"));
        g.addOutput(valueInfo("prob", -1, 1));
        Map<String, String> md = new LinkedHashMap<>();
        md.put(ModelContract.KEY_INPUT_NAME, "x");
        md.put(ModelContract.KEY_INPUT_SHAPE, "-1," + c + "," + size + "," + size);
        md.put(ModelContract.KEY_CHANNELS, String.join(",", channels));
        md.put(ModelContract.KEY_PIXEL_SCALE, "1.0");
        md.put(ModelContract.KEY_RESAMPLE, "fit");
        md.put(ModelContract.KEY_NORMALISATION, "none");
        md.put(ModelContract.KEY_OUTPUT_NAME, "prob");
        md.put(ModelContract.KEY_OUTPUT_KIND, "sigmoid");
        md.put(ModelContract.KEY_CLASSES, "non-merger,merger");
        md.put(ModelContract.KEY_MERGER_CLASS, "merger");
        md.put(ModelContract.KEY_MODEL_NAME, "mean-sigmoid-test");
        md.put(ModelContract.KEY_MODEL_VERSION, version);
        ModelProto.Builder m = ModelProto.newBuilder().setIrVersion(8).setProducerName("deepmerge-streams-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).setGraph(g);
        md.forEach((k, v) -> m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, m.build().toByteArray());
        return file;
    }

    private static ValueInfoProto valueInfo(String name, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(d < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam("N")
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(shape))).build();
    }

    /**
     * @param image one {@code [C,75,75]} image
     * @return the probability the model must give it
     */
    public static double expected(float[] image) {
        double sum = 0;
        for (float v : image) {
            sum += v;
        }
        float mean = (float) (sum / image.length);
        return 1.0 / (1.0 + Math.exp(-(double) (mean * SCALE)));
    }

    /**
     * A model-topic artifact of an ONNX file, as {@code deepmerge models publish} writes it.
     *
     * @param onnx    the file (its contract goes into the record)
     * @param name    model name
     * @param version model version
     * @param sha256  the SHA-256 the record declares (the file's, or another to model tampering)
     * @return the artifact
     * @throws Exception when the file cannot be read or has no contract
     */
    public static org.deepmerge.avro.v1.ModelArtifact artifact(Path onnx, String name, String version, String sha256)
            throws Exception {
        return org.deepmerge.avro.v1.ModelArtifact.newBuilder().setName(name).setVersion(version).setSha256(sha256)
                .setOnnx(java.nio.ByteBuffer.wrap(Files.readAllBytes(onnx))).setModelCardJson("{}")
                .setCreatedAt(java.time.Instant.ofEpochMilli(1_700_000_000_000L)).setProducer("test")
                .setContract(org.deepmerge.core.model.ModelContracts.read(onnx,
                        org.deepmerge.core.model.ContractOverrides.none()).toMetadata()).build();
    }
}
