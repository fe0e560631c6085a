package org.deepmerge.training.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.Normalisation;
import org.deepmerge.training.export.ExportResult;
import org.deepmerge.training.export.OnnxExporter;
import org.deepmerge.training.train.Checkpoints;
import org.deepmerge.training.train.ModelInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code export}: a DL4J checkpoint to ONNX (opset 17) with the model contract from its {@link ModelInfo}. */
@Command(name = "export", description = "Export a checkpoint to ONNX with the deepmerge.* contract metadata.")
public final class ExportCommand implements Callable<Integer> {
    // no mixinStandardHelpOptions: its --version would clash with the model's --version
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--model", required = true, description = "DL4J checkpoint (best.zip).")
    Path model;

    @Option(names = "--out", required = true, description = "ONNX file to write.")
    Path out;

    @Option(names = "--name", defaultValue = "deepmerge", description = "Model name (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--version", defaultValue = "0.1.0", description = "Model version (default: ${DEFAULT-VALUE}).")
    String version;

    @Option(names = "--pixel-scale", description = "Model pixel scale, arcsec/px (default: 0.1875 for HLSP filters, 0.396 for image folders).")
    Double pixelScale;

    @Option(names = "--resample", description = "angular | fit (default: angular for HLSP filters, fit for image folders).")
    String resample;

    @Option(names = "--metrics", description = "report.json whose metrics go into " + ModelContract.KEY_METRICS + ".")
    Path metrics;

    @Option(names = "--logits", description = "Leave out the final sigmoid: the output is the merger logit (output kind"
            + " logits), so scores beyond +-17, where a float32 sigmoid is exactly 0 or 1, keep their order and can be"
            + " temperature-scaled (calibrate).")
    boolean logits;

    @Option(names = "--cutout-kind", description = "Contract: the cutout kind the channels want (science | template |"
            + " difference), written as " + ModelContract.KEY_CUTOUT_KIND + " (documentation for users; --channel-map chooses).")
    String cutoutKind;

    @Override
    public Integer call() throws Exception {
        Checkpoints.Loaded loaded = Checkpoints.load(model);
        ExportResult r = OnnxExporter.export(loaded.network(),
                withCutoutKind(metadata(loaded.info(), name, version, pixelScale, resample, metrics)), out, logits);
        System.out.println(r.file() + ": " + r.sizeBytes() + " bytes, sha256 " + r.sha256() + ", output "
                + r.outputName() + " (" + r.outputKind().name().toLowerCase(java.util.Locale.ROOT) + ")");
        return 0;
    }

    private Map<String, String> withCutoutKind(Map<String, String> md) throws DeepMergeException {
        if (cutoutKind != null) {
            if (!org.deepmerge.core.preprocess.ChannelMapping.KINDS.contains(cutoutKind)) {
                throw new DeepMergeException(DeepMergeException.Reason.INVALID_CONFIG, "--cutout-kind " + cutoutKind
                        + " is not one of " + org.deepmerge.core.preprocess.ChannelMapping.KINDS);
            }
            md.put(ModelContract.KEY_CUTOUT_KIND, cutoutKind);
        }
        return md;
    }

    /**
     * The contract of a checkpoint.
     *
     * @param info       checkpoint model info
     * @param name       model name
     * @param version    model version
     * @param pixelScale arcsec/px, or null for the default (HLSP filters 0.1875, else 0.396)
     * @param resample   angular | fit, or null for the default (HLSP filters angular, else fit)
     * @param metrics    report.json to embed, or null
     * @return metadata_props for {@link OnnxExporter#export}
     * @throws java.io.IOException when the metrics file cannot be read
     * @throws DeepMergeException INVALID_CONFIG when the checkpoint's normalisation spec is malformed
     */
    static Map<String, String> metadata(ModelInfo info, String name, String version, Double pixelScale, String resample,
                                        Path metrics) throws java.io.IOException, DeepMergeException {
        boolean hlsp = info.channels().stream().allMatch(c -> c.matches("(?i)f\\d{3,4}[wmn]"));
        Map<String, String> md = new LinkedHashMap<>();
        md.put(ModelContract.KEY_INPUT_SHAPE, "-1," + info.channels().size() + "," + info.height() + "," + info.width());
        md.put(ModelContract.KEY_CHANNELS, String.join(",", info.channels()));
        md.put(ModelContract.KEY_PIXEL_SCALE, Double.toString(pixelScale != null ? pixelScale : hlsp ? 0.1875 : 0.396));
        md.put(ModelContract.KEY_RESAMPLE, resample != null ? resample : hlsp ? "angular" : "fit");
        md.putAll(Normalisation.parse(info.normalisation()).metadata());
        md.put(ModelContract.KEY_CLASSES, "non-merger,merger");
        md.put(ModelContract.KEY_MERGER_CLASS, "merger");
        md.put(ModelContract.KEY_MODEL_NAME, name);
        md.put(ModelContract.KEY_MODEL_VERSION, version);
        md.put(ModelContract.KEY_TRAINING_FINGERPRINT, info.dataFingerprint());
        md.put("deepmerge.training.architecture", info.architecture());
        md.put("deepmerge.training.data", info.dataSource());
        if (!info.parent().isEmpty()) {
            md.put("deepmerge.training.parent", info.parent());
        }
        if (metrics != null) {
            md.put(ModelContract.KEY_METRICS, Files.readString(metrics).replaceAll("\\s+", " ").trim());
        }
        return md;
    }
}
