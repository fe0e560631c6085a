package org.deepmerge.streams.topology;

import java.util.List;
import java.util.Objects;
import org.deepmerge.core.inference.Prediction;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.ModelIdentity;

/**
 * The shadow candidate as the topology sees it: after the live model has scored a micro-batch, the processor hands
 * the very same prepared images to {@link #score}; the predictions become MergerScore records naming the shadow model
 * on the shadow topic, in the same transaction as the live scores. A shadow never affects the live scores: this
 * method does not throw, and the processor drops (and counts) anything invalid it returns.
 */
public interface ShadowScorer {
    /**
     * @param images n images {@code [n,C,H,W]} float32, concatenated, exactly as the live model got them
     * @param n      number of images
     * @param live   the model that scored them live
     * @return the shadow's predictions, or null when no shadow is set, when the shadow is the live model itself (the
     *         same SHA-256: a model compared with itself tells nothing; logged once), or when it failed (counted as
     *         {@code deepmerge.shadow.failed{reason=exception}} and logged once per shadow model)
     */
    ShadowBatch score(float[] images, int n, ModelIdentity live);

    /** @return the shadow meters (comparison, failures) */
    ShadowMetrics metrics();

    /**
     * One micro-batch scored by the shadow model.
     *
     * @param predictions one per image, in order (the processor checks the count)
     * @param contract    the shadow model's contract (class names)
     * @param identity    the shadow model, stamped on its records
     */
    record ShadowBatch(List<Prediction> predictions, ModelContract contract, ModelIdentity identity) {
        public ShadowBatch {
            predictions = List.copyOf(predictions);
            Objects.requireNonNull(contract, "contract");
            Objects.requireNonNull(identity, "identity");
        }
    }
}
