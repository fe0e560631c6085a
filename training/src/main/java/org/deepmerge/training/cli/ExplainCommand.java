package org.deepmerge.training.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.gate.GateConfig;
import org.deepmerge.core.io.Csv;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.ResampleMode;
import org.deepmerge.training.eval.AlertEvaluation;
import org.deepmerge.training.eval.ContractImageFolder;
import org.deepmerge.training.explain.ExplainInputs;
import org.deepmerge.training.explain.GradCam;
import org.deepmerge.training.explain.Overlays;
import org.deepmerge.training.train.Checkpoints;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code explain}: Grad-CAM maps (Selvaraju et al. 2017) of a DL4J checkpoint's merger score on pictures or alerts,
 * prepared as the model sees them ({@link ExplainInputs}); per input a PNG overlay and the map as FITS, a table
 * {@code explain.csv}, and with labels a TP/FP/TN/FN grid.
 */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Grad-CAM of a DL4J checkpoint's merger score (Selvaraju et al. 2017) on an image folder or on alert"
                + " files, prepared through the serving preprocessing: per input <id>.png (input and overlay, p(merger)"
                + " in the title) and <id>.fits (the map), explain.csv, and grid.png (TP/FP/TN/FN) when labels are known.")
public final class ExplainCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "DL4J checkpoint (best.zip).")
    Path model;

    static final class Source {
        @Option(names = "--images", paramLabel = "DIR", description = "Folder with labels.csv + images/ (labelled), or a"
                + " folder of .jpeg/.png/.fits pictures (unlabelled).")
        Path images;

        @Option(names = "--alerts", split = ",", paramLabel = "PATH", description = "Alert files, directories or .tar.gz"
                + " archives, through the scorer's CutoutPipeline and applicability gate.")
        List<Path> alerts;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--out", required = true, description = "Output directory.")
    Path out;

    @Option(names = "--layer", description = "Target layer name (default: the last convolutional layer, e.g. conv3).")
    String layer;

    @Option(names = "--limit", defaultValue = "0", description = "Explain at most N inputs (default: all).")
    int limit;

    @Option(names = "--labels", description = "With --alerts: labels CSV (label and objectId and/or sourceId), for the grid.")
    Path labels;

    @Option(names = "--no-gate", description = "--alerts: also explain alerts the applicability gate keeps from the model.")
    boolean noGate;

    @Option(names = "--pixel-scale", description = "Model grid arcsec/px (a checkpoint does not record it; default: 1.2"
            + " for a one-channel 'any' --reobserve model, 0.1875 for HLSP filters, 0.396 for pictures).")
    Double pixelScale;

    @Option(names = "--resample", description = "angular | fit (default: angular for 'any' and HLSP models, fit for pictures).")
    String resample;

    @Option(names = "--image-pixel-scale", defaultValue = "" + ContractImageFolder.SDSS_PIXEL_SCALE, description = "--images:"
            + " pixel scale the pictures are taken to have, arcsec/px (default: ${DEFAULT-VALUE}, SDSS).")
    double imagePixelScale;

    @Option(names = "--id-column", defaultValue = "objid", description = "labels.csv id column (default: ${DEFAULT-VALUE}).")
    String idColumn;

    @Option(names = "--label-column", defaultValue = "merger", description = "labels.csv 0/1 column (default: ${DEFAULT-VALUE}).")
    String labelColumn;

    @Option(names = "--threshold", defaultValue = "0.5", description = "grid.png: merger probability at and above which"
            + " an input counts as a positive (default: ${DEFAULT-VALUE}; a model calibrated to a low merger prior calls few"
            + " galaxies at 0.5).")
    double threshold;

    @Option(names = "--grid-per-class", defaultValue = "4", description = "Cells per TP/FP/TN/FN row of grid.png (default: ${DEFAULT-VALUE}).")
    int perClass;

    @Option(names = "--threads", defaultValue = "0", description = "Native (OpenMP) threads; 0 = ND4J default.")
    int threads;

    @Override
    public Integer call() throws Exception {
        TrainCli.threads(threads);
        if (labels != null && source.alerts == null) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--labels goes with --alerts (an image folder has labels.csv)");
        }
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--threshold " + threshold + ": expected [0, 1]");
        }
        if (perClass < 1) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--grid-per-class " + perClass + ": expected >= 1");
        }
        ResampleMode mode = null;
        if (resample != null) {
            try {
                mode = ResampleMode.valueOf(resample.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, "--resample " + resample + ": expected angular or fit");
            }
        }
        Checkpoints.Loaded loaded = Checkpoints.load(model);
        GradCam cam = new GradCam(loaded.network(), layer);
        ModelContract contract = ExplainInputs.contract(loaded.info(), pixelScale, mode);
        ExplainInputs.Prepared prepared;
        if (source.images != null) {
            prepared = ExplainInputs.images(source.images, loaded.info(), contract, imagePixelScale, idColumn, labelColumn, limit);
        } else {
            AlertEvaluation.Labels lab = labels == null ? null : AlertEvaluation.Labels.read(labels);
            prepared = ExplainInputs.alerts(source.alerts, loaded.info(), contract, lab,
                    noGate ? GateConfig.disabled() : GateConfig.defaults(), limit);
        }
        if (prepared.inputs().isEmpty()) {
            throw new DeepMergeException(Reason.WRONG_SHAPE, "nothing to explain: " + prepared.skipped().size()
                    + " inputs skipped" + (prepared.skipped().isEmpty() ? "" : ", e.g. " + prepared.skipped().get(0)));
        }
        int c = loaded.info().channels().size();
        int h = loaded.info().height();
        int w = loaded.info().width();
        int size = c * h * w;
        int n = prepared.inputs().size();
        float[] x = new float[n * size];
        for (int i = 0; i < n; i++) {
            System.arraycopy(prepared.inputs().get(i).image(), 0, x, i * size, size);
        }
        List<GradCam.Map> maps = cam.explain(x, n, c, h, w);
        int survey = contract.channels().size();
        List<Overlays.Explained> explained = new ArrayList<>(n);
        List<List<String>> csv = new ArrayList<>();
        csv.add(List.of("id", "location", "label", "p_merger", "logit", "peak", "argmax_row", "argmax_col", "png", "fits"));
        Map<String, Integer> used = new HashMap<>();
        Files.createDirectories(out);
        for (int i = 0; i < n; i++) {
            ExplainInputs.Input in = prepared.inputs().get(i);
            GradCam.Map m = maps.get(i);
            Overlays.Explained e = new Overlays.Explained(in.id(), in.label(), display(in.image(), survey, h * w), m);
            explained.add(e);
            String stem = fileStem(in.id(), used);
            Overlays.overlay(e, cam.layerName(), out.resolve(stem + ".png"));
            Overlays.fits(e, cam.layerName(), out.resolve(stem + ".fits"));
            int arg = argmax(m.map());
            csv.add(List.of(in.id(), in.location(), in.label() == null ? "" : in.label().toString(),
                    String.format(Locale.ROOT, "%.5f", m.probability()), String.format(Locale.ROOT, "%.4f", m.logit()),
                    String.format(Locale.ROOT, "%.5g", m.peak()), m.peak() > 0 ? Integer.toString(arg / w) : "",
                    m.peak() > 0 ? Integer.toString(arg % w) : "", stem + ".png", stem + ".fits"));
        }
        Csv.write(out.resolve("explain.csv"), csv);
        if (!prepared.skipped().isEmpty()) {
            Files.write(out.resolve("skipped.txt"), prepared.skipped());
        }
        boolean labelled = explained.stream().anyMatch(e -> e.label() != null);
        if (labelled) {
            Overlays.grid(explained, threshold, perClass, String.format(Locale.ROOT, "Grad-CAM %s, called at p >= %.2f",
                    cam.layerName(), threshold), out.resolve("grid.png"));
        }
        System.out.println("explained " + n + " inputs with Grad-CAM of layer " + cam.layerName() + " (model grid "
                + contract.width() + "x" + contract.height() + " at " + contract.pixelScaleArcsec() + "\"/px, "
                + contract.resample().name().toLowerCase(Locale.ROOT) + ", normalisation " + contract.normalisation().spec()
                + ", channels " + loaded.info().channels() + "); " + prepared.skipped().size() + " skipped"
                + (prepared.skipped().isEmpty() ? "" : " (skipped.txt)") + "; wrote " + out.resolve("explain.csv")
                + (labelled ? " and grid.png" : ""));
        return 0;
    }

    /** @return the mean of the first {@code survey} channels of a {@code [C,H,W]} input */
    static float[] display(float[] image, int survey, int plane) {
        float[] d = new float[plane];
        for (int k = 0; k < survey; k++) {
            for (int p = 0; p < plane; p++) {
                d[p] += image[k * plane + p] / survey;
            }
        }
        return d;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    /** A file-name-safe, unique stem for an id ({@code objectId/sourceId} becomes {@code objectId_sourceId}). */
    static String fileStem(String id, Map<String, Integer> used) {
        String s = id.replaceAll("[^A-Za-z0-9._-]", "_");
        if (s.isEmpty()) {
            s = "input";
        }
        int k = used.merge(s, 1, Integer::sum);
        return k == 1 ? s : s + "-" + k;
    }
}
