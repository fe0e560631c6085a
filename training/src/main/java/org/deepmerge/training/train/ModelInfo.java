package org.deepmerge.training.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * What a checkpoint needs beyond its weights to be evaluated, fine-tuned or exported: stored as JSON inside the
 * ModelSerializer zip (entry {@value #ZIP_KEY}).
 *
 * @param architecture    command-line name of the network ({@code deepmerge}, ...)
 * @param channels        band/filter of each input channel, in order
 * @param height          H, pixels
 * @param width           W, pixels
 * @param normalisation   input normalisation ({@code none}: raw pixel values as in the DeepMerge paper)
 * @param dataSource      training data path
 * @param dataFingerprint SHA-256 of the training dataset ({@link DatasetFingerprint})
 * @param parent          checkpoint this one was fine-tuned from, or empty
 */
public record ModelInfo(String architecture, List<String> channels, int height, int width, String normalisation,
                        String dataSource, String dataFingerprint, String parent) {

    /** Name of the entry in the checkpoint zip. */
    public static final String ZIP_KEY = "deepmerge-model-info";
    private static final ObjectMapper JSON = new ObjectMapper();

    public ModelInfo {
        channels = List.copyOf(channels);
    }

    /** @return JSON text */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * @param json text from {@link #toJson()}
     * @return the info
     * @throws DeepMergeException INVALID_MODEL when unparseable
     */
    public static ModelInfo fromJson(String json) throws DeepMergeException {
        try {
            return JSON.readValue(json, ModelInfo.class);
        } catch (JsonProcessingException e) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "bad model info in checkpoint: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * @param parentCheckpoint the source checkpoint of a fine-tuned model
     * @param source           new training data
     * @param fingerprint      its fingerprint
     * @return a copy describing the fine-tuned model
     */
    public ModelInfo fineTuned(String parentCheckpoint, String source, String fingerprint) {
        return new ModelInfo(architecture, channels, height, width, normalisation, source, fingerprint, parentCheckpoint);
    }
}
