package org.deepmerge.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The comparison math, checked against values computed by hand. */
class ShadowComparisonTest {
    @Test
    void tiesGetTheirMeanRank() {
        assertArrayEquals(new double[] {1, 2.5, 2.5, 4}, ShadowComparison.ranks(new double[] {1, 2, 2, 3}));
        assertArrayEquals(new double[] {2, 2, 2}, ShadowComparison.ranks(new double[] {5, 5, 5}));
    }

    @Test
    void spearmanWithTiesByHand() {
        // ranks x 1, 2.5, 2.5, 4 and y 1, 3, 2, 4: deviations (-1.5, 0, 0, 1.5) and (-1.5, .5, -.5, 1.5),
        // sum of products 4.5, sums of squares 4.5 and 5: rho = 4.5 / sqrt(22.5) = sqrt(0.9)
        double rho = ShadowComparison.spearman(new double[] {1, 2, 2, 3}, new double[] {10, 30, 20, 40});
        assertEquals(Math.sqrt(0.9), rho, 1e-12);
        assertEquals(-1.0, ShadowComparison.spearman(new double[] {1, 2, 3}, new double[] {0.9, 0.5, 0.1}), 1e-12);
        assertTrue(Double.isNaN(ShadowComparison.spearman(new double[] {1, 2}, new double[] {3, 3})), "constant side");
        assertTrue(Double.isNaN(ShadowComparison.spearman(new double[] {1}, new double[] {1})), "one pair");
    }

    @Test
    void agreementTableAndMeanDelta() {
        ShadowComparison c = new ShadowComparison(0.5, 10);
        c.add(0.6, 0.7); // both merger
        c.add(0.6, 0.4); // live only
        c.add(0.2, 0.5); // shadow only: p >= threshold is a merger
        c.add(0.1, 0.3); // neither
        assertFalse(c.add(Double.NaN, 0.3), "a NaN is not a pair");
        ShadowComparison.Summary s = c.summary();
        assertEquals(4, s.pairs());
        assertEquals(1, s.bothPositive());
        assertEquals(1, s.liveOnly());
        assertEquals(1, s.shadowOnly());
        assertEquals(1, s.bothNegative());
        assertEquals(0.5, s.agreement(), 1e-12);
        assertEquals(0.2, s.meanAbsDelta(), 1e-12);
        // ranks live 3.5, 3.5, 2, 1 and shadow 4, 2, 3, 1; deviations from 2.5: (1, 1, -.5, -1.5) and
        // (1.5, -.5, .5, -1.5), sum of products 3, sums of squares 4.5 and 5: rho = 3 / sqrt(22.5)
        assertEquals(3 / Math.sqrt(22.5), s.spearman(), 1e-12);
    }

    @Test
    void spearmanCoversOnlyTheWindow() {
        ShadowComparison c = new ShadowComparison(0.5, 3);
        c.add(0.9, 0.1);
        c.add(0.1, 0.9);
        c.add(0.2, 0.3);
        c.add(0.4, 0.45);
        c.add(0.8, 0.6);
        ShadowComparison.Summary s = c.summary();
        assertEquals(5, s.pairs(), "every pair counts for agreement and |Δp|");
        assertEquals(3, s.windowPairs());
        assertEquals(1.0, s.spearman(), 1e-12, "the two discordant pairs left the window");
        assertEquals(3.0 / 5, s.agreement(), 1e-12);
        c.reset();
        assertEquals(0, c.pairs());
        assertTrue(Double.isNaN(c.spearman()) && Double.isNaN(c.agreement()) && Double.isNaN(c.meanAbsDelta()));
    }

    @Test
    void invalidSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ShadowComparison(1.5, 10));
        assertThrows(IllegalArgumentException.class, () -> new ShadowComparison(0.5, 1));
    }
}
