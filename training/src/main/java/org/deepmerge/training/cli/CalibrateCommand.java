package org.deepmerge.training.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.inference.OnnxScorer;
import org.deepmerge.core.inference.Prediction;
import org.deepmerge.core.inference.ScorerOptions;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.training.data.ImageDataset;
import org.deepmerge.training.eval.AlertEvaluation;
import org.deepmerge.training.eval.ContractImageFolder;
import org.deepmerge.training.eval.Metrics;
import org.deepmerge.training.eval.TemperatureScaling;
import org.deepmerge.training.export.OnnxMetadata;
import org.deepmerge.training.train.OnnxPredictor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code calibrate}: temperature scaling (Guo et al. 2017) of an exported ONNX model. Scores the validation part
 * through the serving path (as {@code evaluate} does), fits {@code T} minimising the NLL of {@code sigmoid(z/T)}
 * on the merger logits {@code z} before any existing calibration, and writes a copy of the ONNX file with
 * {@value ModelContract#KEY_CALIBRATION_TEMPERATURE} and {@value ModelContract#KEY_CALIBRATION_PRIOR} in its
 * {@code metadata_props}; the scorer then serves {@code sigmoid(z/T)}.
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = "Fit a calibration temperature T on the validation part (NLL of sigmoid(logit/T), Guo et al. 2017)"
                + " and write a copy of the ONNX model with deepmerge.calibration.temperature and .prior.")
public final class CalibrateCommand implements Callable<Integer> {
    /** Metadata key: how the temperature was fitted (free text, kept in the contract's extra entries). */
    public static final String KEY_CALIBRATION_METHOD = "deepmerge.calibration.method";
    /** Metadata key: the images the temperature was fitted on. */
    public static final String KEY_CALIBRATION_DATA = "deepmerge.calibration.data";
    /** Metadata key: NLL (nats per image) at T = 1 and at T, and images used: {@code before,after,n}. */
    public static final String KEY_CALIBRATION_NLL = "deepmerge.calibration.nll";

    @Mixin
    DataOptions data;

    @Option(names = "--model", required = true, description = "Exported .onnx model.")
    Path model;

    @Option(names = "--out", required = true, description = "ONNX file to write (a copy with the calibration metadata; may equal --model).")
    Path out;

    @Option(names = "--part", defaultValue = "validation", description = "Part to fit on: validation | train | test | all"
            + " (default: ${DEFAULT-VALUE}; all for a separate calibration set without a split).")
    String part;

    @Option(names = "--prior", description = "Merger base rate the probabilities refer to (default: the training part's"
            + " base rate; without a split, that of the calibration images).")
    Double prior;

    @Option(names = "--image-pixel-scale", defaultValue = "" + ContractImageFolder.SDSS_PIXEL_SCALE, description = "Image"
            + " folders: assumed pixel scale of the pictures, arcsec/px (default: ${DEFAULT-VALUE}, SDSS).")
    double imagePixelScale;

    @Option(names = "--alerts", split = ",", paramLabel = "PATH", description = "Also (or instead) fit on labelled alerts:"
            + " files, directories or archives scored through the scorer's CutoutPipeline (needs --labels).")
    List<Path> alerts;

    @Option(names = "--labels", description = "--alerts: CSV of objectId and/or sourceId with a 0/1 label column.")
    Path labels;

    @Override
    public Integer call() throws Exception {
        if (!model.getFileName().toString().endsWith(".onnx")) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--model must be an exported .onnx file; export the checkpoint first");
        }
        if (prior != null && !(prior > 0 && prior < 1)) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--prior " + prior + ": expected a base rate in (0,1)");
        }
        if ((alerts == null) != (labels == null)) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--alerts and --labels go together");
        }
        double[] z = new double[0];
        int[] y = new int[0];
        OnnxData od = null;
        ImageDataset d = null;
        int[] idx = new int[0];
        List<String> sources = new java.util.ArrayList<>();
        if (data.data != null) {
            od = OnnxData.load(data, model, imagePixelScale);
            d = od.data();
            try (var p = od.predictor()) {
                idx = od.indices(part);
                z = logits(p, d, idx);
                y = d.labels(idx);
            }
            sources.add(d.source() + ", part " + od.partName(part) + (od.splitFile() != null ? " of " + od.splitFile() : "")
                    + ", " + idx.length + " images");
        }
        if (alerts != null) {
            try (OnnxPredictor p = OnnxPredictor.prepared(model)) {
                AlertEvaluation.Prepared prep = AlertEvaluation.prepare(alerts, AlertEvaluation.Labels.read(labels), p.contract(),
                        org.deepmerge.core.gate.GateConfig.defaults());
                int[] all = java.util.stream.IntStream.range(0, prep.images().size()).toArray();
                z = concat(z, logits(p, prep.images(), all));
                int[] ya = prep.images().labels(all);
                int[] yy = java.util.Arrays.copyOf(y, y.length + ya.length);
                System.arraycopy(ya, 0, yy, y.length, ya.length);
                y = yy;
                sources.add(alerts + " with " + labels + ", " + all.length + " alerts (" + prep.rejected().size()
                        + " rejected, " + prep.unlabelled().size() + " unlabelled)");
            }
        }
        if (z.length == 0) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "nothing to fit on: give --data and/or --alerts with --labels");
        }
        TemperatureScaling.Fit fit = TemperatureScaling.fit(z, y);
        String priorSource;
        double base;
        if (prior != null) {
            base = prior;
            priorSource = "given";
        } else if (od != null && od.split() != null && od.split().train().length > 0) {
            base = mean(d.labels(od.split().train()));
            priorSource = "training part of " + od.splitFile();
        } else {
            base = mean(y);
            priorSource = "calibration images (no split)";
        }
        if (!(base > 0 && base < 1)) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "merger base rate " + base + " (" + priorSource
                    + ") is not in (0,1); pass --prior");
        }
        Map<String, String> md = new LinkedHashMap<>();
        md.put(ModelContract.KEY_CALIBRATION_TEMPERATURE, Double.toString(fit.temperature()));
        md.put(ModelContract.KEY_CALIBRATION_PRIOR, Double.toString(base));
        md.put(KEY_CALIBRATION_METHOD, "temperature scaling (Guo et al. 2017): T minimises the mean NLL of sigmoid(logit/T),"
                + " golden-section search on ln T");
        md.put(KEY_CALIBRATION_DATA, String.join("; ", sources));
        md.put(KEY_CALIBRATION_NLL, String.format(Locale.ROOT, "%.6f,%.6f,%d", fit.nllBefore(), fit.nllAfter(), fit.n()));
        OnnxMetadata.writeWith(model, out, md);
        double check;
        try (OnnxScorer s = OnnxScorer.open(out, ScorerOptions.defaults(), null)) {
            check = s.contract().calibrationTemperature();
        }
        if (Math.abs(check - fit.temperature()) > 1e-12 * fit.temperature()) {
            throw new DeepMergeException(Reason.INVALID_MODEL, out + ": the scorer reads temperature " + check + ", wrote " + fit.temperature());
        }
        float[] before = new float[z.length];
        float[] after = new float[z.length];
        for (int i = 0; i < z.length; i++) {
            before[i] = (float) TemperatureScaling.probability(z[i], 1);
            after[i] = (float) TemperatureScaling.probability(z[i], fit.temperature());
        }
        System.out.printf(Locale.ROOT, "T = %.4f on %d images (%d mergers): %s%s%n", fit.temperature(), z.length,
                java.util.Arrays.stream(y).sum(), String.join("; ", sources), fit.atBound() ? " (AT THE EDGE of the searched range: the data do not constrain T)" : "");
        System.out.printf(Locale.ROOT, "NLL %.4f -> %.4f nats/image; ECE %.4f -> %.4f; Brier %.4f -> %.4f (on the fitting images)%n",
                fit.nllBefore(), fit.nllAfter(), Metrics.ece(before, y), Metrics.ece(after, y), Metrics.brier(before, y),
                Metrics.brier(after, y));
        System.out.printf(Locale.ROOT, "prior %.4f (%s); wrote %s%n", base, priorSource, out);
        return 0;
    }

    private static double[] logits(OnnxPredictor p, ImageDataset d, int[] idx) throws DeepMergeException {
        double[] z = new double[idx.length];
        for (int from = 0; from < idx.length; from += 256) {
            int[] chunk = java.util.Arrays.copyOfRange(idx, from, Math.min(idx.length, from + 256));
            List<Prediction> pr = p.predictions(d.gather(chunk), chunk.length);
            for (int k = 0; k < chunk.length; k++) {
                z[from + k] = pr.get(k).logit();
            }
        }
        return z;
    }

    private static double[] concat(double[] a, double[] b) {
        double[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static double mean(int[] v) {
        return v.length == 0 ? Double.NaN : java.util.Arrays.stream(v).average().orElse(Double.NaN);
    }
}
