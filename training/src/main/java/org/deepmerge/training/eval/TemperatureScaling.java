package org.deepmerge.training.eval;

import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * Temperature scaling (Guo, Pleiss, Sun and Weinberger 2017, "On Calibration of Modern Neural Networks", ICML): one
 * scalar {@code T > 0} for a trained model, the served merger probability being {@code sigmoid(z / T)} for the
 * merger logit {@code z}. {@code T} minimises the mean negative log-likelihood (binary cross-entropy) on held-out
 * labelled images, the validation part, never the test part. The ranking of images (ROC AUC) does not change.
 *
 * <p>The NLL is convex in {@code 1/T}, hence unimodal in {@code ln T}; it is minimised by golden-section search
 * (Kiefer 1953) on {@code ln T} in {@code [ln }{@value #T_MIN}{@code , ln }{@value #T_MAX}{@code ]} to
 * {@code 1e-7} in {@code ln T}.
 */
public final class TemperatureScaling {
    /** Smallest temperature searched. */
    public static final double T_MIN = 0.01;
    /** Largest temperature searched. */
    public static final double T_MAX = 100;
    /**
     * Probability resolution of float32 next to 1 ({@code 2^-24}): a probability output saturated at 0 or 1 is
     * clamped to {@code [EPS, 1 - EPS]} before its logit is taken, i.e. {@code |z| <= 16.64}.
     */
    public static final double EPS = 0x1p-24;

    private static final double GOLDEN = (Math.sqrt(5) - 1) / 2;

    private TemperatureScaling() {
    }

    /**
     * The fitted temperature.
     *
     * @param temperature T &gt; 0 (1 = no change; &gt; 1 softens over-confident probabilities)
     * @param nllBefore   mean NLL at T = 1, nats per image
     * @param nllAfter    mean NLL at T, nats per image
     * @param n           images used
     * @param atBound     true when T lies at the edge of the searched range (the data do not constrain it)
     */
    public record Fit(double temperature, double nllBefore, double nllAfter, int n, boolean atBound) {
    }

    /**
     * @param logits merger logits, exact (a logits export) or recovered from probabilities; +-Infinity (a probability
     *               saturated at 1 or 0) are clamped to {@code +-ln((1 - EPS) / EPS)} as {@link #logit(double)} would
     * @param labels labels 0/1
     * @return the fitted temperature
     * @throws DeepMergeException INVALID_CONFIG when there are no images, lengths differ, a logit is NaN or only one
     *                            class is present (the NLL then falls without bound towards T = 0 or infinity)
     */
    public static Fit fit(double[] logits, int[] labels) throws DeepMergeException {
        if (logits.length != labels.length || logits.length == 0) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "temperature scaling needs labelled images, got "
                    + logits.length + " logits and " + labels.length + " labels");
        }
        int pos = 0;
        double[] z = new double[logits.length];
        for (int i = 0; i < z.length; i++) {
            if (Double.isNaN(logits[i])) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, "logit " + i + " is NaN");
            }
            // exact logits (logits export) are kept; +-Infinity, recovered from a probability that saturated at 0 or
            // 1 in float32, become the largest logit float32 resolves
            double lim = Math.log((1 - EPS) / EPS);
            z[i] = Double.isInfinite(logits[i]) ? Math.copySign(lim, logits[i]) : logits[i];
            pos += labels[i];
        }
        if (pos == 0 || pos == z.length) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "temperature scaling needs both mergers and non-mergers, got "
                    + pos + " of " + z.length);
        }
        double a = Math.log(T_MIN);
        double b = Math.log(T_MAX);
        double c = b - GOLDEN * (b - a);
        double d = a + GOLDEN * (b - a);
        double fc = nll(z, labels, Math.exp(c));
        double fd = nll(z, labels, Math.exp(d));
        while (b - a > 1e-7) {
            if (fc <= fd) {
                b = d;
                d = c;
                fd = fc;
                c = b - GOLDEN * (b - a);
                fc = nll(z, labels, Math.exp(c));
            } else {
                a = c;
                c = d;
                fc = fd;
                d = a + GOLDEN * (b - a);
                fd = nll(z, labels, Math.exp(d));
            }
        }
        double t = Math.exp((a + b) / 2);
        boolean atBound = t < T_MIN * 1.001 || t > T_MAX / 1.001;
        return new Fit(t, nll(z, labels, 1), nll(z, labels, t), z.length, atBound);
    }

    /**
     * Mean binary cross-entropy of {@code sigmoid(z/T)}, computed without overflow as
     * {@code softplus(-a)} for a merger and {@code softplus(a)} for a non-merger, {@code a = z/T}.
     *
     * @param logits merger logits
     * @param labels labels 0/1
     * @param t      temperature &gt; 0
     * @return the mean NLL, nats per image
     */
    public static double nll(double[] logits, int[] labels, double t) {
        double s = 0;
        for (int i = 0; i < logits.length; i++) {
            double a = logits[i] / t;
            s += softplus(labels[i] == 1 ? -a : a);
        }
        return s / logits.length;
    }

    /**
     * @param p a probability, clamped to {@code [EPS, 1 - EPS]}
     * @return {@code ln(p / (1 - p))}
     */
    public static double logit(double p) {
        double q = Math.max(EPS, Math.min(1 - EPS, p));
        return Math.log(q) - Math.log1p(-q);
    }

    /**
     * @param z logit
     * @param t temperature
     * @return {@code sigmoid(z / t)}
     */
    public static double probability(double z, double t) {
        double a = z / t;
        return a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a));
    }

    private static double softplus(double x) {
        return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
    }
}
