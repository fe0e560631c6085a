package org.deepmerge.bench;

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
import org.deepmerge.core.model.ModelContract;

/**
 * A tiny real CNN written in code: {@code x [N,2,8,8] -> Conv 4@3x3 pad 1 -> Relu -> MaxPool 2x2 -> Flatten [N,64]
 * -> Gemm [64,1] -> Sigmoid -> prob [N,1]}, with the DeepMerge contract in its metadata_props (bands g,r).
 *
 * <p>Multiply-adds per image, by hand: Conv {@code 4 out ch * 8*8 out px * 2 in ch * 3*3} = 4608; Gemm
 * {@code 64 * 1} = 64; total {@link #MACS} = 4672.
 */
final class TinyConvNet {
    static final long CONV_MACS = 4L * 8 * 8 * 2 * 3 * 3;
    static final long GEMM_MACS = 64;
    static final long MACS = CONV_MACS + GEMM_MACS;
    /** Conv weight 72 + bias 4 + Gemm weight 64 + bias 1. */
    static final long PARAMETERS = 72 + 4 + 64 + 1;

    private TinyConvNet() {
    }

    /**
     * @param file  destination
     * @param batch fixed N, or -1 for a dynamic batch
     * @return file
     */
    static Path write(Path file, int batch) throws IOException {
        GraphProto.Builder g = GraphProto.newBuilder().setName("tiny-conv");
        g.addInput(valueInfo("x", batch, 2, 8, 8));
        g.addInitializer(tensor("W1", 4, 2, 3, 3));
        g.addInitializer(tensor("B1", 4));
        g.addInitializer(tensor("W2", 64, 1));
        g.addInitializer(tensor("B2", 1));
        g.addNode(node("Conv", "conv", new String[] {"x", "W1", "B1"}, "c")
                .addAttribute(ints("kernel_shape", 3, 3)).addAttribute(ints("pads", 1, 1, 1, 1)));
        g.addNode(node("Relu", "relu", new String[] {"c"}, "r"));
        g.addNode(node("MaxPool", "pool", new String[] {"r"}, "p")
                .addAttribute(ints("kernel_shape", 2, 2)).addAttribute(ints("strides", 2, 2)));
        g.addNode(node("Flatten", "flat", new String[] {"p"}, "f")
                .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(1)));
        g.addNode(node("Gemm", "fc", new String[] {"f", "W2", "B2"}, "z"));
        g.addNode(node("Sigmoid", "sig", new String[] {"z"}, "prob"));
        g.addOutput(valueInfo("prob", batch, 1));
        ModelProto m = ModelProto.newBuilder().setIrVersion(8).setProducerName("deepmerge-bench-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                .addMetadataProps(prop(ModelContract.KEY_CHANNELS, "g,r"))
                .addMetadataProps(prop(ModelContract.KEY_PIXEL_SCALE, "1.0"))
                .addMetadataProps(prop(ModelContract.KEY_OUTPUT_KIND, "sigmoid"))
                .addMetadataProps(prop(ModelContract.KEY_MODEL_NAME, "tiny-conv"))
                .setGraph(g).build();
        Files.write(file, m.toByteArray());
        return file;
    }

    private static NodeProto.Builder node(String op, String name, String[] inputs, String output) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addOutput(output);
        for (String in : inputs) {
            n.addInput(in);
        }
        return n;
    }

    private static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    private static TensorProto tensor(String name, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
        long n = 1;
        for (long d : dims) {
            t.addDims(d);
            n *= d;
        }
        for (long i = 0; i < n; i++) {
            t.addFloatData((float) Math.sin(i + 1.0) * 0.1f);
        }
        return t.build();
    }

    private static ValueInfoProto valueInfo(String name, long batch, long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        s.addDim(batch > 0 ? TensorShapeProto.Dimension.newBuilder().setDimValue(batch)
                : TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
        for (long d : dims) {
            s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(s))).build();
    }

    private static StringStringEntryProto prop(String k, String v) {
        return StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }
}
