package org.deepmerge.core.morphology;

import java.util.function.DoubleUnaryOperator;
import org.deepmerge.core.synthetic.SersicMath;

/**
 * The morphology statistics of a circular, monotonically decreasing surface-brightness profile I(r), computed from the
 * continuous profile (no pixels) with the same definitions as {@link Morphology}: the expected values of the Sersic
 * tests. Radii are in the units of the profile (pixels in the tests).
 *
 * <ul>
 * <li>F(r) = int_0^r I(s) 2 pi s ds, the flux within r; M(r) = int_0^r I(s) s^2 2 pi s ds, the second moment.</li>
 * <li>Petrosian radius: the mean of I over the annulus [r - 1/2, r + 1/2] (the 1 px annulus of statmorph) equals 0.2
 * times the mean within r.</li>
 * <li>Concentration: C = 5 log10(r80 / r20) with F(r20) = 0.2 F(1.5 r_p) and F(r80) = 0.8 F(1.5 r_p).</li>
 * <li>Gini over the disk of radius R (the Gini segmap of a circular profile is the region brighter than the surface
 * brightness at the Petrosian radius, i.e. the disk r &lt; r_p): sorting the area elements by brightness is sorting
 * them by radius, the faintest fraction p = (R^2 - r^2) / R^2 of the area holds L = 1 - F(r) / F(R) of the flux, and
 * G = 1 - 2 int_0^1 L dp = 1 - (4 / R^2) int_0^R L(r) r dr = 1 - 2 M(R) / (R^2 F(R)) (integrating F(r) r by parts).
 * A uniform disk gives M = pi R^4 / 2, F = pi R^2, G = 0.</li>
 * <li>M20 over the same disk: the brightest pixels are the innermost, so M20 = log10(M(r') / M(R)) with
 * F(r') = 0.2 F(R).</li>
 * </ul>
 */
abstract class AnalyticProfile {
    /** @return the flux within radius r */
    abstract double flux(double r);

    /** @return the second moment int_0^r I(s) s^2 2 pi s ds */
    abstract double moment2(double r);

    /** @return the total flux */
    abstract double totalFlux();

    double petrosianRadius() {
        return solve(r -> {
            double annulus = (flux(r + 0.5) - flux(r - 0.5)) / (Math.PI * ((r + 0.5) * (r + 0.5) - (r - 0.5) * (r - 0.5)));
            double inside = flux(r) / (Math.PI * r * r);
            return annulus / inside - 0.2;
        }, 1, 1e4);
    }

    /** @return the radius holding {@code fraction} of the flux within {@code rTotal} */
    double radiusAtFraction(double rTotal, double fraction) {
        double target = fraction * flux(rTotal);
        return solve(r -> flux(r) - target, 1e-9, rTotal);
    }

    double concentration() {
        double rTotal = 1.5 * petrosianRadius();
        return 5 * Math.log10(radiusAtFraction(rTotal, 0.8) / radiusAtFraction(rTotal, 0.2));
    }

    /** @return C with the total flux to infinity (the textbook value) */
    double concentrationToInfinity() {
        double t = totalFlux();
        double r20 = solve(r -> flux(r) - 0.2 * t, 1e-9, 1e6);
        double r80 = solve(r -> flux(r) - 0.8 * t, 1e-9, 1e6);
        return 5 * Math.log10(r80 / r20);
    }

    double gini(double radius) {
        return 1 - 2 * moment2(radius) / (radius * radius * flux(radius));
    }

    double m20(double radius) {
        return Math.log10(moment2(radiusAtFraction(radius, 0.2)) / moment2(radius));
    }

    /** Bisection for the root of a function that changes sign once on [lo, hi]. */
    static double solve(DoubleUnaryOperator f, double lo, double hi) {
        double flo = f.applyAsDouble(lo);
        for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
            double mid = 0.5 * (lo + hi);
            double fm = f.applyAsDouble(mid);
            if ((fm > 0) == (flo > 0)) {
                lo = mid;
                flo = fm;
            } else {
                hi = mid;
            }
        }
        return 0.5 * (lo + hi);
    }

    /** Composite Simpson rule on [a, b] with n (even) intervals. */
    static double simpson(DoubleUnaryOperator f, double a, double b, int n) {
        double h = (b - a) / n;
        double s = f.applyAsDouble(a) + f.applyAsDouble(b);
        for (int i = 1; i < n; i++) {
            s += (i % 2 == 1 ? 4 : 2) * f.applyAsDouble(a + i * h);
        }
        return s * h / 3;
    }

    /**
     * I(r) = exp(-b_n ((r / r_e)^(1/n) - 1)), b_n from {@link SersicMath#bn} (the profile the renderer draws). With
     * r = r_e t^n: F(r) = 2 pi n r_e^2 e^b int_0^T e^(-b t) t^(2n-1) dt and M(r) = 2 pi n r_e^4 e^b int_0^T
     * e^(-b t) t^(4n-1) dt, T = (r / r_e)^(1/n): smooth integrands, 4000 Simpson intervals, T capped at
     * 100 / b + 4n, beyond which e^(-b t) t^(4n-1) is below e^-70 of its peak.
     */
    static final class Sersic extends AnalyticProfile {
        final double n;
        final double re;
        final double b;

        Sersic(double n, double re) {
            this.n = n;
            this.re = re;
            this.b = SersicMath.bn(n);
        }

        private double upper(double r) {
            return Math.min(Math.pow(Math.max(r, 0) / re, 1 / n), 100 / b + 4 * n);
        }

        @Override
        double flux(double r) {
            double t = upper(r);
            return 2 * Math.PI * n * re * re * Math.exp(b)
                    * simpson(u -> Math.exp(-b * u) * Math.pow(u, 2 * n - 1), 0, t, 4000);
        }

        @Override
        double moment2(double r) {
            double t = upper(r);
            return 2 * Math.PI * n * Math.pow(re, 4) * Math.exp(b)
                    * simpson(u -> Math.exp(-b * u) * Math.pow(u, 4 * n - 1), 0, t, 4000);
        }

        /** 2 pi n r_e^2 e^b Gamma(2n) / b^(2n) (Graham &amp; Driver 2005, eq. 4 with I_e = 1). */
        @Override
        double totalFlux() {
            return 2 * Math.PI * n * re * re * Math.exp(b + SersicMath.lnGamma(2 * n) - 2 * n * Math.log(b));
        }
    }

    /** I(r) = exp(-r^2 / (2 sigma^2)): F = 2 pi s^2 (1 - e^-u), M = 4 pi s^4 (1 - (1 + u) e^-u), u = r^2 / 2 s^2. */
    static final class Gaussian extends AnalyticProfile {
        final double sigma;

        Gaussian(double sigma) {
            this.sigma = sigma;
        }

        @Override
        double flux(double r) {
            double u = r * r / (2 * sigma * sigma);
            return 2 * Math.PI * sigma * sigma * -Math.expm1(-u);
        }

        @Override
        double moment2(double r) {
            double u = r * r / (2 * sigma * sigma);
            return 4 * Math.PI * Math.pow(sigma, 4) * (1 - (1 + u) * Math.exp(-u));
        }

        @Override
        double totalFlux() {
            return 2 * Math.PI * sigma * sigma;
        }
    }
}
