package org.deepmerge.training.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.deepmerge.training.export.ExportResult;
import org.deepmerge.training.export.OnnxExporter;
import org.deepmerge.training.publish.ModelPublisher;
import org.deepmerge.training.train.Checkpoints;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code publish}: export a checkpoint and write it with its model card into a models directory. */
@Command(name = "publish", mixinStandardHelpOptions = true,
        description = "Export a checkpoint to <models-dir>/<name>-<version>.onnx with .card.md and .card.json.")
public final class PublishCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "DL4J checkpoint (best.zip).")
    Path model;

    @Option(names = "--models-dir", required = true, description = "Models directory.")
    Path modelsDir;

    @Option(names = "--report", description = "report.json of the held-out evaluation (metrics in the card and the ONNX metadata).")
    Path report;

    @Option(names = "--name", defaultValue = "deepmerge", description = "Model name (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--version", defaultValue = "0.1.0", description = "Model version (default: ${DEFAULT-VALUE}).")
    String version;

    @Option(names = "--pixel-scale", description = "Model pixel scale, arcsec/px (default: 0.1875 for HLSP filters, 0.396 for image folders).")
    Double pixelScale;

    @Option(names = "--resample", description = "angular | fit (default: angular for HLSP filters, fit for image folders).")
    String resample;

    @Option(names = "--command", defaultValue = "", description = "The command(s) that reproduce the model, for the card.")
    String command;

    @Option(names = "--intended-use", defaultValue = "Ranking galaxy cutouts by merger probability in alert streams and archives, as a"
            + " triage aid for human follow-up; the probability is calibrated on the training distribution only.",
            description = "Intended-use text for the card.")
    String intendedUse;

    @Option(names = "--limits", defaultValue = "Trained on one dataset (see training data); scores on other surveys, bands, pixel"
            + " scales or depths are out of distribution until fine-tuned and re-evaluated there. Not a substitute for visual"
            + " classification of individual objects.", description = "Limits text for the card.")
    String limits;

    @Override
    public Integer call() throws Exception {
        Checkpoints.Loaded loaded = Checkpoints.load(model);
        Files.createDirectories(modelsDir);
        Path onnx = modelsDir.resolve(name + "-" + version + ".onnx");
        ExportResult r = OnnxExporter.export(loaded.network(),
                ExportCommand.metadata(loaded.info(), name, version, pixelScale, resample, report), onnx);
        Map<String, Object> metrics = new LinkedHashMap<>();
        if (report != null) {
            for (var e : new ObjectMapper().readValue(report.toFile(), Map.class).entrySet()) {
                metrics.put(String.valueOf(((Map.Entry<?, ?>) e).getKey()), ((Map.Entry<?, ?>) e).getValue());
            }
        }
        String data = loaded.info().dataSource() + " (SHA-256 " + loaded.info().dataFingerprint() + "), channels "
                + loaded.info().channels() + ", " + loaded.info().height() + "x" + loaded.info().width() + ", architecture "
                + loaded.info().architecture() + (loaded.info().parent().isEmpty() ? "" : ", fine-tuned from " + loaded.info().parent());
        Path published = ModelPublisher.publish(r, new ModelPublisher.CardInfo(name, version,
                command.isEmpty() ? "(not given)" : command, data, metrics, intendedUse, limits), modelsDir);
        System.out.println(published + ": " + r.sizeBytes() + " bytes, sha256 " + r.sha256());
        return 0;
    }
}
