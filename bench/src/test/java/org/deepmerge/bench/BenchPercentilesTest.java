package org.deepmerge.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BenchPercentilesTest {

    @Test
    void nearestRankOnOneToHundred() {
        double[] s = new double[100];
        for (int i = 0; i < 100; i++) {
            s[99 - i] = i + 1;
        }
        Percentiles p = Percentiles.of(s);
        assertEquals(50, p.p50());
        assertEquals(95, p.p95());
        assertEquals(99, p.p99());
        assertEquals(100, p.max());
        assertEquals(50.5, p.mean(), 1e-12);
        assertEquals(100, p.count());
        assertEquals(100, s[0], "input left unsorted");
    }

    @Test
    void smallSamplesAndEmpty() {
        Percentiles one = Percentiles.of(new double[] {7});
        assertEquals(7, one.p50());
        assertEquals(7, one.p99());
        Percentiles four = Percentiles.of(new double[] {4, 1, 3, 2});
        assertEquals(2, four.p50());
        assertEquals(4, four.p95());
        assertTrue(Double.isNaN(Percentiles.of(new double[0]).p50()));
    }
}
