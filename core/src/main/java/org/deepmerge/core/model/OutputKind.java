package org.deepmerge.core.model;

/** What the model's output tensor holds. */
public enum OutputKind {
    /** {@code [N,1]} (or {@code [N]}) merger probability; classes are (non-merger, merger). */
    SIGMOID,
    /** {@code [N,K]} class probabilities summing to 1. */
    SOFTMAX,
    /**
     * {@code [N,K]} unnormalised scores; the scorer applies softmax. A single logit ({@code [N]} or {@code [N,1]},
     * e.g. a PyTorch model trained with BCEWithLogitsLoss) goes through the logistic sigmoid instead.
     */
    LOGITS
}
