package org.deepmerge.core.synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SersicMathTest {

    @Test
    void bnMatchesTabulatedValues() {
        // exact roots of Gamma(2n) = 2 gamma(2n, b_n) (Ciotti & Bertin 1999, Table 1 / Graham & Driver 2005)
        assertEquals(1.678347, SersicMath.bn(1), 1e-4 * 1.678347);
        assertEquals(7.669249, SersicMath.bn(4), 1e-4 * 7.669249);
        assertEquals(0.693147, SersicMath.bn(0.5), 2e-3);
        assertThrows(IllegalArgumentException.class, () -> SersicMath.bn(0.2));
    }

    @Test
    void lnGammaAndErf() {
        assertEquals(Math.log(24), SersicMath.lnGamma(5), 1e-12);
        assertEquals(0.5 * Math.log(Math.PI), SersicMath.lnGamma(0.5), 1e-12);
        assertEquals(Math.log(Math.sqrt(Math.PI) / 2), SersicMath.lnGamma(1.5), 1e-12);
        assertEquals(0.8427007929, SersicMath.erf(1), 2e-7);
        assertEquals(-0.9953222650, SersicMath.erf(-2), 2e-7);
        assertEquals(0.5, SersicMath.normalCdf(0), 1e-9);
    }

    @Test
    void fluxFactorOfExponentialDisk() {
        // n = 1: F = 2 pi q I_e R_e^2 e^b / b^2
        double b = SersicMath.bn(1);
        assertEquals(2 * Math.PI * 0.5 * Math.exp(b) / (b * b), SersicMath.fluxFactor(1, 0.5), 1e-9);
    }
}
