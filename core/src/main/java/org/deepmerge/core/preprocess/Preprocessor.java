package org.deepmerge.core.preprocess;

import java.util.List;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.model.ModelContract;

/** Turns decoded stamps into one model input image {@code [C,H,W]} float32, per the model contract. */
public final class Preprocessor {
    private final ModelContract contract;

    /** @param contract the model contract */
    public Preprocessor(ModelContract contract) {
        this.contract = contract;
    }

    /**
     * @param channelStamps one stamp per model channel, in channel order
     * @param dest          destination array
     * @param offset        where image {@code [C,H,W]} starts in dest
     * @throws DeepMergeException WRONG_SHAPE when the channel count does not match
     */
    public void toTensor(List<Stamp> channelStamps, float[] dest, int offset) throws DeepMergeException {
        throw new UnsupportedOperationException("not implemented yet " + contract);
    }
}
