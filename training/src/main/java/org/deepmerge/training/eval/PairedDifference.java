package org.deepmerge.training.eval;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Differences of metrics between two predictors on the same images, {@code first - second}, with paired bootstrap 95%
 * intervals: each resample draws one set of images and scores both predictors on it, so the interval reflects only the
 * disagreement between them, not the sampling of images both get right or wrong. An interval that excludes 0 marks a
 * difference unlikely to be a sampling accident at the 5% level (no correction for multiple comparisons).
 *
 * @param first    name of the first predictor
 * @param second   name of the second predictor
 * @param n        images
 * @param accuracy accuracy difference at the threshold
 * @param rocAuc   ROC AUC difference
 * @param brier    Brier score difference (negative: the first is better)
 */
public record PairedDifference(String first, String second, int n, MetricValue accuracy, MetricValue rocAuc,
                               MetricValue brier) {

    /** @return report.json entries, NaN as null */
    public Map<String, Object> toJsonMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("first", first);
        m.put("second", second);
        m.put("n", n);
        EvaluationReport.put(m, "accuracy_diff", accuracy);
        EvaluationReport.put(m, "roc_auc_diff", rocAuc);
        EvaluationReport.put(m, "brier_diff", brier);
        return m;
    }
}
