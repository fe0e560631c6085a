package org.deepmerge.training.eval;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Test metrics with bootstrap 95% intervals (percentile method, seeded resampling of images with replacement,
 * as in the DeepShadows and DeepMerge uncertainty estimates).
 *
 * @param name       what was evaluated (model file, baseline name)
 * @param n          number of images
 * @param positives  number of mergers among them
 * @param threshold  decision threshold on the merger probability
 * @param resamples  bootstrap resamples
 * @param seed       bootstrap seed
 * @param confusion  confusion counts at the threshold
 * @param accuracy   accuracy
 * @param precision  precision (merger = positive), NaN when nothing is called a merger
 * @param recall     recall
 * @param f1         F1
 * @param rocAuc     ROC AUC
 * @param brier      Brier score
 * @param brierBaseRate Brier score of the constant predictor at the base rate of the same images, {@code pi(1-pi)}
 * @param ece        expected calibration error, 15 equal-width bins ({@link Metrics#ece})
 */
public record EvaluationReport(String name, int n, int positives, double threshold, int resamples, long seed,
                               Metrics.Confusion confusion, MetricValue accuracy, MetricValue precision,
                               MetricValue recall, MetricValue f1, MetricValue rocAuc, MetricValue brier,
                               MetricValue brierBaseRate, MetricValue ece) {

    /**
     * The report.json content: keys {@code n}, then each of accuracy, precision, recall, f1, roc_auc, brier,
     * brier_base_rate, ece with
     * {@code _ci_low}/{@code _ci_high}, plus positives, threshold, confusion counts and bootstrap settings.
     *
     * @return ordered map, NaN values as null
     */
    public Map<String, Object> toJsonMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("n", n);
        m.put("positives", positives);
        put(m, "accuracy", accuracy);
        put(m, "precision", precision);
        put(m, "recall", recall);
        put(m, "f1", f1);
        put(m, "roc_auc", rocAuc);
        put(m, "brier", brier);
        put(m, "brier_base_rate", brierBaseRate);
        put(m, "ece", ece);
        m.put("ece_bins", Metrics.CALIBRATION_BINS);
        m.put("threshold", threshold);
        m.put("tp", confusion.tp());
        m.put("fp", confusion.fp());
        m.put("tn", confusion.tn());
        m.put("fn", confusion.fn());
        m.put("bootstrap_resamples", resamples);
        m.put("bootstrap_seed", seed);
        return m;
    }

    /**
     * @param m   map to fill
     * @param key metric key; the interval goes under {@code key_ci_low} and {@code key_ci_high}
     * @param v   the metric, non-finite values as null
     */
    static void put(Map<String, Object> m, String key, MetricValue v) {
        m.put(key, finite(v.value()));
        m.put(key + "_ci_low", finite(v.ciLow()));
        m.put(key + "_ci_high", finite(v.ciHigh()));
    }

    private static Double finite(double d) {
        return Double.isFinite(d) ? d : null;
    }
}
