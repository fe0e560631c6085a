package org.deepmerge.training.data;

import java.util.List;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.preprocess.Preprocessor;

/**
 * The seam to the serving preprocessing: turns one stamp per channel into one model input {@code [C,H,W]}
 * float32. {@link #forContract} returns the core {@link Preprocessor#toTensor}, so training images run exactly the
 * scorer's resampling and normalisation code.
 */
@FunctionalInterface
public interface StampPreprocessor {

    /**
     * @param channelStamps one stamp per channel, in channel order
     * @param dest          destination
     * @param offset        where the {@code [C,H,W]} image starts in dest
     * @throws DeepMergeException WRONG_SHAPE when the channel count does not match
     */
    void toTensor(List<Stamp> channelStamps, float[] dest, int offset) throws DeepMergeException;

    /**
     * The preprocessing for a model contract: the core {@link Preprocessor}, the same code
     * the scorer runs.
     *
     * @param contract the model contract (H, W, channels, resample mode, normalisation)
     * @return the preprocessing function
     */
    static StampPreprocessor forContract(ModelContract contract) {
        return new Preprocessor(contract)::toTensor;
    }
}
