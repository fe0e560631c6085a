package org.deepmerge.training.export;

import org.deepmerge.core.model.OutputKind;

import java.nio.file.Path;
import java.util.Map;

/**
 * What {@link OnnxExporter#export} wrote.
 *
 * @param file        the ONNX file
 * @param sizeBytes   its size, bytes
 * @param sha256      lower-case hex SHA-256 of the file bytes (the model's identity, DESIGN.md "model contract")
 * @param inputName   graph input, float32 {@code [N,C,H,W]}
 * @param inputShape  {@code {N,C,H,W}}, N = -1 when the batch dimension is dynamic
 * @param outputName  graph output, float32 {@code [N,K]}
 * @param outputKind  what the output holds
 * @param metadata    every {@code metadata_props} entry written
 */
public record ExportResult(Path file, long sizeBytes, String sha256, String inputName, long[] inputShape,
                           String outputName, OutputKind outputKind, Map<String, String> metadata) {

    public ExportResult {
        inputShape = inputShape.clone();
        metadata = Map.copyOf(metadata);
    }

    /** @return a copy of {@code {N,C,H,W}} */
    @Override
    public long[] inputShape() {
        return inputShape.clone();
    }
}
