package org.deepmerge.training.eval;

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

/**
 * Puts the fitted classical baselines ({@link MorphologyBaseline}: rotational asymmetry and the morphology random
 * forest) beside a model on the same images: their evaluations, paired bootstrap differences model minus each
 * baseline and forest minus asymmetry, the forest's importances, and a Gini-M20 figure of the images
 * coloured by label ({@code gini-m20.png}).
 */
public final class BaselineComparison {
    /** The Gini-M20 figure's file name in the report directory. */
    public static final String GINI_M20_FIGURE = "gini-m20.png";
    /** Row name of the asymmetry baseline. */
    public static final String ASYMMETRY = "asymmetry";
    /** Row name of the forest. */
    public static final String FOREST = "morphology-rf";

    private BaselineComparison() {
    }

    /**
     * The outcome.
     *
     * @param baselines   asymmetry and forest evaluated on the images
     * @param differences paired differences (model - asymmetry and model - forest when there is a model, then forest -
     *                    asymmetry)
     * @param json        entries for report.json ({@code paired_differences}, {@code morphology_rf})
     * @param md          Markdown lines for report.md
     */
    public record Outcome(List<Evaluator.Result> baselines, List<PairedDifference> differences, Map<String, Object> json,
                          List<String> md) {
    }

    /**
     * @param model     the model's evaluation on {@code indices} of {@code data}, or null for the baselines alone
     * @param baseline  the fitted baselines
     * @param view      how {@code data}'s inputs were made (must equal the forest's)
     * @param data      model inputs
     * @param indices   the images to evaluate (the model's, in the same order)
     * @param evaluator evaluator (bootstrap settings)
     * @param resamples bootstrap resamples of the paired differences
     * @param seed      bootstrap seed of the paired differences
     * @param reportDir where the Gini-M20 figure goes (created)
     * @return evaluations, differences and report content
     * @throws DeepMergeException INVALID_CONFIG when the inputs differ from the forest's; IO_ERROR for the figure
     */
    public static Outcome compare(Evaluator.Result model, MorphologyBaseline baseline, MorphologyFeatures.InputView view,
                                  ImageDataset data, int[] indices, Evaluator evaluator, int resamples, long seed,
                                  Path reportDir) throws DeepMergeException {
        baseline.forest().view().requireSame(view);
        Evaluator.Result asym = evaluator.evaluate(ASYMMETRY, baseline.asymmetry(), data, indices);
        Evaluator.Result rf = evaluator.evaluate(FOREST, baseline.forest(), data, indices);
        List<PairedDifference> diffs = new ArrayList<>();
        if (model != null) {
            String name = model.report().name();
            diffs.add(Bootstrap.paired(name, model.probabilities(), ASYMMETRY, asym.probabilities(), model.labels(), 0.5,
                    resamples, seed));
            diffs.add(Bootstrap.paired(name, model.probabilities(), FOREST, rf.probabilities(), model.labels(), 0.5,
                    resamples, seed));
        }
        diffs.add(Bootstrap.paired(FOREST, rf.probabilities(), ASYMMETRY, asym.probabilities(), rf.labels(), 0.5,
                resamples, seed));
        double[][] x = MorphologyFeatures.measure(data, indices, view);
        double[] g = new double[x.length];
        double[] m = new double[x.length];
        int failed = 0;
        for (int i = 0; i < x.length; i++) {
            boolean ok = x[i][MorphologyFeatures.NAMES.size() - 1] == 0 && x[i][MorphologyFeatures.GINI] != MorphologyFeatures.MISSING
                    && x[i][MorphologyFeatures.M20] != MorphologyFeatures.MISSING;
            g[i] = ok ? x[i][MorphologyFeatures.GINI] : Double.NaN;
            m[i] = ok ? x[i][MorphologyFeatures.M20] : Double.NaN;
            failed += ok ? 0 : 1;
        }
        try {
            Files.createDirectories(reportDir);
            Figures.giniM20(reportDir.resolve(GINI_M20_FIGURE), g, m, data.labels(indices),
                    String.format(Locale.ROOT, "Gini-M20 of the %d evaluated inputs", indices.length));
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, reportDir + ": cannot write the Gini-M20 figure: " + e.getMessage(), e);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("paired_differences", diffs.stream().map(PairedDifference::toJsonMap).toList());
        Map<String, Object> rfJson = new LinkedHashMap<>(baseline.toJsonMap());
        rfJson.put("unmeasured_inputs", failed);
        json.put("morphology_rf", rfJson);
        List<String> md = new ArrayList<>();
        md.add("## Paired differences (" + resamples + " paired bootstrap resamples, seed " + seed + ")");
        md.add("");
        md.add(differenceTable(diffs));
        md.add("");
        md.add("An interval that excludes 0 marks a difference unlikely to be a sampling accident (5% level, no correction"
                + " for multiple comparisons).");
        md.add("");
        md.addAll(baseline.describe());
        md.add("");
        md.add(String.format(Locale.ROOT, "Gini-M20 plane of the evaluated inputs (%d without a Gini-M20 measurement"
                + " left out):", failed));
        md.add("");
        md.add("![Gini-M20](" + GINI_M20_FIGURE + ")");
        return new Outcome(List.of(asym, rf), diffs, json, md);
    }

    /**
     * @param diffs paired differences
     * @return a Markdown table, one row per pair
     */
    public static String differenceTable(List<PairedDifference> diffs) {
        StringBuilder sb = new StringBuilder("| difference | n | accuracy | ROC AUC | Brier |\n|---|---|---|---|---|\n");
        for (PairedDifference d : diffs) {
            sb.append("| ").append(d.first()).append(" - ").append(d.second()).append(" | ").append(d.n()).append(" | ")
                    .append(d.accuracy()).append(" | ").append(d.rocAuc()).append(" | ").append(d.brier()).append(" |\n");
        }
        return sb.toString().stripTrailing();
    }
}
