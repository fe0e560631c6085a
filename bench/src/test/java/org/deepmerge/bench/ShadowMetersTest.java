package org.deepmerge.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deepmerge.core.model.ModelIdentity;
import org.junit.jupiter.api.Test;

/** The timed-part figures of the shadow meters leave the warm-up out (given durations, nothing timed). */
class ShadowMetersTest {
    private static final ModelIdentity MODEL = new ModelIdentity("m", "1", "ab".repeat(32));

    @Test
    void percentilesAndMeanCoverOnlyTheRunsAfterTheMark() {
        ShadowMeters meters = new ShadowMeters(0.5, 100);
        for (int i = 0; i < 200; i++) {
            meters.metrics().inference(50_000_000L);
        }
        meters.timedPartStarts();
        for (int i = 0; i < 100; i++) {
            meters.metrics().inference(2_000_000L);
        }
        ShadowMeters.Figures f = meters.figures(MODEL);
        assertEquals(100, f.runsTimed());
        assertEquals(2.0, f.meanMs(), 1e-9);
        assertTrue(Math.abs(f.p99Ms() - 2.0) < 0.1 && Math.abs(f.p50Ms() - 2.0) < 0.1, f.toString());
        assertEquals(0, f.records());
        assertEquals(0, f.failed());
    }

    @Test
    void noRunsInTheTimedPartGiveNaN() {
        ShadowMeters meters = new ShadowMeters(0.5, 100);
        meters.metrics().inference(1_000_000L);
        meters.timedPartStarts();
        ShadowMeters.Figures f = meters.figures(MODEL);
        assertEquals(0, f.runsTimed());
        assertTrue(Double.isNaN(f.meanMs()) && Double.isNaN(f.p99Ms()), f.toString());
    }
}
