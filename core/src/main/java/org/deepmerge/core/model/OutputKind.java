package org.deepmerge.core.model;

/** What the model's output tensor holds. */
public enum OutputKind {
    /** {@code [N,1]} (or {@code [N]}) merger probability; classes are (non-merger, merger). */
    SIGMOID,
    /** {@code [N,K]} class probabilities summing to 1. */
    SOFTMAX,
    /** {@code [N,K]} unnormalised scores; the scorer applies softmax. */
    LOGITS
}
