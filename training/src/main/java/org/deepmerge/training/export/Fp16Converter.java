package org.deepmerge.training.export;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.platform.Fp16Conversions;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Converts a float32 ONNX model to float16 weights and activations, keeping the float32 {@code [N,C,H,W]} input and
 * the float32 outputs of the model contract: every float32 initializer and {@code Constant} becomes float16
 * (IEEE 754 binary16, round to nearest even, by ONNX Runtime's own {@link Fp16Conversions}), a {@code Cast} to
 * float16 follows each float32 graph input and a {@code Cast} to float32 precedes each float32 graph output, and
 * {@code Cast} nodes to float32 inside the graph cast to float16 instead. Inputs that ONNX requires in float32 whatever the data type ({@code Resize} roi and scales,
 * {@code Upsample} scales) stay float32. {@code value_info} is dropped (ONNX Runtime infers it again); metadata,
 * opsets and names are kept.
 *
 * <p>The point is half the weight bytes and, on GPUs, half-precision arithmetic; the accuracy cost is measured in
 * docs/onnx-export.md. On the CPU execution provider, ONNX Runtime inserts casts around operators without a float16
 * kernel, so the model still runs there with float16 rounding of weights and of the tensors between operators.
 */
public final class Fp16Converter {
    private static final int FLOAT = OnnxMl.TensorProto.DataType.FLOAT.getNumber();
    private static final int FLOAT16 = OnnxMl.TensorProto.DataType.FLOAT16.getNumber();
    /** Operator inputs that stay float32 (ONNX operator specification: Resize-11+ roi/scales, Upsample-9 scales). */
    private static final Map<String, Set<Integer>> FLOAT32_INPUTS = Map.of("Resize", Set.of(1, 2), "Upsample", Set.of(1));

    private Fp16Converter() {
    }

    /**
     * @param model a float32 model
     * @return the float16 model (same inputs and outputs, float32)
     * @throws IllegalArgumentException when the graph has a float initializer of an unsupported encoding
     */
    public static OnnxMl.ModelProto convert(OnnxMl.ModelProto model) {
        OnnxMl.GraphProto g = model.getGraph();
        Set<String> keepFloat32 = new HashSet<>();
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            for (int i : FLOAT32_INPUTS.getOrDefault(n.getOpType(), Set.of())) {
                if (i < n.getInputCount()) {
                    keepFloat32.add(n.getInput(i));
                }
            }
        }
        Set<String> initializers = new HashSet<>();
        g.getInitializerList().forEach(t -> initializers.add(t.getName()));
        Map<String, String> rename = new HashMap<>();
        OnnxMl.GraphProto.Builder out = g.toBuilder().clearNode().clearInitializer().clearValueInfo();
        for (OnnxMl.ValueInfoProto in : g.getInputList()) {
            if (!initializers.contains(in.getName()) && elemType(in) == FLOAT) {
                String half = in.getName() + "_fp16";
                rename.put(in.getName(), half);
                out.addNode(cast(in.getName(), half, FLOAT16));
            }
        }
        Map<String, String> outputs = new HashMap<>();
        for (OnnxMl.ValueInfoProto o : g.getOutputList()) {
            if (elemType(o) == FLOAT) {
                outputs.put(o.getName(), o.getName() + "_fp16");
            }
        }
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            OnnxMl.NodeProto.Builder b = n.toBuilder();
            for (int i = 0; i < b.getInputCount(); i++) {
                b.setInput(i, rename.getOrDefault(b.getInput(i), outputs.getOrDefault(b.getInput(i), b.getInput(i))));
            }
            for (int i = 0; i < b.getOutputCount(); i++) {
                b.setOutput(i, outputs.getOrDefault(b.getOutput(i), b.getOutput(i)));
            }
            for (int i = 0; i < b.getAttributeCount(); i++) {
                OnnxMl.AttributeProto a = b.getAttribute(i);
                if ("Cast".equals(n.getOpType()) && "to".equals(a.getName()) && a.getI() == FLOAT) {
                    b.setAttribute(i, a.toBuilder().setI(FLOAT16));
                } else if ("Constant".equals(n.getOpType()) && a.hasT() && a.getT().getDataType() == FLOAT
                        && !keepFloat32.contains(n.getOutput(0))) {
                    b.setAttribute(i, a.toBuilder().setT(toHalf(a.getT())));
                }
            }
            out.addNode(b);
        }
        outputs.forEach((name, half) -> out.addNode(cast(half, name, FLOAT)));
        for (OnnxMl.TensorProto t : g.getInitializerList()) {
            out.addInitializer(t.getDataType() == FLOAT && !keepFloat32.contains(t.getName()) ? toHalf(t) : t);
        }
        return model.toBuilder().setGraph(out).build();
    }

    private static int elemType(OnnxMl.ValueInfoProto v) {
        return v.getType().hasTensorType() ? v.getType().getTensorType().getElemType() : -1;
    }

    private static OnnxMl.NodeProto cast(String from, String to, int type) {
        return OnnxMl.NodeProto.newBuilder().setOpType("Cast").setName(to + "_cast").addInput(from).addOutput(to)
                .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("to")
                        .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(type))
                .build();
    }

    private static OnnxMl.TensorProto toHalf(OnnxMl.TensorProto t) {
        float[] values;
        if (!t.getRawData().isEmpty()) {
            ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            values = new float[raw.remaining() / 4];
            raw.asFloatBuffer().get(values);
        } else {
            List<Float> data = t.getFloatDataList();
            values = new float[data.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = data.get(i);
            }
        }
        ByteBuffer half = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            half.putShort(Fp16Conversions.floatToFp16(v));
        }
        return t.toBuilder().clearFloatData().clearRawData().setDataType(FLOAT16)
                .setRawData(ByteString.copyFrom(half.array())).build();
    }
}
