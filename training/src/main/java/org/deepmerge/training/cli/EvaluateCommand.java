package org.deepmerge.training.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.training.data.ImageDataset;
import org.deepmerge.training.data.Split;
import org.deepmerge.training.eval.AlertEvaluation;
import org.deepmerge.training.eval.AsymmetryBaseline;
import org.deepmerge.training.eval.BaselineComparison;
import org.deepmerge.training.eval.MorphologyBaseline;
import org.deepmerge.training.eval.MorphologyFeatures;
import org.deepmerge.training.eval.ContractImageFolder;
import org.deepmerge.training.eval.Evaluator;
import org.deepmerge.training.eval.ReportWriter;
import org.deepmerge.training.train.Checkpoints;
import org.deepmerge.training.train.DatasetFingerprint;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.training.train.Dl4jPredictor;
import org.deepmerge.training.train.OnnxPredictor;
import org.deepmerge.training.train.Predictor;
import org.deepmerge.training.train.EpochStats;
import org.deepmerge.training.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code evaluate}: metrics with bootstrap intervals, figures and report for a checkpoint on a dataset split, or for
 * an exported ONNX model through the serving path: an image folder read through the model's contract (every image
 * when no split.json sits beside the model), or labelled alerts through the core {@code CutoutPipeline}.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluate a DL4J checkpoint or an exported ONNX model on the test part of a split (split.json beside"
                + " the model when it matches the data). An ONNX model on an image folder reads it through the model's"
                + " contract and scores every image when no split.json sits beside the model; --alerts scores labelled"
                + " alerts through the scorer's CutoutPipeline.")
public final class EvaluateCommand implements Callable<Integer> {
    @Mixin
    DataOptions data;

    @Option(names = "--model", required = true, description = "DL4J checkpoint (best.zip) or exported .onnx model (scored by the core OnnxScorer).")
    Path model;

    @Option(names = "--report", required = true, description = "Report directory (report.md, report.json, PNG figures).")
    Path report;

    @Option(names = "--part", description = "test | validation | train | all (default: test; all for an ONNX model on an"
            + " image folder without a split, and for --alerts).")
    String part;

    @Option(names = "--image-pixel-scale", defaultValue = "" + ContractImageFolder.SDSS_PIXEL_SCALE, description = "ONNX"
            + " model on an image folder: pixel scale the pictures are assumed to have, arcsec/px, for the contract's"
            + " angular resampling (default: ${DEFAULT-VALUE}, SDSS).")
    double imagePixelScale;

    @Option(names = "--no-gate", description = "--alerts: evaluate every prepared alert, also those the applicability"
            + " gate keeps from the model (by default they are listed with the rejects, as deepmerge score skips them).")
    boolean noGate;

    @Option(names = "--alerts", split = ",", paramLabel = "PATH", description = "ONNX model: alert files, directories or"
            + " .tar.gz archives to score through the scorer's CutoutPipeline instead of --data (needs --labels).")
    List<Path> alerts;

    @Option(names = "--labels", description = "With --alerts: CSV with header, a label column (0/1) and objectId and/or"
            + " sourceId.")
    Path labels;

    @Option(names = "--history", description = "history.csv for the training curves (default: beside the model).")
    Path history;

    @Option(names = "--baseline", description = "Also evaluate baselines on the same images: asymmetry (fitted on the"
            + " split's training part, or read from --baseline-model), or morphology-rf (asymmetry and the morphology random"
            + " forest of --baseline-model, with paired bootstrap differences and a Gini-M20 figure).")
    String baseline;

    @Option(names = "--baseline-model", paramLabel = "DIR", description = "The --out directory of baseline --method"
            + " morphology-rf: its forest and asymmetry fit, trained on inputs like the evaluated ones (same size, pixel"
            + " scale and normalisation). Needed for --baseline morphology-rf and for baselines with --alerts.")
    Path baselineModel;

    @Option(names = "--resamples", defaultValue = "1000", description = "Bootstrap resamples (default: ${DEFAULT-VALUE}).")
    int resamples;

    @Option(names = "--seed", defaultValue = "42", description = "Bootstrap seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", defaultValue = "0", description = "Native (OpenMP) threads; 0 = ND4J default.")
    int threads;

    @Override
    public Integer call() throws Exception {
        TrainCli.threads(threads);
        boolean isOnnx = model.getFileName().toString().endsWith(".onnx");
        checkBaselineOptions(alerts != null && !alerts.isEmpty());
        if (alerts != null && !alerts.isEmpty()) {
            return evaluateAlerts(isOnnx);
        }
        if (labels != null) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--labels goes with --alerts");
        }
        data.requireData();
        if (isOnnx && OnnxData.isImageFolder(data.data)) {
            return evaluateFolderThroughContract();
        }
        ImageDataset d = data.load();
        String fp = DatasetFingerprint.of(d);
        boolean onnx = model.getFileName().toString().endsWith(".onnx");
        Predictor predictor;
        String described;
        String trainedOn;
        if (onnx) {
            OnnxPredictor op = new OnnxPredictor(model);
            op.requireInput(d.channels(), d.height(), d.width());
            predictor = op;
            described = "ONNX via core OnnxScorer, channels " + op.contract().channels();
            trainedOn = op.contract().extra().get(ModelContract.KEY_TRAINING_FINGERPRINT);
        } else {
            Checkpoints.Loaded loaded = Checkpoints.load(model);
            predictor = new Dl4jPredictor(loaded.network(), d.channels(), d.height(), d.width(), 128);
            described = loaded.info().architecture() + ", channels " + loaded.info().channels();
            trainedOn = loaded.info().dataFingerprint();
        }
        if (data.splitFile == null && fp.equals(trainedOn)) {
            data.splitFile = DataOptions.besideModel(model);
        }
        Split split = data.split(d, fp);
        int[] idx = indices(split, d.size(), part == null ? "test" : part);
        Evaluator ev = new Evaluator(resamples, seed);
        Evaluator.Result r;
        try (Predictor p = predictor) {
            r = ev.evaluate(model.getFileName().toString(), p, d, idx);
        }
        Baselines base = baselines(r, d, idx, split, data.normalisation(),
                data.reobserve != null ? data.modelPixelScale : Double.NaN, ev);
        Path h = history != null ? history : model.toAbsolutePath().getParent().resolve(Trainer.HISTORY);
        List<EpochStats> hist = readHistory(h);
        List<String> ctx = new ArrayList<>();
        ctx.add("model: `" + model + "` (" + described + ")");
        ctx.add("data: `" + d.source() + "`, part `" + (part == null ? "test" : part) + "`" + (data.splitFile != null ? " of `" + data.splitFile + "`"
                : " of a stratified split, seed " + data.splitSeed));
        ReportWriter.write(report, r, d, hist, base.rows(), ctx, base.json(), base.md());
        System.out.println(base.table(r));
        return 0;
    }

    /**
     * ONNX model on an image folder: images through the model's contract, the split beside the model or every image.
     */
    private int evaluateFolderThroughContract() throws DeepMergeException {
        OnnxData od = OnnxData.load(data, model, imagePixelScale);
        ImageDataset d = od.data();
        int[] idx = od.indices(part);
        Evaluator ev = new Evaluator(resamples, seed);
        Evaluator.Result r;
        ModelContract c = od.predictor().contract();
        try (Predictor p = od.predictor()) {
            r = ev.evaluate(model.getFileName().toString(), p, d, idx);
        }
        Baselines base = baselines(r, d, idx, od.split(), c.normalisation(), c.pixelScaleArcsec(), ev);
        Path h = history != null ? history : model.toAbsolutePath().getParent().resolve(Trainer.HISTORY);
        List<String> ctx = new ArrayList<>();
        ctx.add("model: `" + model + "` (ONNX via core OnnxScorer; contract: channels " + c.channels() + ", "
                + c.height() + "x" + c.width() + " px at " + c.pixelScaleArcsec() + " arcsec/px, resample "
                + c.resample().name().toLowerCase(java.util.Locale.ROOT) + ", normalisation " + c.normalisation().spec()
                + ", calibration temperature " + c.calibrationTemperature() + ")");
        ctx.add("images read through the model contract with the core Preprocessor.toTensor (as the scorer does), pictures"
                + " taken as stamps of " + imagePixelScale + " arcsec/px" + (c.channels().contains("any")
                ? "; channel `any` is the picture's green plane (SDSS r)" : ""));
        if (od.split() == null) {
            ctx.add("data: `" + d.source() + "`: no split.json beside the model and no --split, so EVERY image of the folder"
                    + " is scored (" + idx.length + " of " + d.size() + " rows, part `all`); images the model was trained"
                    + " on may be among them");
        } else {
            ctx.add("data: `" + d.source() + "`, part `" + od.partName(part) + "` of `" + od.splitFile() + "`");
        }
        java.util.Map<String, Object> json = new java.util.LinkedHashMap<>(java.util.Map.of("part", od.partName(part),
                "split", od.splitFile() == null ? "none" : od.splitFile().toString()));
        json.putAll(base.json());
        ReportWriter.write(report, r, d, readHistory(h), base.rows(), ctx, json, base.md());
        System.out.println(base.table(r));
        return 0;
    }

    /** ONNX model on labelled alerts through the scorer's CutoutPipeline; all labelled alerts. */
    private int evaluateAlerts(boolean isOnnx) throws DeepMergeException {
        if (!isOnnx) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--alerts needs an exported .onnx model (its contract drives the pipeline)");
        }
        if (labels == null) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--alerts needs --labels CSV (objectId and/or sourceId, label)");
        }
        if (data.data != null) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "give --data or --alerts, not both");
        }
        if (part != null && !part.equals("all")) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--alerts scores every labelled alert; --part " + part + " does not apply");
        }
        AlertEvaluation.Labels lab = AlertEvaluation.Labels.read(labels);
        Evaluator.Result r;
        AlertEvaluation.Prepared prep;
        ModelContract c;
        Evaluator ev = new Evaluator(resamples, seed);
        int[] idx;
        try (OnnxPredictor p = OnnxPredictor.prepared(model)) {
            c = p.contract();
            prep = AlertEvaluation.prepare(alerts, lab, c, noGate ? org.deepmerge.core.gate.GateConfig.disabled()
                    : org.deepmerge.core.gate.GateConfig.defaults());
            idx = java.util.stream.IntStream.range(0, prep.images().size()).toArray();
            r = ev.evaluate(model.getFileName().toString(), p, prep.images(), idx);
        }
        Baselines base = baselines(r, prep.images(), idx, null, c.normalisation(), c.pixelScaleArcsec(), ev);
        List<String> ctx = new ArrayList<>();
        ctx.add("model: `" + model + "` (ONNX via core OnnxScorer, channels " + c.channels() + ", " + c.height() + "x"
                + c.width() + ")");
        ctx.add("alerts: `" + alerts + "` through the scorer's CutoutPipeline (default channel mapping and stamp limits);"
                + " labels `" + labels + "`");
        ctx.add(prep.read() + " alerts read: " + prep.images().size() + " scored (all labelled ones), "
                + prep.rejected().size() + " rejected by the pipeline, " + prep.unlabelled().size() + " without a label");
        java.util.Map<String, Object> json = new java.util.LinkedHashMap<>();
        json.put("alerts_read", prep.read());
        json.put("rejected_count", prep.rejected().size());
        json.put("unlabelled_count", prep.unlabelled().size());
        json.put("rejected", prep.rejected());
        json.put("unlabelled", prep.unlabelled());
        List<String> md = new ArrayList<>();
        md.add("## Rejected by the pipeline (" + prep.rejected().size() + ")");
        md.add("");
        for (AlertEvaluation.Rejected x : prep.rejected()) {
            md.add("- `" + x.location() + "`: " + x.reason() + ": " + x.message());
        }
        md.add("");
        md.add("## Without a label (" + prep.unlabelled().size() + ")");
        md.add("");
        for (AlertEvaluation.Unlabelled u : prep.unlabelled()) {
            md.add("- `" + u.location() + "`: objectId " + u.objectId() + ", sourceId " + u.sourceId());
        }
        json.putAll(base.json());
        md.add("");
        md.addAll(base.md());
        ReportWriter.write(report, r, prep.images(), null, base.rows(), ctx, json, md);
        System.out.println(base.table(r));
        System.out.println(prep.read() + " alerts read, " + prep.rejected().size() + " rejected, "
                + prep.unlabelled().size() + " without a label (listed in " + report.resolve("report.md") + ")");
        return 0;
    }

    /**
     * Checks {@code --baseline} and {@code --baseline-model} before anything is read: the name first, then what it
     * needs.
     *
     * @param onAlerts whether {@code --alerts} is given (no training split to fit an asymmetry on)
     * @throws DeepMergeException INVALID_CONFIG for an unknown name or a missing or stray {@code --baseline-model}
     */
    private void checkBaselineOptions(boolean onAlerts) throws DeepMergeException {
        if (baseline == null) {
            if (baselineModel != null) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, "--baseline-model goes with --baseline");
            }
            return;
        }
        if (!"asymmetry".equalsIgnoreCase(baseline) && !"morphology-rf".equalsIgnoreCase(baseline)) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "unknown baseline '" + baseline + "'; known: asymmetry,"
                    + " morphology-rf");
        }
        if (baselineModel == null && "morphology-rf".equalsIgnoreCase(baseline)) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--baseline morphology-rf needs --baseline-model DIR"
                    + " (the --out of baseline --method morphology-rf)");
        }
        if (baselineModel == null && onAlerts) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--baseline with --alerts needs --baseline-model DIR (fitted by"
                    + " baseline --method morphology-rf): there is no training split of the alerts to fit on");
        }
    }

    /**
     * Baseline rows and report content for one evaluation.
     *
     * @param rows evaluated baselines, possibly none
     * @param json report.json entries
     * @param md   report.md lines
     */
    private record Baselines(List<Evaluator.Result> rows, java.util.Map<String, Object> json, List<String> md) {
        String table(Evaluator.Result model) {
            List<org.deepmerge.training.eval.EvaluationReport> all = new ArrayList<>(List.of(model.report()));
            rows.forEach(b -> all.add(b.report()));
            return ReportWriter.table(all);
        }
    }

    /**
     * The baselines of {@code --baseline} on the model's images: asymmetry fitted on the split's training part, or
     * the asymmetry and forest of {@code --baseline-model} with paired differences.
     *
     * @param r      the model's evaluation
     * @param d      the model inputs
     * @param idx    the evaluated images
     * @param split  the split (for an asymmetry fit), or null
     * @param norm   the inputs' normalisation
     * @param scale  the inputs' pixel scale, arcsec/px, or NaN when unknown (then the forest's is assumed)
     * @param ev     the evaluator
     */
    private Baselines baselines(Evaluator.Result r, ImageDataset d, int[] idx, Split split,
                                org.deepmerge.core.model.Normalisation norm, double scale, Evaluator ev) throws DeepMergeException {
        if (baseline == null) {
            return new Baselines(List.of(), java.util.Map.of(), List.of());
        }
        if (baselineModel == null) {
            if (split == null) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, "--baseline asymmetry is fitted on the training part of"
                        + " a split; there is no split.json beside the model (pass --split, or --baseline-model)");
            }
            return new Baselines(List.of(ev.evaluate("asymmetry", asymmetry(d, split, "auto"), d, idx)), java.util.Map.of(),
                    List.of());
        }
        MorphologyBaseline b = MorphologyBaseline.load(baselineModel);
        MorphologyFeatures.InputView view = MorphologyFeatures.InputView.of(d, norm,
                Double.isNaN(scale) ? b.forest().view().arcsecPerPixel() : scale);
        BaselineComparison.Outcome o = BaselineComparison.compare(r, b, view, d, idx, ev, resamples, seed, report);
        List<Evaluator.Result> rows = "asymmetry".equalsIgnoreCase(baseline) ? o.baselines().subList(0, 1) : o.baselines();
        List<String> md = new ArrayList<>(List.of("Baselines from `" + baselineModel + "` (fitted on `" + b.data() + "`).", ""));
        md.addAll(o.md());
        return new Baselines(rows, o.json(), md);
    }

    private static int[] indices(Split s, int n, String part) throws DeepMergeException {
        return switch (part) {
            case "test" -> s.test();
            case "validation" -> s.validation();
            case "train" -> s.train();
            case "all" -> java.util.stream.IntStream.range(0, n).toArray();
            default -> throw new DeepMergeException(Reason.INVALID_CONFIG, "--part " + part + ": expected test, validation, train or all");
        };
    }

    /**
     * @param d        dataset
     * @param split    split (calibration and fraction choice on its training part)
     * @param fraction a number, or auto
     * @return the fitted baseline
     */
    static AsymmetryBaseline asymmetry(ImageDataset d, Split split, String fraction) throws DeepMergeException {
        double f;
        try {
            f = "auto".equalsIgnoreCase(fraction)
                    ? AsymmetryBaseline.selectCentralFraction(d, split.train(), AsymmetryBaseline.FRACTION_GRID)
                    : Double.parseDouble(fraction);
        } catch (NumberFormatException e) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--central-fraction " + fraction + ": expected a number in (0,1] or auto");
        }
        if (!(f > 0 && f <= 1)) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--central-fraction " + f + ": expected (0,1]");
        }
        return new AsymmetryBaseline(d.channels(), d.height(), d.width(), f).fit(d, split.train());
    }

    static List<EpochStats> readHistory(Path h) throws DeepMergeException {
        return h == null || !Files.isRegularFile(h) ? new ArrayList<>() : EpochStats.readHistory(h);
    }
}
