package org.deepmerge.bench;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * Counts the multiply-adds per image of an ONNX graph (see {@link ModelCost}) by propagating tensor shapes from the
 * input {@code [N,C,H,W]} with N = 1 through the nodes in graph order, using the operator definitions of the ONNX
 * specification (https://onnx.ai/onnx/operators/):
 * <ul>
 *   <li>Conv: {@code M * prod(out spatial) * (C/group) * prod(kernel)}, out = floor((in + pad_begin + pad_end -
 *       dilation*(k-1) - 1)/stride) + 1 (auto_pad SAME_*: ceil(in/stride));</li>
 *   <li>ConvTranspose: {@code C * prod(in spatial) * (M/group) * prod(kernel)};</li>
 *   <li>Gemm: {@code K * N} per row of A; MatMul: {@code prod(A dims but last) * K * N}.</li>
 * </ul>
 * Shapes pass through pooling, Flatten, Reshape (with constant or Shape/Gather/Unsqueeze/Concat-computed targets, as
 * PyTorch exports {@code x.view(x.size(0), -1)}), Transpose, Squeeze/Unsqueeze, Concat, broadcasting binary ops and
 * shape-preserving ops (activations, BatchNormalization, Dropout, Softmax, ...). A node whose input shape cannot be
 * known is listed in {@link ModelCost#uncounted()} instead of being guessed.
 */
public final class OnnxGraphCost {

    /** Operators whose output has the shape of their first input. */
    private static final Set<String> SAME_SHAPE = Set.of("Relu", "LeakyRelu", "PRelu", "Sigmoid", "Tanh", "Elu",
            "Selu", "Celu", "HardSigmoid", "HardSwish", "Softplus", "Softsign", "Gelu", "Clip", "Cast", "Exp", "Log",
            "Abs", "Neg", "Sqrt", "Reciprocal", "Erf", "Identity", "Dropout", "BatchNormalization",
            "InstanceNormalization", "LayerNormalization", "LRN", "Softmax", "LogSoftmax", "Mish", "Floor", "Ceil",
            "Round", "Sign", "Not");
    /** Broadcasting element-wise binary operators. */
    private static final Set<String> BROADCAST = Set.of("Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum",
            "Mean", "Equal", "Less", "Greater", "And", "Or", "Where");
    private static final Set<String> POOL = Set.of("MaxPool", "AveragePool", "LpPool");
    private static final Set<String> GLOBAL_POOL = Set.of("GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool");

    private final Map<String, long[]> shapes = new HashMap<>();
    private final Map<String, long[]> values = new HashMap<>();
    private final Map<String, TensorProto> initializers = new HashMap<>();
    private final Map<String, Long> macsByOp = new TreeMap<>();
    private final List<String> uncounted = new ArrayList<>();
    private final long opset;

    private OnnxGraphCost(long opset) {
        this.opset = opset;
    }

    /**
     * @param model an ONNX file
     * @return its cost per image
     * @throws DeepMergeException IO_ERROR when the file cannot be read; INVALID_MODEL when it is not an ONNX model
     */
    public static ModelCost analyse(Path model) throws DeepMergeException {
        return analyse(read(model));
    }

    /**
     * @param model a parsed ONNX model
     * @return its cost per image
     * @throws DeepMergeException INVALID_MODEL when the graph has no image input
     */
    public static ModelCost analyse(ModelProto model) throws DeepMergeException {
        long opset = model.getOpsetImportList().stream()
                .filter(o -> o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx"))
                .mapToLong(o -> o.getVersion()).max().orElse(13);
        return new OnnxGraphCost(opset).run(model.getGraph());
    }

    /**
     * Writes a copy of a model whose batch dimension (dim 0 of every graph input and output) is symbolic
     * ({@code dim_param "N"}), so ONNX Runtime accepts any batch size. Valid only for graphs that compute their
     * internal shapes from the input (PyTorch exports with {@code Shape -> Gather -> Reshape} do; a Reshape to a
     * constant batch does not, and ONNX Runtime then fails at run time naming the node).
     *
     * @param model the ONNX file
     * @param dest  where to write the copy
     * @return dest
     * @throws DeepMergeException IO_ERROR when a file cannot be read or written; INVALID_MODEL when it is not ONNX
     */
    public static Path withDynamicBatch(Path model, Path dest) throws DeepMergeException {
        ModelProto m = read(model);
        GraphProto.Builder g = m.getGraph().toBuilder();
        Set<String> init = new HashSet<>();
        for (TensorProto t : g.getInitializerList()) {
            init.add(t.getName());
        }
        for (int i = 0; i < g.getInputCount(); i++) {
            if (!init.contains(g.getInput(i).getName())) {
                g.setInput(i, symbolicBatch(g.getInput(i)));
            }
        }
        for (int i = 0; i < g.getOutputCount(); i++) {
            g.setOutput(i, symbolicBatch(g.getOutput(i)));
        }
        g.clearValueInfo();
        try {
            Files.write(dest, m.toBuilder().setGraph(g).build().toByteArray());
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot write " + dest + ": " + e.getMessage(), e);
        }
        return dest;
    }

    private static ValueInfoProto symbolicBatch(ValueInfoProto v) {
        if (!v.getType().hasTensorType() || v.getType().getTensorType().getShape().getDimCount() == 0) {
            return v;
        }
        ValueInfoProto.Builder b = v.toBuilder();
        b.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().setDim(0,
                TensorShapeProto.Dimension.newBuilder().setDimParam("N").build());
        return b.build();
    }

    private static ModelProto read(Path model) throws DeepMergeException {
        ModelProto m;
        try (InputStream in = Files.newInputStream(model)) {
            m = ModelProto.parseFrom(in);
        } catch (IOException e) {
            if (Files.isRegularFile(model)) {
                throw new DeepMergeException(Reason.INVALID_MODEL, model + " is not an ONNX model: " + e.getMessage(), e);
            }
            throw new DeepMergeException(Reason.IO_ERROR, "cannot read model " + model + ": " + e.getMessage(), e);
        }
        if (!m.hasGraph() || m.getGraph().getNodeCount() == 0) {
            throw new DeepMergeException(Reason.INVALID_MODEL, model + " is not an ONNX model (no graph nodes)");
        }
        return m;
    }

    private ModelCost run(GraphProto g) throws DeepMergeException {
        long parameters = 0;
        for (TensorProto t : g.getInitializerList()) {
            initializers.put(t.getName(), t);
            long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
            shapes.put(t.getName(), dims);
            parameters += product(dims);
            long[] v = intValues(t);
            if (v != null) {
                values.put(t.getName(), v);
            }
        }
        boolean haveInput = false;
        for (ValueInfoProto in : g.getInputList()) {
            if (!initializers.containsKey(in.getName())) {
                long[] s = shapeOf(in);
                if (s != null && s.length > 0) {
                    s[0] = 1;
                    shapes.put(in.getName(), s);
                    haveInput = true;
                }
            }
        }
        if (!haveInput) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "graph '" + g.getName() + "' has no input with a known shape");
        }
        Map<String, long[]> declared = new HashMap<>();
        for (ValueInfoProto v : g.getValueInfoList()) {
            long[] s = shapeOf(v);
            if (s != null && s.length > 0 && s[0] != 0) {
                s[0] = 1;
                declared.put(v.getName(), s);
            }
        }
        for (NodeProto n : g.getNodeList()) {
            long[] out;
            try {
                out = node(n);
            } catch (ArithmeticException | IndexOutOfBoundsException e) {
                out = null;
            }
            if (n.getOutputCount() > 0) {
                String o = n.getOutput(0);
                if (out == null && declared.containsKey(o)) {
                    out = declared.get(o);
                }
                if (out != null) {
                    shapes.put(o, out);
                }
            }
        }
        long total = macsByOp.values().stream().mapToLong(Long::longValue).sum();
        return new ModelCost(total, parameters, macsByOp, uncounted);
    }

    /** @return the output shape of the node, or null when unknown */
    private long[] node(NodeProto n) {
        String op = n.getOpType();
        long[] x = n.getInputCount() > 0 ? shapes.get(n.getInput(0)) : null;
        switch (op) {
            case "Conv":
                return conv(n, x);
            case "ConvTranspose":
                return convTranspose(n, x);
            case "Gemm":
                return gemm(n, x);
            case "MatMul":
                return matMul(n, x);
            case "Flatten": {
                if (x == null) {
                    return null;
                }
                int axis = (int) attrInt(n, "axis", 1);
                axis = axis < 0 ? axis + x.length : axis;
                long a = 1;
                long b = 1;
                for (int i = 0; i < x.length; i++) {
                    if (i < axis) {
                        a *= x[i];
                    } else {
                        b *= x[i];
                    }
                }
                return new long[] {a, b};
            }
            case "Reshape":
                return reshape(n, x);
            case "Shape":
                if (x != null) {
                    values.put(n.getOutput(0), x.clone());
                    return new long[] {x.length};
                }
                return null;
            case "Constant":
                return constant(n);
            case "Gather":
                return gather(n, x);
            case "Unsqueeze":
                return unsqueeze(n, x);
            case "Squeeze":
                return squeeze(n, x);
            case "Concat":
                return concat(n);
            case "Transpose": {
                if (x == null) {
                    return null;
                }
                List<Long> perm = attrInts(n, "perm");
                long[] out = new long[x.length];
                for (int i = 0; i < x.length; i++) {
                    out[i] = perm.isEmpty() ? x[x.length - 1 - i] : x[perm.get(i).intValue()];
                }
                return out;
            }
            default:
                break;
        }
        if (SAME_SHAPE.contains(op)) {
            return x == null ? null : x.clone();
        }
        if (BROADCAST.contains(op)) {
            return broadcast(n);
        }
        if (POOL.contains(op)) {
            return pool(n, x);
        }
        if (GLOBAL_POOL.contains(op)) {
            if (x == null) {
                return null;
            }
            long[] out = x.clone();
            for (int i = 2; i < out.length; i++) {
                out[i] = 1;
            }
            return out;
        }
        return null;
    }

    private long[] conv(NodeProto n, long[] x) {
        long[] w = shapes.get(n.getInput(1));
        if (x == null || w == null || x.length < 3 || w.length != x.length || unknown(x)) {
            uncounted.add("Conv " + n.getName() + ": input shape unknown");
            return null;
        }
        int spatial = x.length - 2;
        long[] k = kernel(n, w);
        long[] out = new long[x.length];
        out[0] = x[0];
        out[1] = w[0];
        long[] s = spatialAttr(n, "strides", spatial, 1);
        long[] d = spatialAttr(n, "dilations", spatial, 1);
        long[] p = pads(n, spatial);
        String autoPad = attrString(n, "auto_pad", "NOTSET");
        for (int i = 0; i < spatial; i++) {
            long in = x[2 + i];
            if (autoPad.startsWith("SAME")) {
                out[2 + i] = (in + s[i] - 1) / s[i];
            } else {
                long pads = autoPad.equals("VALID") ? 0 : p[i] + p[i + spatial];
                out[2 + i] = (in + pads - d[i] * (k[i] - 1) - 1) / s[i] + 1;
            }
        }
        long macs = x[0] * w[0] * w[1] * product(k) * product(out, 2);
        add("Conv", macs);
        return out;
    }

    private long[] convTranspose(NodeProto n, long[] x) {
        long[] w = shapes.get(n.getInput(1));
        if (x == null || w == null || x.length < 3 || unknown(x)) {
            uncounted.add("ConvTranspose " + n.getName() + ": input shape unknown");
            return null;
        }
        int spatial = x.length - 2;
        long group = attrInt(n, "group", 1);
        long[] k = kernel(n, w);
        long[] s = spatialAttr(n, "strides", spatial, 1);
        long[] d = spatialAttr(n, "dilations", spatial, 1);
        long[] op = spatialAttr(n, "output_padding", spatial, 0);
        long[] p = pads(n, spatial);
        long[] out = new long[x.length];
        out[0] = x[0];
        out[1] = w[1] * group;
        for (int i = 0; i < spatial; i++) {
            out[2 + i] = s[i] * (x[2 + i] - 1) + op[i] + ((k[i] - 1) * d[i] + 1) - p[i] - p[i + spatial];
        }
        add("ConvTranspose", x[0] * x[1] * w[1] * product(k) * product(x, 2));
        return out;
    }

    private long[] gemm(NodeProto n, long[] a) {
        long[] b = shapes.get(n.getInput(1));
        if (b == null || b.length != 2) {
            uncounted.add("Gemm " + n.getName() + ": weight shape unknown");
            return null;
        }
        boolean transB = attrInt(n, "transB", 0) != 0;
        boolean transA = attrInt(n, "transA", 0) != 0;
        long k = transB ? b[1] : b[0];
        long cols = transB ? b[0] : b[1];
        long rows = 1;
        if (a != null && a.length == 2 && !unknown(a)) {
            rows = transA ? a[1] : a[0];
        }
        add("Gemm", rows * k * cols);
        return new long[] {rows, cols};
    }

    private long[] matMul(NodeProto n, long[] a) {
        long[] b = shapes.get(n.getInput(1));
        if (b == null || unknown(b)) {
            uncounted.add("MatMul " + n.getName() + ": right operand shape unknown");
            return null;
        }
        long k = b.length == 1 ? b[0] : b[b.length - 2];
        long cols = b.length == 1 ? 1 : b[b.length - 1];
        if (a == null || unknown(a)) {
            if (initializers.containsKey(n.getInput(1)) && b.length == 2) {
                add("MatMul", k * cols);
                return new long[] {1, cols};
            }
            uncounted.add("MatMul " + n.getName() + ": left operand shape unknown");
            return null;
        }
        long rows = product(a) / a[a.length - 1];
        long batchB = b.length > 2 ? product(b) / (k * cols) : 1;
        long aBatch = a.length > 2 ? product(a, 0, a.length - 2) : 1;
        add("MatMul", rows * k * cols * (batchB > aBatch ? batchB / Math.max(1, aBatch) : 1));
        long[] out = a.clone();
        out[out.length - 1] = cols;
        return out;
    }

    private long[] pool(NodeProto n, long[] x) {
        if (x == null || x.length < 3) {
            return null;
        }
        int spatial = x.length - 2;
        long[] k = attrInts(n, "kernel_shape").stream().mapToLong(Long::longValue).toArray();
        if (k.length != spatial) {
            return null;
        }
        long[] s = spatialAttr(n, "strides", spatial, 1);
        long[] d = spatialAttr(n, "dilations", spatial, 1);
        long[] p = pads(n, spatial);
        boolean ceil = attrInt(n, "ceil_mode", 0) != 0;
        String autoPad = attrString(n, "auto_pad", "NOTSET");
        long[] out = x.clone();
        for (int i = 0; i < spatial; i++) {
            long in = x[2 + i];
            if (autoPad.startsWith("SAME")) {
                out[2 + i] = (in + s[i] - 1) / s[i];
            } else {
                long pads = autoPad.equals("VALID") ? 0 : p[i] + p[i + spatial];
                long num = in + pads - d[i] * (k[i] - 1) - 1;
                out[2 + i] = (ceil ? Math.floorDiv(num + s[i] - 1, s[i]) : Math.floorDiv(num, s[i])) + 1;
            }
        }
        return out;
    }

    private long[] reshape(NodeProto n, long[] x) {
        long[] target = n.getInputCount() > 1 ? values.get(n.getInput(1)) : null;
        if (target == null) {
            List<Long> attr = attrInts(n, "shape");
            target = attr.isEmpty() ? null : attr.stream().mapToLong(Long::longValue).toArray();
        }
        if (target == null || x == null || unknown(x)) {
            return null;
        }
        long[] out = target.clone();
        long total = product(x);
        int minusOne = -1;
        long known = 1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == 0 && attrInt(n, "allowzero", 0) == 0) {
                out[i] = x[i];
            }
            if (out[i] == -1) {
                minusOne = i;
            } else {
                known *= out[i];
            }
        }
        if (minusOne >= 0) {
            out[minusOne] = known == 0 ? 0 : total / known;
        } else if (known != total && out.length > 0 && out[0] != 0 && total % (known / out[0]) == 0) {
            // a constant batch dimension (fixed-N export): keep the per-image shape
            out[0] = total / (known / out[0]);
        }
        return out;
    }

    private long[] constant(NodeProto n) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals("value") && a.hasT()) {
                long[] v = intValues(a.getT());
                if (v != null) {
                    values.put(n.getOutput(0), v);
                }
                return a.getT().getDimsList().stream().mapToLong(Long::longValue).toArray();
            }
            if (a.getName().equals("value_ints")) {
                values.put(n.getOutput(0), a.getIntsList().stream().mapToLong(Long::longValue).toArray());
                return new long[] {a.getIntsCount()};
            }
            if (a.getName().equals("value_int")) {
                values.put(n.getOutput(0), new long[] {a.getI()});
                return new long[0];
            }
        }
        return null;
    }

    private long[] gather(NodeProto n, long[] x) {
        long[] data = values.get(n.getInput(0));
        long[] idx = values.get(n.getInput(1));
        long[] idxShape = shapes.get(n.getInput(1));
        if (data != null && idx != null && attrInt(n, "axis", 0) == 0) {
            long[] out = new long[idx.length];
            for (int i = 0; i < idx.length; i++) {
                int j = (int) (idx[i] < 0 ? idx[i] + data.length : idx[i]);
                out[i] = data[j];
            }
            values.put(n.getOutput(0), out);
        }
        if (x == null || idxShape == null) {
            return null;
        }
        int axis = (int) attrInt(n, "axis", 0);
        axis = axis < 0 ? axis + x.length : axis;
        long[] out = new long[x.length - 1 + idxShape.length];
        int o = 0;
        for (int i = 0; i < axis; i++) {
            out[o++] = x[i];
        }
        for (long s : idxShape) {
            out[o++] = s;
        }
        for (int i = axis + 1; i < x.length; i++) {
            out[o++] = x[i];
        }
        return out;
    }

    private long[] unsqueeze(NodeProto n, long[] x) {
        long[] v = values.get(n.getInput(0));
        if (v != null) {
            values.put(n.getOutput(0), v.clone());
        }
        long[] axes = axes(n);
        if (x == null || axes == null) {
            return null;
        }
        int rank = x.length + axes.length;
        boolean[] inserted = new boolean[rank];
        for (long a : axes) {
            inserted[(int) (a < 0 ? a + rank : a)] = true;
        }
        long[] out = new long[rank];
        int j = 0;
        for (int i = 0; i < rank; i++) {
            out[i] = inserted[i] ? 1 : x[j++];
        }
        return out;
    }

    private long[] squeeze(NodeProto n, long[] x) {
        if (x == null) {
            return null;
        }
        long[] axes = axes(n);
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            boolean drop = false;
            if (axes == null || axes.length == 0) {
                drop = x[i] == 1;
            } else {
                for (long a : axes) {
                    drop |= (a < 0 ? a + x.length : a) == i;
                }
            }
            if (!drop) {
                out.add(x[i]);
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    private long[] concat(NodeProto n) {
        List<long[]> ins = new ArrayList<>();
        List<long[]> vals = new ArrayList<>();
        for (String in : n.getInputList()) {
            ins.add(shapes.get(in));
            vals.add(values.get(in));
        }
        if (vals.stream().allMatch(v -> v != null)) {
            long[] v = vals.stream().flatMapToLong(java.util.Arrays::stream).toArray();
            values.put(n.getOutput(0), v);
        }
        if (ins.stream().anyMatch(s -> s == null) || ins.isEmpty()) {
            return null;
        }
        long[] out = ins.get(0).clone();
        int axis = (int) attrInt(n, "axis", 0);
        axis = axis < 0 ? axis + out.length : axis;
        for (int i = 1; i < ins.size(); i++) {
            out[axis] += ins.get(i)[axis];
        }
        return out;
    }

    private long[] broadcast(NodeProto n) {
        long[] out = null;
        for (String in : n.getInputList()) {
            long[] s = shapes.get(in);
            if (s == null) {
                return null;
            }
            if (out == null) {
                out = s.clone();
                continue;
            }
            int rank = Math.max(out.length, s.length);
            long[] r = new long[rank];
            for (int i = 0; i < rank; i++) {
                long a = i < rank - out.length ? 1 : out[i - (rank - out.length)];
                long b = i < rank - s.length ? 1 : s[i - (rank - s.length)];
                r[i] = a == 1 ? b : a;
            }
            out = r;
        }
        return out;
    }

    private long[] axes(NodeProto n) {
        List<Long> attr = attrInts(n, "axes");
        if (!attr.isEmpty()) {
            return attr.stream().mapToLong(Long::longValue).toArray();
        }
        if (opset >= 13 && n.getInputCount() > 1) {
            return values.get(n.getInput(1));
        }
        return null;
    }

    private long[] kernel(NodeProto n, long[] w) {
        List<Long> k = attrInts(n, "kernel_shape");
        if (!k.isEmpty()) {
            return k.stream().mapToLong(Long::longValue).toArray();
        }
        long[] out = new long[w.length - 2];
        System.arraycopy(w, 2, out, 0, out.length);
        return out;
    }

    private long[] pads(NodeProto n, int spatial) {
        List<Long> p = attrInts(n, "pads");
        long[] out = new long[2 * spatial];
        for (int i = 0; i < p.size() && i < out.length; i++) {
            out[i] = p.get(i);
        }
        return out;
    }

    private static long[] spatialAttr(NodeProto n, String name, int spatial, long dflt) {
        List<Long> v = attrInts(n, name);
        long[] out = new long[spatial];
        for (int i = 0; i < spatial; i++) {
            out[i] = i < v.size() ? v.get(i) : dflt;
        }
        return out;
    }

    private void add(String op, long macs) {
        macsByOp.merge(op, macs, Long::sum);
    }

    /** @return the node's attribute of that name, or null */
    private static AttributeProto attribute(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    private static List<Long> attrInts(NodeProto n, String name) {
        AttributeProto a = attribute(n, name);
        return a == null ? List.of() : a.getIntsList();
    }

    private static long attrInt(NodeProto n, String name, long dflt) {
        AttributeProto a = attribute(n, name);
        return a == null ? dflt : a.getI();
    }

    private static String attrString(NodeProto n, String name, String dflt) {
        AttributeProto a = attribute(n, name);
        return a == null ? dflt : a.getS().toStringUtf8();
    }

    /** @return the values of an INT64/INT32 tensor of at most 16 elements, else null */
    private static long[] intValues(TensorProto t) {
        long count = product(t.getDimsList().stream().mapToLong(Long::longValue).toArray());
        if (count > 16) {
            return null;
        }
        int type = t.getDataType();
        if (type == TensorProto.DataType.INT64_VALUE) {
            if (t.getInt64DataCount() > 0) {
                return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
            }
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            long[] out = new long[b.remaining() / 8];
            for (int i = 0; i < out.length; i++) {
                out[i] = b.getLong();
            }
            return out;
        }
        if (type == TensorProto.DataType.INT32_VALUE) {
            if (t.getInt32DataCount() > 0) {
                return t.getInt32DataList().stream().mapToLong(Integer::longValue).toArray();
            }
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            long[] out = new long[b.remaining() / 4];
            for (int i = 0; i < out.length; i++) {
                out[i] = b.getInt();
            }
            return out;
        }
        return null;
    }

    private static long[] shapeOf(ValueInfoProto v) {
        if (!v.getType().hasTensorType() || !v.getType().getTensorType().hasShape()) {
            return null;
        }
        TensorShapeProto s = v.getType().getTensorType().getShape();
        long[] out = new long[s.getDimCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = s.getDim(i).hasDimValue() ? s.getDim(i).getDimValue() : -1;
        }
        return out;
    }

    private static boolean unknown(long[] s) {
        for (long d : s) {
            if (d < 0) {
                return true;
            }
        }
        return false;
    }

    private static long product(long[] dims) {
        return product(dims, 0, dims.length);
    }

    private static long product(long[] dims, int from) {
        return product(dims, from, dims.length);
    }

    private static long product(long[] dims, int from, int to) {
        long p = 1;
        for (int i = from; i < to; i++) {
            p *= dims[i];
        }
        return p;
    }
}
