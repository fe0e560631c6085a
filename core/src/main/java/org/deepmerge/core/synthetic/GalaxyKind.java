package org.deepmerge.core.synthetic;

/** Which recipe produced a {@link GalaxySpec}. */
public enum GalaxyKind {
    /** Isolated: one Sersic profile (plus clumps, maybe a faint projected neighbour). */
    SERSIC,
    /** Isolated: exponential disk plus a de Vaucouleurs-like bulge. */
    BULGE_DISK,
    /** Merger: a resolved close pair with tidal tails. */
    PAIR,
    /** Merger: a nearly coalesced pair (separation below ~3 kpc) with tails or shells. */
    LATE_STAGE
}
