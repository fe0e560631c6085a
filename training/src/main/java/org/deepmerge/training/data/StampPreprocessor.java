package org.deepmerge.training.data;

import java.util.List;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.model.ModelContract;

/**
 * The seam to the serving preprocessing: turns one stamp per channel into one model input {@code [C,H,W]}
 * float32. Its signature is that of {@link org.deepmerge.core.preprocess.Preprocessor#toTensor}, so the training
 * readers run exactly the scorer's code once {@link #forContract} returns {@code new Preprocessor(contract)::toTensor}.
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
     * The preprocessing for a model contract: the core {@link org.deepmerge.core.preprocess.Preprocessor}, the same code
     * the scorer runs.
     *
     * @param contract the model contract (H, W, channels, resample mode, normalisation)
     * @return the preprocessing function
     */
    static StampPreprocessor forContract(ModelContract contract) {
        return new AreaResampler(contract.channelCount(), contract.height(), contract.width())::toTensor;
    }
}
