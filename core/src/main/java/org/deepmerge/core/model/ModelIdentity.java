package org.deepmerge.core.model;

import java.nio.file.Path;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.io.Sha256;

/**
 * Who produced a score: the model's name and version from its contract, and the SHA-256 of the ONNX file's
 * bytes (lower-case hex, 64 characters), which is the model's identity (DESIGN.md, "model contract").
 *
 * @param name    model name
 * @param version model version
 * @param sha256  SHA-256 of the ONNX file bytes, lower-case hex
 */
public record ModelIdentity(String name, String version, String sha256) {

    /**
     * The model's identity from its bytes ({@link Sha256#hex(byte[])}).
     *
     * @param bytes the ONNX file's bytes
     * @return SHA-256, lower-case hex
     */
    public static String sha256(byte[] bytes) {
        return Sha256.hex(bytes);
    }

    /**
     * The model's identity from its file ({@link Sha256#hex(Path)}).
     *
     * @param file an ONNX file
     * @return SHA-256 of its bytes, lower-case hex
     * @throws DeepMergeException IO_ERROR when the file cannot be read
     */
    public static String sha256(Path file) throws DeepMergeException {
        return Sha256.hex(file);
    }
}
