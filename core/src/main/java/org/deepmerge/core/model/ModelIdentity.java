package org.deepmerge.core.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

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
     * @param bytes the ONNX file's bytes
     * @return SHA-256, lower-case hex
     */
    public static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    /**
     * @param file an ONNX file
     * @return SHA-256 of its bytes, lower-case hex
     * @throws DeepMergeException IO_ERROR when the file cannot be read
     */
    public static String sha256(Path file) throws DeepMergeException {
        MessageDigest md = digest();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int r = in.read(buf); r >= 0; r = in.read(buf)) {
                md.update(buf, 0, r);
            }
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot read model file " + file + ": " + e, e);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
    }
}
