package org.deepmerge.core.io;

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
 * SHA-256 as lower-case hex (64 characters), the one way the project names content: model files (the model's
 * identity), exported ONNX bytes, datasets. Hex is Java's {@link HexFormat}.
 */
public final class Sha256 {
    private static final HexFormat HEX = HexFormat.of();

    private Sha256() {
    }

    /** @return a new SHA-256 digest, for hashing a stream of parts; finish with {@link #hex(MessageDigest)} */
    public static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
    }

    /**
     * @param digest a digest that has been fed; it is reset
     * @return its SHA-256, lower-case hex
     */
    public static String hex(MessageDigest digest) {
        return HEX.formatHex(digest.digest());
    }

    /**
     * @param bytes content
     * @return SHA-256 of the bytes, lower-case hex
     */
    public static String hex(byte[] bytes) {
        return HEX.formatHex(digest().digest(bytes));
    }

    /**
     * Hashes a file in 64 KiB reads (the file is never held in memory).
     *
     * @param file a file
     * @return SHA-256 of its bytes, lower-case hex
     * @throws DeepMergeException IO_ERROR naming the file when it cannot be read
     */
    public static String hex(Path file) throws DeepMergeException {
        MessageDigest md = digest();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int r = in.read(buf); r >= 0; r = in.read(buf)) {
                md.update(buf, 0, r);
            }
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot read " + file + " to hash it: " + e, e);
        }
        return hex(md);
    }
}
