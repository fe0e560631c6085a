package org.deepmerge.training.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.training.data.ImageDataset;
import org.deepmerge.training.train.EpochStats;

/**
 * Writes an evaluation into a report directory: {@code report.json}, {@code report.md}, {@code roc.png},
 * {@code confusion.png}, {@code reliability.png} (reliability diagram, {@value Metrics#CALIBRATION_BINS} bins),
 * {@code examples.png}, and {@code training.png} when a training history is given.
 */
public final class ReportWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReportWriter() {
    }

    /**
     * @param dir      report directory (created)
     * @param result   the evaluation
     * @param data     the images (for the example grid)
     * @param history  training history, or null
     * @param baseline a baseline evaluated on the same images for comparison in the ROC figure and table, or null
     * @param context  free-form lines for the Markdown header (command, data, model)
     * @throws DeepMergeException IO_ERROR
     */
    public static void write(Path dir, Evaluator.Result result, ImageDataset data, List<EpochStats> history,
                             Evaluator.Result baseline, List<String> context) throws DeepMergeException {
        write(dir, result, data, history, baseline, context, Map.of(), List.of());
    }

    /**
     * As {@link #write(Path, Evaluator.Result, ImageDataset, List, Evaluator.Result, List)}, with more content.
     *
     * @param dir       report directory (created)
     * @param result    the evaluation
     * @param data      the images (for the example grid)
     * @param history   training history, or null
     * @param baseline  a baseline evaluated on the same images, or null
     * @param context   free-form lines for the Markdown header
     * @param extraJson entries added to report.json after the metrics (e.g. rejected inputs)
     * @param extraMd   Markdown lines appended to report.md
     * @throws DeepMergeException IO_ERROR
     */
    public static void write(Path dir, Evaluator.Result result, ImageDataset data, List<EpochStats> history,
                             Evaluator.Result baseline, List<String> context, Map<String, Object> extraJson,
                             List<String> extraMd) throws DeepMergeException {
        write(dir, result, data, history, baseline == null ? List.of() : List.of(baseline), context, extraJson, extraMd);
    }

    /**
     * As {@link #write(Path, Evaluator.Result, ImageDataset, List, Evaluator.Result, List, Map, List)} with any number
     * of baselines evaluated on the same images: one row each in the table, one curve each in the ROC figure, and their
     * metrics under {@code baselines} in report.json.
     *
     * @param dir       report directory (created)
     * @param result    the evaluation
     * @param data      the images (for the example grid)
     * @param history   training history, or null
     * @param baselines baselines evaluated on the same images, possibly none
     * @param context   free-form lines for the Markdown header
     * @param extraJson entries added to report.json after the metrics
     * @param extraMd   Markdown lines appended to report.md
     * @throws DeepMergeException IO_ERROR
     */
    public static void write(Path dir, Evaluator.Result result, ImageDataset data, List<EpochStats> history,
                             List<Evaluator.Result> baselines, List<String> context, Map<String, Object> extraJson,
                             List<String> extraMd) throws DeepMergeException {
        try {
            Files.createDirectories(dir);
            EvaluationReport r = result.report();
            Map<String, Object> json = new LinkedHashMap<>(r.toJsonMap());
            if (!baselines.isEmpty()) {
                json.put("baselines", baselines.stream().map(b -> b.report().toJsonMap()).toList());
            }
            json.putAll(extraJson);
            JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("report.json").toFile(), json);
            Map<String, double[][]> curves = new LinkedHashMap<>();
            curves.put(String.format(Locale.ROOT, "%s (AUC %.3f)", r.name(), r.rocAuc().value()),
                    Metrics.rocCurve(result.probabilities(), result.labels()));
            for (Evaluator.Result baseline : baselines) {
                curves.put(String.format(Locale.ROOT, "%s (AUC %.3f)", baseline.report().name(), baseline.report().rocAuc().value()),
                        Metrics.rocCurve(baseline.probabilities(), baseline.labels()));
            }
            Figures.roc(dir.resolve("roc.png"), curves);
            Figures.confusion(dir.resolve("confusion.png"), r.confusion());
            Figures.reliability(dir.resolve("reliability.png"),
                    Metrics.reliability(result.probabilities(), result.labels(), Metrics.CALIBRATION_BINS), r.ece().value());
            Figures.exampleGrid(dir.resolve("examples.png"), data, result.indices(), result.probabilities(), 6);
            if (history != null && !history.isEmpty()) {
                Figures.trainingCurves(dir.resolve("training.png"), history);
            }
            List<String> md = new ArrayList<>();
            md.add("# Evaluation: " + r.name());
            md.add("");
            for (String line : context) {
                md.add("- " + line);
            }
            md.add(String.format(Locale.ROOT, "- %d images, %d mergers; threshold %.2f; 95%% intervals from %d bootstrap resamples (seed %d)",
                    r.n(), r.positives(), r.threshold(), r.resamples(), r.seed()));
            md.add("");
            List<EvaluationReport> rows = new ArrayList<>(List.of(r));
            baselines.forEach(b -> rows.add(b.report()));
            md.add(table(rows));
            md.add("");
            md.add(String.format(Locale.ROOT, "Confusion at threshold %.2f: TP %d, FP %d, TN %d, FN %d.", r.threshold(),
                    r.confusion().tp(), r.confusion().fp(), r.confusion().tn(), r.confusion().fn()));
            md.add("");
            md.add(String.format(Locale.ROOT, "Calibration: ECE %s (%d equal-width bins of the merger probability);"
                    + " Brier %s against %s for the constant base-rate predictor (p = %.4f for every image).",
                    r.ece(), Metrics.CALIBRATION_BINS, r.brier(), r.brierBaseRate(), r.n() == 0 ? Double.NaN : (double) r.positives() / r.n()));
            md.add("");
            md.add("![ROC](roc.png) ![confusion](confusion.png) ![reliability diagram](reliability.png)");
            md.add("");
            md.add("![examples: TP, FP, TN, FN rows](examples.png)");
            if (history != null && !history.isEmpty()) {
                md.add("");
                md.add("![training curves](training.png)");
            }
            if (!extraMd.isEmpty()) {
                md.add("");
                md.addAll(extraMd);
            }
            Files.writeString(dir.resolve("report.md"), String.join("\n", md) + "\n");
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, dir + ": cannot write report: " + e.getMessage(), e);
        }
    }

    /**
     * @param reports rows
     * @return a Markdown table, one row per report, every metric with its 95% interval (ECE: {@link Metrics#ece})
     */
    public static String table(List<EvaluationReport> reports) {
        StringBuilder sb = new StringBuilder("| model | n | accuracy | precision | recall | F1 | ROC AUC | Brier | ECE |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|\n");
        for (EvaluationReport r : reports) {
            sb.append("| ").append(r.name()).append(" | ").append(r.n()).append(" | ").append(r.accuracy()).append(" | ")
                    .append(Double.isNaN(r.precision().value()) ? "undefined (no positive predictions)" : r.precision())
                    .append(" | ").append(r.recall()).append(" | ").append(r.f1()).append(" | ")
                    .append(r.rocAuc()).append(" | ").append(r.brier()).append(" | ").append(r.ece()).append(" |\n");
        }
        return sb.toString().stripTrailing();
    }
}
