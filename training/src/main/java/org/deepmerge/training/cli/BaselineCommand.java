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
import picocli.CommandLine.Option;

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

    private int morphologyForest() throws DeepMergeException {
        if (out == null) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--method morphology-rf needs --out DIR for the fitted forest");
        }
        List<MorphologyForest.Params> grid;
        try {
            grid = MorphologyForest.grid(trees, maxDepth, featureFraction, minLeaf);
        } catch (IllegalArgumentException e) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, e.getMessage(), e);
        }
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
            double scale = pixelScale != null ? pixelScale : data.reobserve != null ? data.modelPixelScale : Double.NaN;
            if (!(scale > 0)) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, "--method morphology-rf needs --pixel-scale (arcsec/px of"
                        + " the model inputs) unless --reobserve or --model sets the grid");
            }
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
