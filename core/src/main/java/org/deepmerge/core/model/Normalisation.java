package org.deepmerge.core.model;

import java.util.List;

/**
 * Per-pixel normalisation applied after resampling, before inference.
 *
 * @param kind     NONE (the DeepMerge paper), STANDARDIZE ({@code (x - mean[c]) / std[c]}) or
 *                 ASINH ({@code asinh(x / softening)})
 * @param mean     per-channel means (STANDARDIZE only, else empty)
 * @param std      per-channel standard deviations, all &gt; 0 (STANDARDIZE only, else empty)
 * @param softening asinh softening parameter in pixel units (ASINH only, else 1)
 */
public record Normalisation(Kind kind, List<Float> mean, List<Float> std, float softening) {

    /** Normalisation kinds. */
    public enum Kind { NONE, STANDARDIZE, ASINH }

    public Normalisation {
        mean = List.copyOf(mean);
        std = List.copyOf(std);
    }

    /** @return no normalisation, as in Ciprijanovic et al. (2020) */
    public static Normalisation none() {
        return new Normalisation(Kind.NONE, List.of(), List.of(), 1f);
    }
}
