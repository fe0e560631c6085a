package org.deepmerge.training.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/** DL4J checkpoints: a ModelSerializer zip (configuration, weights, updater) plus the {@link ModelInfo} entry. */
public final class Checkpoints {
    private Checkpoints() {
    }

    /**
     * A restored checkpoint.
     *
     * @param network the network
     * @param info    its input description
     */
    public record Loaded(MultiLayerNetwork network, ModelInfo info) {
    }

    /**
     * Writes atomically (temporary file, then move), so a crash never leaves a half-written checkpoint.
     *
     * @param net  the network
     * @param info input description
     * @param file target zip
     * @throws DeepMergeException IO_ERROR
     */
    public static void save(MultiLayerNetwork net, ModelInfo info, Path file) throws DeepMergeException {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
            ModelSerializer.writeModel(net, tmp.toFile(), true);
            ModelSerializer.addObjectToFile(tmp.toFile(), ModelInfo.ZIP_KEY, info.toJson());
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            throw new DeepMergeException(Reason.IO_ERROR, file + ": cannot write checkpoint: " + e.getMessage(), e);
        }
    }

    /**
     * @param file a checkpoint zip written by {@link #save}
     * @return network (with updater state) and info
     * @throws DeepMergeException IO_ERROR when missing/unreadable, INVALID_MODEL when it lacks the info entry
     */
    public static Loaded load(Path file) throws DeepMergeException {
        if (!Files.isRegularFile(file)) {
            throw new DeepMergeException(Reason.IO_ERROR, file + ": no such checkpoint");
        }
        MultiLayerNetwork net;
        try {
            net = ModelSerializer.restoreMultiLayerNetwork(file.toFile(), true);
        } catch (IOException | RuntimeException e) {
            throw new DeepMergeException(Reason.INVALID_MODEL, file + ": not a DL4J MultiLayerNetwork checkpoint: " + e.getMessage(), e);
        }
        Object json;
        try {
            json = ModelSerializer.getObjectFromFile(file.toFile(), ModelInfo.ZIP_KEY);
        } catch (RuntimeException e) {
            throw new DeepMergeException(Reason.INVALID_MODEL, file + ": checkpoint has no " + ModelInfo.ZIP_KEY + " entry", e);
        }
        return new Loaded(net, ModelInfo.fromJson((String) json));
    }
}
