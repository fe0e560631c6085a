package org.deepmerge.core.morphology;

/**
 * Quality of one {@link MorphologyResult}, in increasing order of severity: a result carries the most severe one met.
 * {@link #OK}: nothing went wrong. The <em>suspect</em> flags (statmorph's {@code flag = 1..2}, Rodriguez-Gomez et al.
 * 2019, §3.2) come with values that were computed but may be biased. The <em>failed</em> flags (statmorph's
 * {@code flag = 4}, "catastrophic") come with NaN for every statistic.
 */
public enum MorphologyFlag {
    /** Every statistic was measured without a warning. */
    OK(true),
    /**
     * The sky box (a square of 32, 16, 8, 4 or 2 px free of detected and masked pixels) has
     * {@code |mean| > std}: the image was probably not sky-subtracted, which biases every statistic.
     */
    NOT_SKY_SUBTRACTED(true),
    /** No sky box of at least 2x2 px was found: the asymmetry has no background correction. */
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
     * The central source's segment covers more than {@value Segmentation#TRUNCATION_EDGE_FRACTION} of the stamp's edge
     * pixels: the source extends beyond the stamp, and light-based statistics (C, radii) are biased.
     */
    SEGMENT_TRUNCATED(true),
    /** The central segment's flux sum is &lt;= 0: nothing can be measured (statmorph aborts here too). */
    NONPOSITIVE_FLUX(false),
    /**
     * A region above the detection threshold touches the central area but has fewer than
     * {@value Segmentation#MIN_PIXELS} pixels.
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
