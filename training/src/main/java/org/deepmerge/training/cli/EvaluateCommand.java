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
import org.deepmerge.training.eval.AsymmetryBaseline;
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

/** {@code evaluate}: metrics with bootstrap intervals, figures and report for a checkpoint on a dataset split. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluate a DL4J checkpoint or an exported ONNX model on the test part of a split (split.json beside the model when it matches the data).")
public final class EvaluateCommand implements Callable<Integer> {
    @Mixin
    DataOptions data;

    @Option(names = "--model", required = true, description = "DL4J checkpoint (best.zip) or exported .onnx model (scored by the core OnnxScorer).")
    Path model;

    @Option(names = "--report", required = true, description = "Report directory (report.md, report.json, PNG figures).")
    Path report;

    @Option(names = "--part", defaultValue = "test", description = "test | validation | train | all (default: ${DEFAULT-VALUE}).")
    String part;

    @Option(names = "--history", description = "history.csv for the training curves (default: beside the model).")
    Path history;

    @Option(names = "--baseline", description = "Also evaluate a baseline on the same images: asymmetry.")
    String baseline;

    @Option(names = "--resamples", defaultValue = "1000", description = "Bootstrap resamples (default: ${DEFAULT-VALUE}).")
    int resamples;

    @Option(names = "--seed", defaultValue = "42", description = "Bootstrap seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", defaultValue = "0", description = "Native (OpenMP) threads; 0 = ND4J default.")
    int threads;

    @Override
    public Integer call() throws Exception {
        TrainCli.threads(threads);
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
        int[] idx = indices(split, d.size());
        Evaluator ev = new Evaluator(resamples, seed);
        Evaluator.Result r;
        try (Predictor p = predictor) {
            r = ev.evaluate(model.getFileName().toString(), p, d, idx);
        }
        Evaluator.Result base = null;
        if ("asymmetry".equalsIgnoreCase(baseline)) {
            base = ev.evaluate("asymmetry", asymmetry(d, split, "auto"), d, idx);
        } else if (baseline != null) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "unknown baseline '" + baseline + "', expected asymmetry");
        }
        Path h = history != null ? history : model.toAbsolutePath().getParent().resolve(Trainer.HISTORY);
        List<EpochStats> hist = readHistory(h);
        List<String> ctx = new ArrayList<>();
        ctx.add("model: `" + model + "` (" + described + ")");
        ctx.add("data: `" + d.source() + "`, part `" + part + "`" + (data.splitFile != null ? " of `" + data.splitFile + "`"
                : " of a stratified split, seed " + data.splitSeed));
        ReportWriter.write(report, r, d, hist, base, ctx);
        System.out.println(ReportWriter.table(base == null ? List.of(r.report()) : List.of(r.report(), base.report())));
        return 0;
    }

    private int[] indices(Split s, int n) throws DeepMergeException {
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
        List<EpochStats> out = new ArrayList<>();
        if (h == null || !Files.isRegularFile(h)) {
            return out;
        }
        try {
            for (String line : Files.readAllLines(h)) {
                if (!line.isBlank() && !line.startsWith("epoch")) {
                    out.add(EpochStats.parse(line));
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            throw new DeepMergeException(Reason.IO_ERROR, h + ": bad history: " + e.getMessage(), e);
        }
        return out;
    }
}
