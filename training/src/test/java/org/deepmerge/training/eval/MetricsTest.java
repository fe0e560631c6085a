package org.deepmerge.training.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MetricsTest {
    // positives score 0.9 and 0.8; negatives 0.8 (a tie), 0.3, 0.2
    private static final float[] P = {0.9f, 0.8f, 0.8f, 0.3f, 0.2f};
    private static final int[] Y = {1, 0, 1, 0, 0};

    @Test
    void confusionDerivedMetricsByHand() {
        Metrics.Confusion c = Metrics.confusion(P, Y, 0.5);
        assertEquals(new Metrics.Confusion(2, 1, 2, 0), c);
        assertEquals(0.8, c.accuracy(), 1e-12);
        assertEquals(2.0 / 3, c.precision(), 1e-12);
        assertEquals(1.0, c.recall(), 1e-12);
        assertEquals(0.8, c.f1(), 1e-12);
        Metrics.Confusion none = Metrics.confusion(new float[] {0.1f, 0.2f}, new int[] {1, 0}, 0.5);
        assertEquals(0, none.precision(), "no merger called: precision 0, as scikit-learn's zero_division=0");
        assertEquals(0, none.f1());
    }

    @Test
    void rocAucCountsTiesAsHalf() {
        // pairs won by the positives: 0.9 beats all 3 negatives, 0.8 ties one (0.5) and beats two: 5.5 / 6
        assertEquals(5.5 / 6, Metrics.rocAuc(P, Y), 1e-12);
        assertEquals(0.5, Metrics.rocAuc(new float[] {0.4f, 0.4f, 0.4f}, new int[] {1, 0, 0}), 1e-12);
        assertEquals(0.0, Metrics.rocAuc(new float[] {0.1f, 0.9f}, new int[] {1, 0}), 1e-12);
        assertTrue(Double.isNaN(Metrics.rocAuc(new float[] {0.1f, 0.9f}, new int[] {1, 1})));
    }

    @Test
    void rocCurveIsTheStaircaseWhoseAreaIsTheAuc() {
        double[][] roc = Metrics.rocCurve(P, Y);
        assertArrayEquals(new double[] {0, 0, 1.0 / 3, 2.0 / 3, 1}, roc[0], 1e-12);
        assertArrayEquals(new double[] {0, 0.5, 1, 1, 1}, roc[1], 1e-12);
        double area = 0;
        for (int k = 1; k < roc[0].length; k++) {
            area += (roc[0][k] - roc[0][k - 1]) * (roc[1][k] + roc[1][k - 1]) / 2;
        }
        assertEquals(Metrics.rocAuc(P, Y), area, 1e-12);
    }

    @Test
    void brierByHand() {
        // (0.1^2 + 0.8^2 + 0.2^2 + 0.3^2 + 0.2^2) / 5
        assertEquals(0.164, Metrics.brier(P, Y), 1e-7);
    }

    @Test
    void bootstrapIsSeededAndBracketsTheValue() {
        float[] p = new float[200];
        int[] y = new int[200];
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < p.length; i++) {
            y[i] = i % 3 == 0 ? 1 : 0;
            p[i] = (float) Math.min(1, Math.max(0, 0.3 + 0.4 * y[i] + 0.25 * r.nextGaussian()));
        }
        EvaluationReport a = Bootstrap.evaluate("m", p, y, 0.5, 1000, 7);
        EvaluationReport b = Bootstrap.evaluate("m", p, y, 0.5, 1000, 7);
        assertEquals(a, b);
        assertNotEquals(a.rocAuc().ciLow(), Bootstrap.evaluate("m", p, y, 0.5, 1000, 8).rocAuc().ciLow());
        for (MetricValue m : new MetricValue[] {a.accuracy(), a.precision(), a.recall(), a.f1(), a.rocAuc(), a.brier(),
                a.ece()}) {
            assertTrue(m.ciLow() <= m.value() && m.value() <= m.ciHigh() && m.ciLow() < m.ciHigh(), m.toString());
        }
        assertEquals(1.075, Bootstrap.percentile(new double[] {1, 2, 3, 4}, 2.5), 1e-12, "numpy linear percentile");
        assertEquals(200, a.toJsonMap().get("n"));
        assertEquals(a.rocAuc().ciHigh(), a.toJsonMap().get("roc_auc_ci_high"));
    }

    @Test
    void eceByHandWithFifteenBins() {
        // bins of width 1/15: 0.1 -> (1/15, 2/15], 0.5 -> (7/15, 8/15], 0.9 -> (13/15, 14/15]
        float[] p = {0.1f, 0.1f, 0.9f, 0.9f, 0.5f};
        int[] y = {0, 1, 1, 1, 0};
        // 2/5 |0.5 - 0.1| + 2/5 |1 - 0.9| + 1/5 |0 - 0.5| = 0.16 + 0.04 + 0.10
        assertEquals(0.30, Metrics.ece(p, y), 1e-6);
        // with 2 bins [0,0.5], (0.5,1]: 3/5 |1/3 - 0.7/3| + 2/5 |1 - 0.9| = 0.06 + 0.04
        assertEquals(0.10, Metrics.ece(p, y, 2), 1e-6);
        java.util.List<Metrics.CalibrationBin> bins = Metrics.reliability(p, y, Metrics.CALIBRATION_BINS);
        assertEquals(15, bins.size());
        assertEquals(2, bins.get(1).count());
        assertEquals(0.5, bins.get(1).observedFraction(), 1e-12);
        assertEquals(0.1, bins.get(1).meanPredicted(), 1e-6);
        assertEquals(1, bins.get(7).count());
        assertEquals(2, bins.get(13).count());
        assertTrue(Double.isNaN(bins.get(0).meanPredicted()), "empty bin");
        assertEquals(5, bins.stream().mapToInt(Metrics.CalibrationBin::count).sum());
    }

    @Test
    void eceIsZeroWhenEachBinIsCalibratedAndEdgesAreClosedAbove() {
        assertEquals(0.0, Metrics.ece(new float[] {0.25f, 0.25f, 0.25f, 0.25f}, new int[] {0, 1, 0, 0}), 1e-7);
        // p = 0 belongs to the first bin, p = 1 to the last; a confident wrong call costs its full weight
        java.util.List<Metrics.CalibrationBin> bins = Metrics.reliability(new float[] {0f, 1f}, new int[] {1, 1}, 15);
        assertEquals(1, bins.get(0).count());
        assertEquals(1, bins.get(14).count());
        assertEquals(0.5, Metrics.ece(new float[] {0f, 1f}, new int[] {1, 1}), 1e-12);
    }

    @Test
    void brierOfTheBaseRatePredictor() {
        // 2 mergers in 5: pi = 0.4, every image gets 0.4: (2 * 0.36 + 3 * 0.16) / 5 = 0.24 = pi (1 - pi)
        assertEquals(0.24, Metrics.brierBaseRate(Y), 1e-12);
        float[] constant = {0.4f, 0.4f, 0.4f, 0.4f, 0.4f};
        assertEquals(Metrics.brier(constant, Y), Metrics.brierBaseRate(Y), 1e-7);
    }

    @Test
    void precisionIsUndefinedWhenNothingIsCalledAMerger() {
        EvaluationReport r = Bootstrap.evaluate("m", new float[] {0.1f, 0.2f, 0.3f, 0.4f}, new int[] {1, 0, 1, 0}, 0.5, 50, 1);
        assertTrue(Double.isNaN(r.precision().value()), r.precision().toString());
        assertEquals(null, r.toJsonMap().get("precision"), "0/0 is null in report.json, as an undefined ROC AUC");
        String table = ReportWriter.table(java.util.List.of(r));
        assertTrue(table.contains("| undefined (no positive predictions) |"), table);
        assertEquals("0.500 [n/a]", new MetricValue(0.5, Double.NaN, Double.NaN).toString());
    }
}
