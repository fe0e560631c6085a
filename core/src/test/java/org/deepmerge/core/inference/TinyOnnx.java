package org.deepmerge.core.inference;

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
import java.util.Map;

/**
 * Builds tiny real ONNX models in code (tribuo-util-onnx's OnnxMl protobuf classes) whose output the tests can
 * compute by hand: input {@code x} {@code [N,2,4,4]} -> ReduceMean over H,W ({@code features} [N,2]) -> Gemm with
 * {@link #W}, {@link #B} -> head. Heads: SIGMOID ({@code prob} [N,1]), SOFTMAX ({@code probs} [N,2]), LOGITS
 * ({@code logits} [N,2], plus the extra output {@code features} [N,2]), LOGIT1 (the single logit {@code z} [N,1]).
 */
public final class TinyOnnx {
    /** Gemm weights [C=2, K=2]; the sigmoid head uses column 0 only. */
    public static final float[][] W = {{0.8f, -0.5f}, {-1.2f, 0.3f}};
    /** Gemm bias [K=2]; the sigmoid head uses element 0 only. */
    public static final float[] B = {0.1f, -0.2f};
    public static final int C = 2;
    public static final int H = 4;
    public static final int WIDTH = 4;

    /** Head variants. */
    public enum Head { SIGMOID, SOFTMAX, LOGITS, LOGIT1 }

    private TinyOnnx() {
    }

    /**
     * @param file     where to write the .onnx file
     * @param head     output head
     * @param batch    fixed N, or -1 for a dynamic batch dimension
     * @param metadata metadata_props to set
     * @return file
     */
    public static Path write(Path file, Head head, int batch, Map<String, String> metadata) throws IOException {
        int k = head == Head.SIGMOID || head == Head.LOGIT1 ? 1 : 2;
        float[] w = new float[C * k];
        float[] b = new float[k];
        for (int c = 0; c < C; c++) {
            for (int j = 0; j < k; j++) {
                w[c * k + j] = W[c][j];
            }
        }
        System.arraycopy(B, 0, b, 0, k);
        GraphProto.Builder g = GraphProto.newBuilder().setName("tiny-" + head.name().toLowerCase());
        g.addInput(valueInfo("x", batch, C, H, WIDTH));
        g.addInitializer(tensor("W", w, C, k));
        g.addInitializer(tensor("B", b, k));
        g.addNode(NodeProto.newBuilder().setOpType("ReduceMean").setName("mean").addInput("x").addOutput("features")
                .addAttribute(AttributeProto.newBuilder().setName("axes").setType(AttributeProto.AttributeType.INTS)
                        .addInts(2).addInts(3))
                .addAttribute(AttributeProto.newBuilder().setName("keepdims").setType(AttributeProto.AttributeType.INT)
                        .setI(0)));
        String gemmOut = head == Head.LOGITS ? "logits" : "z";
        g.addNode(NodeProto.newBuilder().setOpType("Gemm").setName("gemm").addInput("features").addInput("W")
                .addInput("B").addOutput(gemmOut));
        switch (head) {
            case SIGMOID:
                g.addNode(NodeProto.newBuilder().setOpType("Sigmoid").setName("sigmoid").addInput("z").addOutput("prob"));
                g.addOutput(valueInfo("prob", batch, 1));
                break;
            case SOFTMAX:
                g.addNode(NodeProto.newBuilder().setOpType("Softmax").setName("softmax").addInput("z").addOutput("probs")
                        .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT)
                                .setI(1)));
                g.addOutput(valueInfo("probs", batch, 2));
                break;
            case LOGIT1:
                g.addOutput(valueInfo("z", batch, 1));
                break;
            default:
                g.addOutput(valueInfo("features", batch, 2));
                g.addOutput(valueInfo("logits", batch, 2));
                break;
        }
        ModelProto.Builder m = ModelProto.newBuilder().setIrVersion(8).setProducerName("deepmerge-tests")
                .setModelVersion(3)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).setGraph(g);
        metadata.forEach((key, value) -> m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(key).setValue(value)));
        Files.write(file, m.build().toByteArray());
        return file;
    }

    private static ValueInfoProto valueInfo(String name, int batch, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        shape.addDim(batch > 0 ? TensorShapeProto.Dimension.newBuilder().setDimValue(batch)
                : TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(shape))).build();
    }

    private static TensorProto tensor(String name, float[] values, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT.getNumber());
        for (long d : dims) {
            t.addDims(d);
        }
        for (float v : values) {
            t.addFloatData(v);
        }
        return t.build();
    }

    /**
     * The hand computation: per-channel means, then {@code z_k = sum_c mean_c W[c][k] + B[k]}.
     *
     * @param images [n,2,4,4]
     * @param i      image index
     * @return z (K = 2)
     */
    public static double[] gemm(float[] images, int i) {
        int size = C * H * WIDTH;
        double[] mean = new double[C];
        for (int c = 0; c < C; c++) {
            double s = 0;
            for (int p = 0; p < H * WIDTH; p++) {
                s += images[i * size + c * H * WIDTH + p];
            }
            mean[c] = s / (H * WIDTH);
        }
        double[] z = new double[2];
        for (int k = 0; k < 2; k++) {
            z[k] = B[k];
            for (int c = 0; c < C; c++) {
                z[k] += mean[c] * W[c][k];
            }
        }
        return z;
    }
}
