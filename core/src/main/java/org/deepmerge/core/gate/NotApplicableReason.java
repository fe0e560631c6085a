package org.deepmerge.core.gate;

/**
 * Why the merger model does not apply to an input: the model was trained on resolved galaxies filling its field, so
 * its output on a star, an empty or truncated stamp or a broken image is not a statement about morphology (issue:
 * "stars score 1.0"). Stable names, written into the {@code reason} field of the MergerScore. Checked by
 * {@link ApplicabilityGate} in declaration order; the first that holds is reported.
 */
public enum NotApplicableReason {
    /** The alert's catalogue context says the source is a star (ZTF: PS1 {@code sgscore1} of the nearest source). */
    POINT_SOURCE_CATALOGUE,
    /** The stamp covers too small a part of the model's angular field (ANGULAR resampling only). */
    STAMP_TOO_SMALL,
    /** Nothing above the noise in the centre of the stamp, or the stamp is constant. */
    EMPTY_STAMP,
    /** The central source on the stamp is no more extended than the PSF. */
    POINT_SOURCE_STAMP,
    /** Too many non-finite pixels were replaced, or a channel of the model input is constant or non-finite. */
    OUT_OF_RANGE
}
