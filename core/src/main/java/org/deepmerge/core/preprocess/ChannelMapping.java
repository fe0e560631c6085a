package org.deepmerge.core.preprocess;

import java.util.List;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.alert.CutoutStamp;
import org.deepmerge.core.model.ModelContract;

/** Chooses which of an alert's stamps feeds each model channel. */
public final class ChannelMapping {

    /**
     * @param alert    the alert
     * @param contract the model contract (channel bands)
     * @return one stamp per model channel, in channel order
     * @throws DeepMergeException MISSING_CUTOUT when a needed cutout is absent
     */
    public List<CutoutStamp> select(Alert alert, ModelContract contract) throws DeepMergeException {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
