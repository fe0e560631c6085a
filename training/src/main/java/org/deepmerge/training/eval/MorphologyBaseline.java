package org.deepmerge.training.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.training.data.ImageDataset;

/**
 * The classical baselines fitted together on one set of model inputs, so that {@code evaluate} can put them beside
 * the CNN on any inputs of the same kind: the morphology random forest ({@link MorphologyForest}) and the rotational
 * asymmetry with its logistic calibration ({@link AsymmetryBaseline}), both trained on the training part only, the
 * forest's hyper-parameters chosen on the validation part only.
 *
 * <p>Saved as a directory: {@value #FOREST_FILE} (the Tribuo forest in Tribuo's protobuf format) and
 * {@value #INFO_FILE} (input view, hyper-parameters, validation grid, permutation importances, asymmetry fit, rows).
 *
 * @param forest            the chosen forest
 * @param asymmetry         the asymmetry baseline (central box chosen by training ROC AUC, calibration on training)
 * @param grid              every forest candidate with its validation scores
 * @param importances       permutation importances on the validation part, largest first
 * @param trainRows         training rows
 * @param trainMergers      mergers among them
 * @param validationRows    validation rows
 * @param validationMergers mergers among them
 * @param data              where the inputs came from
 */
public record MorphologyBaseline(MorphologyForest forest, AsymmetryBaseline asymmetry, List<MorphologyForest.Candidate> grid,
                                 List<MorphologyForest.Importance> importances, int trainRows, int trainMergers,
                                 int validationRows, int validationMergers, String data) {
    /** The forest file in a saved directory. */
    public static final String FOREST_FILE = "morphology-rf.tribuo";
    /** The description file in a saved directory. */
    public static final String INFO_FILE = "morphology-rf.json";
    /** Shuffles per feature for the permutation importances. */
    public static final int IMPORTANCE_REPEATS = 10;

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Fits both baselines. Only the training and validation rows are given, so the test part cannot play a part.
     *
     * @param d          model inputs
     * @param train      training rows (forest and asymmetry fits, box choice)
     * @param validation validation rows (forest hyper-parameters, importances)
     * @param view       how the inputs were made
     * @param grid       forest hyper-parameter candidates
     * @param seed       forest and shuffle seed
     * @param progress   told each forest candidate as soon as it is scored
     * @return the fitted baselines
     * @throws DeepMergeException from measuring or training
     */
    public static MorphologyBaseline fit(ImageDataset d, int[] train, int[] validation, MorphologyFeatures.InputView view,
                                         List<MorphologyForest.Params> grid, long seed,
                                         java.util.function.Consumer<MorphologyForest.Candidate> progress) throws DeepMergeException {
        MorphologyForest.Table tr = new MorphologyForest.Table(MorphologyFeatures.measure(d, train, view), d.labels(train));
        MorphologyForest.Table va = new MorphologyForest.Table(MorphologyFeatures.measure(d, validation, view),
                d.labels(validation));
        MorphologyForest.Selection s = MorphologyForest.select(tr, va, grid, view, seed, progress);
        double f = AsymmetryBaseline.selectCentralFraction(d, train, AsymmetryBaseline.FRACTION_GRID);
        AsymmetryBaseline a = new AsymmetryBaseline(d.channels(), d.height(), d.width(), f).fit(d, train);
        return new MorphologyBaseline(s.forest(), a, s.grid(), s.forest().permutationImportance(va, IMPORTANCE_REPEATS, seed),
                train.length, sum(tr.y()), validation.length, sum(va.y()), d.source());
    }

    /**
     * @param dir directory to write (created)
     * @throws DeepMergeException IO_ERROR
     */
    public void save(Path dir) throws DeepMergeException {
        try {
            Files.createDirectories(dir);
            forest.save(dir.resolve(FOREST_FILE));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("method", "morphology-rf");
            m.put("features", MorphologyFeatures.NAMES);
            m.put("missing_value", MorphologyFeatures.MISSING);
            m.put("data", data);
            m.putAll(toJsonMap());
            JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(INFO_FILE).toFile(), m);
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, dir + ": cannot write the baseline: " + e.getMessage(), e);
        }
    }

    /**
     * @param dir a directory written by {@link #save}
     * @return the baselines
     * @throws DeepMergeException IO_ERROR when a file is missing or unreadable, INVALID_MODEL when the forest is not a
     *                            merger classifier or its features differ from {@link MorphologyFeatures#NAMES}
     */
    public static MorphologyBaseline load(Path dir) throws DeepMergeException {
        JsonNode m;
        try {
            m = JSON.readTree(dir.resolve(INFO_FILE).toFile());
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, dir.resolve(INFO_FILE) + ": cannot read: " + e.getMessage(), e);
        }
        try {
            List<String> features = new ArrayList<>();
            m.get("features").forEach(n -> features.add(n.asText()));
            if (!features.equals(MorphologyFeatures.NAMES)) {
                throw new DeepMergeException(Reason.INVALID_MODEL, dir + ": forest features " + features + ", expected "
                        + MorphologyFeatures.NAMES);
            }
            MorphologyFeatures.InputView view = JSON.treeToValue(m.get("input"), MorphologyFeatures.InputView.class);
            MorphologyForest.Params params = JSON.treeToValue(m.get("params"), MorphologyForest.Params.class);
            List<MorphologyForest.Candidate> grid = new ArrayList<>();
            for (JsonNode n : m.get("grid")) {
                grid.add(JSON.treeToValue(n, MorphologyForest.Candidate.class));
            }
            List<MorphologyForest.Importance> imp = new ArrayList<>();
            for (JsonNode n : m.get("importances")) {
                imp.add(JSON.treeToValue(n, MorphologyForest.Importance.class));
            }
            JsonNode a = m.get("asymmetry");
            AsymmetryBaseline asym = AsymmetryBaseline.fitted(view.channels(), view.height(), view.width(),
                    a.get("central_fraction").asDouble(), a.get("slope").asDouble(), a.get("intercept").asDouble());
            return new MorphologyBaseline(MorphologyForest.load(dir.resolve(FOREST_FILE), view, params), asym, grid, imp,
                    m.get("train_rows").asInt(), m.get("train_mergers").asInt(), m.get("validation_rows").asInt(),
                    m.get("validation_mergers").asInt(), m.get("data").asText());
        } catch (IOException | RuntimeException e) {
            throw new DeepMergeException(Reason.IO_ERROR, dir.resolve(INFO_FILE) + ": malformed: " + e.getMessage(), e);
        }
    }

    /**
     * Markdown lines describing the fit: rows, chosen hyper-parameters, the validation grid's best rows and the
     * permutation importances.
     *
     * @return lines for report.md
     */
    public List<String> describe() {
        List<String> md = new ArrayList<>();
        md.add("## Morphology random forest");
        md.add("");
        md.add(String.format(java.util.Locale.ROOT, "Trained on %d rows (%d mergers) of `%s`; hyper-parameters chosen by"
                + " validation ROC AUC on %d rows (%d mergers) among %d candidates: **%s**. Inputs: %s.", trainRows,
                trainMergers, data, validationRows, validationMergers, grid.size(), forest.params(), forest.view()));
        md.add("");
        md.add("| feature | permutation importance (validation ROC AUC drop) |");
        md.add("|---|---|");
        for (MorphologyForest.Importance i : importances) {
            md.add(String.format(java.util.Locale.ROOT, "| %s | %.4f |", i.feature(), i.aucDrop()));
        }
        md.add("");
        md.add(String.format(java.util.Locale.ROOT, "Asymmetry baseline fitted on the same training rows: central box %.2f"
                + " of the side, p = sigmoid(%.3f A %s %.3f).", asymmetry.centralFraction(), asymmetry.slope(),
                asymmetry.intercept() < 0 ? "-" : "+", Math.abs(asymmetry.intercept())));
        return md;
    }

    /**
     * @return report.json entries: parameters, inputs, rows, grid, importances, asymmetry fit
     */
    public Map<String, Object> toJsonMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("input", forest.view());
        m.put("params", forest.params());
        m.put("train_rows", trainRows);
        m.put("train_mergers", trainMergers);
        m.put("validation_rows", validationRows);
        m.put("validation_mergers", validationMergers);
        m.put("grid", grid);
        m.put("importances", importances);
        m.put("asymmetry", Map.of("central_fraction", asymmetry.centralFraction(), "slope", asymmetry.slope(),
                "intercept", asymmetry.intercept()));
        return m;
    }

    private static int sum(int[] y) {
        int s = 0;
        for (int v : y) {
            s += v;
        }
        return s;
    }
}
