package org.deepmerge.app.demo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.model.ContractOverrides;

/**
 * What {@link DemoRunner} replays and scores.
 *
 * @param alerts    alert files, directories or tar(.gz) archives to replay as archived bytes; empty for synthetic
 *                  cutouts
 * @param count     number of synthetic cutouts (ignored with alerts), &gt;= 1
 * @param model     ONNX model file, or null for the default model embedded in the jar
 * @param overrides model-contract overrides for third-party ONNX files
 * @param seed      seed of the synthetic generator (galaxies and sky positions)
 * @param topK      number of top-scoring objects to list, &gt;= 0
 * @param timeout   how long to wait for every input to be accounted for (score or dead letter)
 */
public record DemoOptions(List<Path> alerts, int count, Path model, ContractOverrides overrides, long seed, int topK,
                          Duration timeout) {

    /** Fraction of mergers in the synthetic set (a balanced set makes ROC AUC and accuracy easy to read). */
    public static final double MERGER_FRACTION = 0.5;

    /**
     * @throws DeepMergeException INVALID_CONFIG for count &lt; 1 (synthetic), topK &lt; 0 or a non-positive timeout
     */
    public DemoOptions validate() throws DeepMergeException {
        if (alerts.isEmpty() && count < 1) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "demo: --count must be >= 1, got " + count);
        }
        if (topK < 0) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "demo: --top must be >= 0, got " + topK);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "demo: timeout must be > 0, got " + timeout);
        }
        return this;
    }

    /** Copies the alert list. */
    public DemoOptions {
        alerts = List.copyOf(alerts);
        overrides = overrides == null ? ContractOverrides.none() : overrides;
    }

    /** @return true when the demo generates its own cutouts */
    public boolean synthetic() {
        return alerts.isEmpty();
    }
}
