package org.deepmerge.training.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.deepmerge.core.DeepMergeException;
import org.junit.jupiter.api.Test;

class TemperatureScalingTest {

    /**
     * Labels drawn from sigmoid(z) with z ~ N(0, 2^2); the "model" reports z * T0, i.e. it is over-confident by T0
     * (or under-confident for T0 &lt; 1). Temperature scaling must find T close to T0.
     */
    private static double[][] synthetic(double t0, int n, long seed, int[] labels) {
        Random r = new Random(seed);
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            double truth = 2 * r.nextGaussian() - 1.5;
            labels[i] = r.nextDouble() < 1 / (1 + Math.exp(-truth)) ? 1 : 0;
            z[i] = truth * t0;
        }
        return new double[][] {z};
    }

    @Test
    void recoversAKnownTemperatureWithinFivePercent() throws DeepMergeException {
        for (double t0 : new double[] {2.5, 0.6, 1.0, 7.0}) {
            int n = 20_000;
            int[] y = new int[n];
            double[] z = synthetic(t0, n, 11 + (long) (t0 * 10), y)[0];
            TemperatureScaling.Fit fit = TemperatureScaling.fit(z, y);
            assertEquals(t0, fit.temperature(), 0.05 * t0, "T0 = " + t0);
            assertFalse(fit.atBound());
            assertTrue(fit.nllAfter() <= fit.nllBefore() + 1e-12);
            // the minimum: nudging T either way does not lower the NLL
            assertTrue(fit.nllAfter() <= TemperatureScaling.nll(z, y, fit.temperature() * 1.01));
            assertTrue(fit.nllAfter() <= TemperatureScaling.nll(z, y, fit.temperature() / 1.01));
        }
    }

    @Test
    void saturatedProbabilitiesGiveClampedFiniteLogits() throws DeepMergeException {
        assertEquals(Math.log((1 - TemperatureScaling.EPS) / TemperatureScaling.EPS), TemperatureScaling.logit(1.0), 1e-9);
        assertEquals(-TemperatureScaling.logit(1.0), TemperatureScaling.logit(0.0), 1e-9);
        assertEquals(0.0, TemperatureScaling.logit(0.5), 1e-15);
        double[] z = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 3, -3, 1, -1};
        int[] y = {1, 0, 0, 1, 1, 0};
        TemperatureScaling.Fit fit = TemperatureScaling.fit(z, y);
        assertTrue(Double.isFinite(fit.nllBefore()) && fit.temperature() > 0, fit.toString());
        assertEquals(0.5, TemperatureScaling.probability(0, 3), 0);
        assertEquals(1 / (1 + Math.exp(-2.0)), TemperatureScaling.probability(4, 2), 1e-15);
        assertEquals(0.0, TemperatureScaling.probability(-1e6, 1), 1e-300, "no overflow for large negative logits");
    }

    @Test
    void oneClassOrNoImagesIsAnError() {
        assertEquals(DeepMergeException.Reason.INVALID_CONFIG,
                assertThrows(DeepMergeException.class, () -> TemperatureScaling.fit(new double[] {1, 2}, new int[] {1, 1})).reason());
        assertThrows(DeepMergeException.class, () -> TemperatureScaling.fit(new double[0], new int[0]));
        assertThrows(DeepMergeException.class, () -> TemperatureScaling.fit(new double[] {Double.NaN, 1}, new int[] {0, 1}));
    }
}
