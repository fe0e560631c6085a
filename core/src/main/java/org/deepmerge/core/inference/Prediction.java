package org.deepmerge.core.inference;

import java.util.List;

/**
 * The model's verdict on one image.
 *
 * @param pMerger       merger probability in [0,1], after the contract's calibration
 * @param probabilities probability of each class, in the contract's class order, summing to 1
 * @param logit         the merger logit {@code ln(p/(1-p))} before calibration (the raw network output for
 *                      {@code logits} models; recovered from the probability for {@code sigmoid}/{@code softmax},
 *                      so +-Infinity where the model's float32 output saturated at 0 or 1); ranks alerts even where
 *                      probabilities round to 0 or 1
 */
public record Prediction(float pMerger, List<Float> probabilities, double logit) {
    public Prediction {
        probabilities = List.copyOf(probabilities);
    }

    /**
     * @param pMerger       merger probability
     * @param probabilities class probabilities
     * @return a prediction whose logit is recovered from {@code pMerger}
     */
    public static Prediction of(float pMerger, List<Float> probabilities) {
        return new Prediction(pMerger, probabilities, Math.log(pMerger) - Math.log1p(-(double) pMerger));
    }
}
