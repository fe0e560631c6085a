package org.deepmerge.training.export;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Small helper over the ONNX protobuf {@link OnnxMl.GraphProto.Builder}: float32 initializers stored as
 * little-endian {@code raw_data} (ONNX IR spec, TensorProto), nodes with int/float/ints attributes, and
 * unique tensor names. Not thread-safe; one instance builds one graph.
 */
final class OnnxGraphBuilder {

    private final OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder();
    private int nodeCount;

    OnnxGraphBuilder(String graphName) {
        graph.setName(graphName);
    }

    /**
     * Adds a float32 constant tensor.
     *
     * @param name   tensor name, unique in the graph
     * @param dims   shape, row-major (C order)
     * @param values values in C order; length must equal the product of dims
     * @return the name
     */
    String initializer(String name, long[] dims, float[] values) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException("initializer " + name + ": " + values.length
                    + " values for shape product " + n);
        }
        ByteBuffer buf = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder()
                .setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                .setRawData(ByteString.copyFrom(buf.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        return name;
    }

    /**
     * Adds an int64 constant (e.g. the starts/ends/axes/steps inputs of {@code Slice}).
     *
     * @param name   tensor name, unique in the graph
     * @param values values of a 1-D tensor
     * @return the name
     */
    String int64Initializer(String name, long... values) {
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder()
                .setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber())
                .addDims(values.length);
        for (long v : values) {
            t.addInt64Data(v);
        }
        graph.addInitializer(t);
        return name;
    }

    /**
     * Adds a node with one output.
     *
     * @param opType ONNX operator (default domain, opset {@link OnnxExporter#OPSET})
     * @param output name of the output tensor
     * @param attributes attributes, may be empty
     * @param inputs input tensor names
     * @return the output name
     */
    String node(String opType, String output, OnnxMl.AttributeProto[] attributes, String... inputs) {
        OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder()
                .setOpType(opType)
                .setName(opType + "_" + (nodeCount++))
                .addOutput(output);
        for (String in : inputs) {
            n.addInput(in);
        }
        for (OnnxMl.AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        graph.addNode(n);
        return output;
    }

    /** Declares a float32 graph input or output; a dim &lt; 0 becomes the symbolic dimension {@code N}. */
    static OnnxMl.ValueInfoProto floatValueInfo(String name, long... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (long d : dims) {
            OnnxMl.TensorShapeProto.Dimension.Builder dim = OnnxMl.TensorShapeProto.Dimension.newBuilder();
            if (d < 0) {
                dim.setDimParam("N");
            } else {
                dim.setDimValue(d);
            }
            shape.addDim(dim);
        }
        OnnxMl.TypeProto type = OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                        .setShape(shape))
                .build();
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(type).build();
    }

    static OnnxMl.AttributeProto intAttr(String name, long value) {
        return OnnxMl.AttributeProto.newBuilder().setName(name)
                .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(value).build();
    }

    static OnnxMl.AttributeProto floatAttr(String name, float value) {
        return OnnxMl.AttributeProto.newBuilder().setName(name)
                .setType(OnnxMl.AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    static OnnxMl.AttributeProto intsAttr(String name, long... values) {
        OnnxMl.AttributeProto.Builder a = OnnxMl.AttributeProto.newBuilder().setName(name)
                .setType(OnnxMl.AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    /**
     * Gives the tensor {@code current}, produced by the last node, the name {@code name} (the graph output).
     *
     * @throws IllegalStateException if the last node does not produce {@code current}
     */
    void renameLastOutput(String current, String name) {
        int last = graph.getNodeCount() - 1;
        if (last < 0 || !graph.getNode(last).getOutput(0).equals(current)) {
            throw new IllegalStateException("tensor " + current + " is not produced by the last node");
        }
        graph.getNodeBuilder(last).setOutput(0, name);
    }

    void input(OnnxMl.ValueInfoProto info) {
        graph.addInput(info);
    }

    void output(OnnxMl.ValueInfoProto info) {
        graph.addOutput(info);
    }

    OnnxMl.GraphProto build() {
        return graph.build();
    }
}
