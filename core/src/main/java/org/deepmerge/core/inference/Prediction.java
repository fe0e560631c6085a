package org.deepmerge.core.inference;

import java.util.List;

/**
 * The model's verdict on one image.
 *
 * @param pMerger       merger probability in [0,1]
 * @param probabilities probability of each class, in the contract's class order, summing to 1
 */
public record Prediction(float pMerger, List<Float> probabilities) {
    public Prediction {
        probabilities = List.copyOf(probabilities);
    }
}
