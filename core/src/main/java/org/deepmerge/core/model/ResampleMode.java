package org.deepmerge.core.model;

/** How a stamp is mapped onto the model's H x W input grid. */
public enum ResampleMode {
    /** Map onto the model's angular grid (contract arcsec/px) with flux-conserving area resampling, zero-padded. */
    ANGULAR,
    /** Stretch the whole stamp to H x W regardless of pixel scale (for models trained that way). */
    FIT
}
