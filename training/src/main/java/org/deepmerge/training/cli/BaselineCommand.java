package org.deepmerge.training.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.training.data.ImageDataset;
import org.deepmerge.training.data.Split;
import org.deepmerge.training.eval.AsymmetryBaseline;
import org.deepmerge.training.eval.BaselineComparison;
import org.deepmerge.training.eval.Evaluator;
import org.deepmerge.training.eval.MorphologyBaseline;
import org.deepmerge.training.eval.MorphologyFeatures;
import org.deepmerge.training.eval.MorphologyForest;
import org.deepmerge.training.eval.ReportWriter;
import org.deepmerge.training.train.DatasetFingerprint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code baseline}: the classical baselines a CNN must beat, on the test part of a split: rotational asymmetry
 * ({@code --method asymmetry}, the default), or a random forest on the morphology statistics of the model inputs
 * ({@code --method morphology-rf}), whose fit is saved for {@code evaluate --baseline morphology-rf}.
 */
@Command(name = "baseline", mixinStandardHelpOptions = true,
        description = "asymmetry: rotational asymmetry A = sum|I - I_rot180| / sum|I| on the central box, calibrated on the"
                + " training part. morphology-rf: a random forest on C, A, G, M20, S, F, half-light radius and a"
                + " segmentation-failed indicator of the model inputs, trained on the training part, hyper-parameters chosen"
                + " on the validation part, saved to --out. Metrics on the test part.")
public final class BaselineCommand implements Callable<Integer> {
    /** Options that only the forest uses; refused with {@code --method asymmetry}. */
    static final List<String> FOREST_ONLY = List.of("--out", "--model", "--image-pixel-scale", "--pixel-scale", "--trees",
            "--max-depth", "--feature-fraction", "--min-leaf", "--rf-seed");

    @Spec
    CommandSpec spec;

    @Mixin
    DataOptions data;

    @Option(names = "--method", defaultValue = "asymmetry", description = "asymmetry | morphology-rf (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--central-fraction", defaultValue = "auto",
            description = "asymmetry: central box side / image side, or auto: the grid value with the best ROC AUC on the training part (default: ${DEFAULT-VALUE}).")
    String centralFraction;

    @Option(names = "--out", description = "morphology-rf: directory for the fitted baselines (morphology-rf.tribuo, morphology-rf.json).")
    Path out;

    @Option(names = "--model", description = "morphology-rf: an ONNX model whose contract reads the --data image folder"
            + " (channels, size, pixel scale, normalisation), as evaluate does; needs --split.")
    Path model;

    @Option(names = "--image-pixel-scale", defaultValue = "" + org.deepmerge.training.eval.ContractImageFolder.SDSS_PIXEL_SCALE,
            description = "With --model: pixel scale the pictures are assumed to have, arcsec/px (default: ${DEFAULT-VALUE}, SDSS).")
    double imagePixelScale;

    @Option(names = "--pixel-scale", description = "morphology-rf: arcsec/px of the model inputs (default: --model-pixel-scale"
            + " with --reobserve; required otherwise). Only the half-light radius depends on it.")
    Double pixelScale;

    @Option(names = "--trees", split = ",", defaultValue = "100,300", description = "morphology-rf: tree counts to try (default: ${DEFAULT-VALUE}).")
    List<Integer> trees;

    @Option(names = "--max-depth", split = ",", defaultValue = "4,8,0", description = "morphology-rf: tree depths to try, 0 = unlimited (default: ${DEFAULT-VALUE}).")
    List<Integer> maxDepth;

    @Option(names = "--feature-fraction", split = ",", defaultValue = "0.25,0.5,0.75", description = "morphology-rf: fractions of"
            + " the 8 features each split chooses among, in (0,1) (default: ${DEFAULT-VALUE}).")
    List<Float> featureFraction;

    @Option(names = "--min-leaf", split = ",", defaultValue = "5", description = "morphology-rf: smallest training rows per leaf (default: ${DEFAULT-VALUE}).")
    List<Float> minLeaf;

    @Option(names = "--rf-seed", defaultValue = "1", description = "morphology-rf: forest seed (default: ${DEFAULT-VALUE}).")
    long rfSeed;

    @Option(names = "--report", description = "Write report.md, report.json and figures here.")
    Path report;

    @Option(names = "--resamples", defaultValue = "1000", description = "Bootstrap resamples (default: ${DEFAULT-VALUE}).")
    int resamples;

    @Option(names = "--seed", defaultValue = "42", description = "Bootstrap seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        if ("morphology-rf".equalsIgnoreCase(method)) {
            return morphologyForest();
        }
        if (!"asymmetry".equalsIgnoreCase(method)) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--method " + method + ": expected asymmetry or morphology-rf");
        }
        for (String o : FOREST_ONLY) {
            if (given(o)) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, o + " goes with --method morphology-rf, not with --method "
                        + "asymmetry (which fits on the split's training part and writes only --report)");
            }
        }
        ImageDataset d = data.load();
        Split split = data.split(d, DatasetFingerprint.of(d));
        AsymmetryBaseline a = EvaluateCommand.asymmetry(d, split, centralFraction);
        Evaluator.Result r = new Evaluator(resamples, seed).evaluate("asymmetry", a, d, split.test());
        if (report != null) {
            ReportWriter.write(report, r, d, null, null, List.of("data: `" + d.source() + "`, test part of a stratified split, seed "
                    + data.splitSeed, "asymmetry over the central " + a.centralFraction() + " of the image side (" + centralFraction + "); logistic calibration on "
                    + split.train().length + " training images"));
        }
        System.out.println(ReportWriter.table(List.of(r.report())));
        return 0;
    }

    /** @return true when the user typed the option (not a default) */
    private boolean given(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /**
     * Checks the forest's options against each other before anything is read or loaded: the pixel scale comes from
     * exactly one place (the contract of {@code --model}, {@code --model-pixel-scale} of {@code --reobserve}, or
     * {@code --pixel-scale}), {@code --out} is given, and {@code --model} has a split.
     */
    private void checkForestOptions() throws DeepMergeException {
        if (given("--central-fraction")) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--central-fraction goes with --method asymmetry; the"
                    + " morphology-rf fit chooses the asymmetry box itself on the training part");
        }
        if (model != null) {
            for (String o : List.of("--pixel-scale", "--reobserve", "--model-pixel-scale")) {
                if (given(o)) {
                    throw new DeepMergeException(Reason.INVALID_CONFIG, o + " does not apply with --model: the model's"
                            + " contract sets the inputs' grid and pixel scale");
                }
            }
        } else if (given("--image-pixel-scale")) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--image-pixel-scale goes with --model (the pictures'"
                    + " scale for the contract's resampling); without --model give the inputs' scale with --pixel-scale");
        }
        if (data.reobserve != null && pixelScale != null) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--pixel-scale " + pixelScale + " does not apply with"
                    + " --reobserve: the stamps are made at --model-pixel-scale (" + data.modelPixelScale
                    + " arcsec/px); set that instead");
        }
        if (data.reobserve == null && given("--model-pixel-scale")) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--model-pixel-scale goes with --reobserve; without it give"
                    + " the inputs' scale with --pixel-scale");
        }
        if (model == null && data.reobserve == null && pixelScale == null) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--method morphology-rf needs --pixel-scale (arcsec/px of"
                    + " the model inputs) unless --reobserve or --model sets the grid");
        }
        if (pixelScale != null && !(pixelScale > 0 && Double.isFinite(pixelScale))) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--pixel-scale " + pixelScale + ": expected a positive"
                    + " number of arcsec/px");
        }
        checkGrid();
        if (out == null) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--method morphology-rf needs --out DIR for the fitted forest");
        }
        if (model != null && data.splitFile == null && DataOptions.besideModel(model) == null) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--model reads an image folder through its contract;"
                    + " give the split with --split (no split.json beside the model)");
        }
    }

    /** Each forest grid value in its range, named by the option it came from. */
    private void checkGrid() throws DeepMergeException {
        for (int t : trees) {
            requireGrid(t >= 1, "--trees", t, "a whole number >= 1");
        }
        for (int m : maxDepth) {
            requireGrid(m >= 0, "--max-depth", m, "a whole number >= 1, or 0 for unlimited");
        }
        for (float f : featureFraction) {
            requireGrid(f > 0 && f < 1, "--feature-fraction", f, "a fraction strictly between 0 and 1 (1 would be"
                    + " bagging, not a random forest)");
        }
        for (float m : minLeaf) {
            requireGrid(m > 0 && Float.isFinite(m), "--min-leaf", m, "a number of rows > 0");
        }
    }

    private static void requireGrid(boolean ok, String option, Number value, String range) throws DeepMergeException {
        if (!ok) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, option + " " + value + ": expected " + range);
        }
    }

    private int morphologyForest() throws DeepMergeException {
        checkForestOptions();
        List<MorphologyForest.Params> grid = MorphologyForest.grid(trees, maxDepth, featureFraction, minLeaf);
        ImageDataset d;
        Split split;
        MorphologyFeatures.InputView view;
        if (model != null) {
            OnnxData od = OnnxData.load(data, model, imagePixelScale);
            try (org.deepmerge.training.train.OnnxPredictor p = od.predictor()) {
                if (od.split() == null) {
                    throw new DeepMergeException(Reason.INVALID_CONFIG, "--model reads an image folder through its contract;"
                            + " give the split with --split");
                }
                d = od.data();
                split = od.split();
                view = MorphologyFeatures.InputView.of(d, p.contract().normalisation(), p.contract().pixelScaleArcsec());
            }
        } else {
            double scale = pixelScale != null ? pixelScale : data.modelPixelScale;
            d = data.load();
            split = data.split(d, DatasetFingerprint.of(d));
            view = MorphologyFeatures.InputView.of(d, data.normalisation(), scale);
        }
        System.err.println("fitting on " + split.train().length + " training rows, choosing among " + grid.size()
                + " forests on " + split.validation().length + " validation rows (" + view + ")");
        long t0 = System.nanoTime();
        MorphologyBaseline b = MorphologyBaseline.fit(d, split.train(), split.validation(), view, grid, rfSeed,
                c -> System.err.println(String.format(Locale.ROOT, "  %6.0f s  validation ROC AUC %.4f, Brier %.4f: %s",
                        (System.nanoTime() - t0) / 1e9, c.validationAuc(), c.validationBrier(), c.params())));
        b.save(out);
        System.err.println("chosen: " + b.forest().params() + "; saved to " + out);
        Path dir = report != null ? report : out;
        Evaluator ev = new Evaluator(resamples, seed);
        Evaluator.Result rf = ev.evaluate(BaselineComparison.FOREST, b.forest(), d, split.test());
        BaselineComparison.Outcome o = BaselineComparison.compare(null, b, view, d, split.test(), ev, resamples, seed, dir);
        List<String> ctx = new ArrayList<>();
        ctx.add("data: `" + d.source() + "`, test part (" + split.test().length + " rows) of "
                + (data.splitFile != null ? "`" + data.splitFile + "`" : "the split with seed " + data.splitSeed)
                + "; forest and asymmetry fitted on the training part, forest hyper-parameters chosen on the validation part;"
                + " fit saved in `" + out + "`");
        ReportWriter.write(dir, rf, d, null, List.of(o.baselines().get(0)), ctx, o.json(), o.md());
        System.out.println(ReportWriter.table(List.of(rf.report(), o.baselines().get(0).report())));
        System.out.println(BaselineComparison.differenceTable(o.differences()));
        return 0;
    }
}
