package org.deepmerge.training.export;

import ai.onnx.proto.OnnxMl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/** Reads and rewrites the {@code metadata_props} of an ONNX file (ONNX protobuf classes of tribuo-util-onnx). */
public final class OnnxMetadata {
    private OnnxMetadata() {
    }

    /**
     * @param model ONNX file
     * @return its {@code metadata_props}, in file order
     * @throws DeepMergeException IO_ERROR when unreadable, INVALID_MODEL when not an ONNX ModelProto
     */
    public static Map<String, String> read(Path model) throws DeepMergeException {
        Map<String, String> m = new LinkedHashMap<>();
        for (OnnxMl.StringStringEntryProto e : parse(model).getMetadataPropsList()) {
            m.put(e.getKey(), e.getValue());
        }
        return m;
    }

    /**
     * Writes a copy of an ONNX model with metadata entries set: existing entries with these keys are replaced (in
     * place), new ones appended; the graph and every other field are copied unchanged. Written atomically.
     *
     * @param in      ONNX file
     * @param out     file to write (may equal {@code in}); parent directories are created
     * @param entries key to value
     * @throws DeepMergeException IO_ERROR, INVALID_MODEL as {@link #read}
     */
    public static void writeWith(Path in, Path out, Map<String, String> entries) throws DeepMergeException {
        OnnxMl.ModelProto model = parse(in);
        Map<String, String> merged = new LinkedHashMap<>();
        for (OnnxMl.StringStringEntryProto e : model.getMetadataPropsList()) {
            merged.put(e.getKey(), e.getValue());
        }
        merged.putAll(entries);
        OnnxMl.ModelProto.Builder b = model.toBuilder().clearMetadataProps();
        merged.forEach((k, v) -> b.addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        byte[] bytes = b.build().toByteArray();
        OnnxExporter.writeAtomically(bytes, out);
    }

    private static OnnxMl.ModelProto parse(Path model) throws DeepMergeException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(model);
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot read ONNX model " + model + ": " + e.getMessage(), e);
        }
        try {
            OnnxMl.ModelProto p = OnnxMl.ModelProto.parseFrom(bytes);
            if (!p.hasGraph()) {
                throw new DeepMergeException(Reason.INVALID_MODEL, model + ": not an ONNX model (no graph)");
            }
            return p;
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new DeepMergeException(Reason.INVALID_MODEL, model + ": not an ONNX model: " + e.getMessage(), e);
        }
    }
}
