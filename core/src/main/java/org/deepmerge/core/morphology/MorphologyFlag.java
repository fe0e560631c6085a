package org.deepmerge.core.morphology;

/**
 * Quality of one {@link MorphologyResult}, in increasing order of severity: a result carries the most severe one met
 * (among the suspect flags, the input's problems before the measurements' they cause).
 * {@link #OK}: nothing went wrong. The <em>suspect</em> flags (statmorph's {@code flag = 1..2}, Rodriguez-Gomez et al.
 * 2019, §3.2) come with values that were computed but may be biased. The <em>failed</em> flags (statmorph's
 * {@code flag = 4}, "catastrophic", and the significance cut statmorph's documentation leaves to the user) come with NaN
 * for every statistic.
 */
public enum MorphologyFlag {
    /** Every statistic was measured without a warning. */
    OK(true),
    /**
     * Fewer than 16 sky pixels have a sky partner under the asymmetry's rotation: the
     * asymmetry has no background correction.
     */
    NO_SKY_REGION(true),
    /**
     * A Petrosian radius was not bracketed inside the cutout (below the 1 px annulus width, or beyond the cutout
     * diagonal) and was set to that limit.
     */
    PETROSIAN_RADIUS_AT_LIMIT(true),
    /**
     * The asymmetry-centre search tried to leave the cutout, or the asymmetry was undefined there; the centroid was used
     * as the centre, as statmorph does.
     */
    ASYMMETRY_CENTRE_FALLBACK(true),
    /**
     * The Gini segmentation map (Lotz et al. 2004) was empty, covered the whole cutout, or gave non-positive moments: Gini
     * and/or M20 may be NaN.
     */
    GINI_SEGMAP_DEGENERATE(true),
    /**
     * The flux in a concentration or half-light aperture was &lt;= 0 (its absolute value was used, or the radius is NaN
     * for a zero sum), as statmorph's {@code _radius_at_fraction_of_total_circ}.
     */
    APERTURE_FLUX_NOT_POSITIVE(true),
    /**
     * The central source's segment covers more than 10% of the stamp's edge
     * pixels: the source extends beyond the stamp, and light-based statistics (C, radii) are biased.
     */
    SEGMENT_TRUNCATED(true),
    /**
     * The stamp's border has {@code |level| > sigma} (its sigma-clipped median and robust standard deviation,
     * {@link org.deepmerge.core.preprocess.RobustStats#borderSky}): the image was probably not sky-subtracted, which
     * biases every statistic. statmorph makes the same check (|mean| &gt; std) on its sky box; the border is where the
     * project measures the sky, and is less often reached by a galaxy's undetected wings.
     */
    NOT_SKY_SUBTRACTED(true),
    /**
     * The central source is not significant: its average signal-to-noise per pixel over the Gini segmap is below
     * {@value Morphology#MIN_SN_PER_PIXEL} ({@link MorphologyResult#snPerPixel()}, statmorph's {@code sn_per_pixel}),
     * the limit below which Lotz et al. (2006, ApJ 636, 592) and statmorph's documentation do not trust the
     * statistics. On survey stamps such a "source" is mostly a noise peak that the detection's 3x3 smoothing lifted
     * above its threshold, and its C, A, G and M20 describe the noise: every statistic is NaN, the S/N per pixel kept.
     */
    LOW_SIGNAL_TO_NOISE(false),
    /** The central segment's flux sum is &lt;= 0: nothing can be measured (statmorph aborts here too). */
    NONPOSITIVE_FLUX(false),
    /**
     * A region above the detection threshold touches the central area but has fewer than 5 pixels (the smallest
     * source of photutils' {@code npixels = 5} in the statmorph tutorial).
     */
    TOO_FEW_PIXELS(false),
    /** No region above the detection threshold touches the central area (an empty or flat stamp). */
    NO_SOURCE(false);

    private final boolean measured;

    MorphologyFlag(boolean measured) {
        this.measured = measured;
    }

    /** @return true when the statistics were computed (possibly suspect), false when they are all NaN */
    public boolean measured() {
        return measured;
    }

    /** @return true for {@link #OK} only */
    public boolean ok() {
        return this == OK;
    }

    /**
     * @param other another flag
     * @return the more severe of the two
     */
    MorphologyFlag worst(MorphologyFlag other) {
        return other.ordinal() > ordinal() ? other : this;
    }
}
