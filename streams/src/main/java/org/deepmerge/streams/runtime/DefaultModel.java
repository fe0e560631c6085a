package org.deepmerge.streams.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.model.ModelIdentity;

/**
 * The default model embedded in {@code deepmerge.jar} (classpath resource {@value #RESOURCE}, with its model card
 * beside it), used when no {@code --model} is given. How it was trained and its test metrics: docs/sim-to-real.md
 * and {@code deepmerge-default.card.md}.
 */
public final class DefaultModel {
    /** Classpath location of the embedded ONNX file. */
    public static final String RESOURCE = "/models/deepmerge-default.onnx";

    private DefaultModel() {
    }

    /** @return true when this build embeds a default model */
    public static boolean available() {
        return DefaultModel.class.getResource(RESOURCE) != null;
    }

    /**
     * Returns the given model, or the embedded default extracted to a file named by its SHA-256 (ONNX Runtime opens
     * models from files), in {@code java.io.tmpdir}/deepmerge-models.
     *
     * @param explicit the model file the user chose, or null
     * @return a path to an ONNX file
     * @throws DeepMergeException INVALID_MODEL when none was given and none is embedded; IO_ERROR when extraction fails
     */
    public static Path resolve(Path explicit) throws DeepMergeException {
        if (explicit != null) {
            return explicit;
        }
        byte[] bytes;
        try (InputStream in = DefaultModel.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new DeepMergeException(Reason.INVALID_MODEL,
                        "no --model given and this build embeds no default model (" + RESOURCE + ")");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot read the embedded default model: " + e.getMessage(), e);
        }
        String sha = ModelIdentity.sha256(bytes);
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "deepmerge-models");
        Path target = dir.resolve("deepmerge-default-" + sha + ".onnx");
        try {
            if (Files.isRegularFile(target) && ModelIdentity.sha256(target).equals(sha)) {
                return target;
            }
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "deepmerge-default-", ".part");
            Files.write(tmp, bytes);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot extract the default model to " + target + ": " + e.getMessage(), e);
        }
    }
}
