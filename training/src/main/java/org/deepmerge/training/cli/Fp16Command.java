package org.deepmerge.training.cli;

import ai.onnx.proto.OnnxMl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.training.export.Fp16Converter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code deepmerge-train fp16}: a float16 copy of an ONNX model with the same float32 contract. */
@Command(name = "fp16", description = "Write a float16 copy of an ONNX model (half the weight bytes; float32 input and"
        + " outputs and the deepmerge.* metadata kept; accuracy cost in docs/onnx-export.md).")
public final class Fp16Command implements Callable<Integer> {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--model", required = true, description = "Float32 ONNX model.")
    Path model;

    @Option(names = "--out", required = true, description = "ONNX file to write.")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(model)) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "fp16: no ONNX model at " + model);
        }
        OnnxMl.ModelProto parsed;
        try {
            parsed = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(model));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "fp16: " + model + " is not an ONNX model: " + e.getMessage(), e);
        }
        OnnxMl.ModelProto converted = Fp16Converter.convert(parsed);
        Files.write(out, converted.toByteArray());
        System.out.printf("fp16: %s (%,d bytes) -> %s (%,d bytes)%n", model, Files.size(model), out, Files.size(out));
        return 0;
    }
}
