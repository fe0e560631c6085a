package org.deepmerge.training.publish;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.training.export.ExportResult;

/**
 * Writes a published model into a models directory: {@code <name>-<version>.onnx} (already exported) next to its
 * model card, {@code <name>-<version>.card.json} and {@code .card.md}: identity (SHA-256, size), input contract,
 * training data, the command that reproduces it, test metrics with intervals, intended use and limits
 * (Mitchell et al. 2019, "Model Cards for Model Reporting").
 */
public final class ModelPublisher {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelPublisher() {
    }

    /**
     * What the card says beyond the ONNX file itself.
     *
     * @param name        model name
     * @param version     model version
     * @param command     the exact command(s) that reproduce the model
     * @param data        training data description
     * @param metrics     test metrics (report.json content), may be empty
     * @param intendedUse intended use
     * @param limits      known limits
     */
    public record CardInfo(String name, String version, String command, String data, Map<String, Object> metrics,
                           String intendedUse, String limits) {
    }

    /**
     * @param export the exported ONNX file (moved into modelsDir when it lives elsewhere)
     * @param info   card content
     * @param modelsDir models directory (created)
     * @return the ONNX path in the models directory
     * @throws DeepMergeException IO_ERROR
     */
    public static Path publish(ExportResult export, CardInfo info, Path modelsDir) throws DeepMergeException {
        String stem = info.name() + "-" + info.version();
        try {
            Files.createDirectories(modelsDir);
            Path onnx = modelsDir.resolve(stem + ".onnx");
            if (!Files.isSameFile(export.file().toAbsolutePath().getParent(), modelsDir.toAbsolutePath())
                    || !export.file().getFileName().toString().equals(onnx.getFileName().toString())) {
                Files.copy(export.file(), onnx, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            Map<String, Object> card = new LinkedHashMap<>();
            card.put("name", info.name());
            card.put("version", info.version());
            card.put("file", onnx.getFileName().toString());
            card.put("sha256", export.sha256());
            card.put("size_bytes", export.sizeBytes());
            card.put("published", Instant.now().toString());
            card.put("input", Map.of("name", export.inputName(), "shape",
                    java.util.Arrays.stream(export.inputShape()).boxed().toList()));
            card.put("output", Map.of("name", export.outputName(), "kind", String.valueOf(export.outputKind())));
            card.put("metadata_props", new java.util.TreeMap<>(export.metadata()));
            card.put("training_data", info.data());
            card.put("command", info.command());
            card.put("metrics", info.metrics());
            card.put("intended_use", info.intendedUse());
            card.put("limits", info.limits());
            JSON.writerWithDefaultPrettyPrinter().writeValue(modelsDir.resolve(stem + ".card.json").toFile(), card);
            Files.writeString(modelsDir.resolve(stem + ".card.md"), markdown(card, info));
            return onnx;
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, modelsDir + ": cannot publish " + stem + ": " + e.getMessage(), e);
        }
    }

    private static String markdown(Map<String, Object> card, CardInfo info) {
        List<String> md = new ArrayList<>();
        md.add("# Model card: " + info.name() + " " + info.version());
        md.add("");
        md.add("- file: `" + card.get("file") + "`, " + card.get("size_bytes") + " bytes, SHA-256 `" + card.get("sha256") + "`");
        md.add("- input: `" + card.get("input") + "`; output: `" + card.get("output") + "`");
        md.add("- training data: " + info.data());
        md.add("");
        md.add("## Reproduce");
        md.add("");
        md.add("```bash");
        md.add(info.command());
        md.add("```");
        md.add("");
        md.add("## Test metrics (95% bootstrap intervals)");
        md.add("");
        Map<String, Object> m = info.metrics();
        if (m.isEmpty()) {
            md.add("not evaluated");
        } else {
            md.add("| metric | value | 95% interval |");
            md.add("|---|---|---|");
            for (String k : List.of("accuracy", "precision", "recall", "f1", "roc_auc", "brier")) {
                if (m.containsKey(k)) {
                    md.add(String.format(Locale.ROOT, "| %s | %s | [%s, %s] |", k, fmt(m.get(k)), fmt(m.get(k + "_ci_low")),
                            fmt(m.get(k + "_ci_high"))));
                }
            }
            if (m.containsKey("n")) {
                md.add("");
                md.add("n = " + m.get("n") + " test images, " + m.getOrDefault("positives", "?") + " mergers.");
            }
        }
        md.add("");
        md.add("## Intended use");
        md.add("");
        md.add(info.intendedUse());
        md.add("");
        md.add("## Limits");
        md.add("");
        md.add(info.limits());
        md.add("");
        md.add("## Contract (`metadata_props`)");
        md.add("");
        @SuppressWarnings("unchecked")
        Map<String, String> props = (Map<String, String>) card.get("metadata_props");
        for (var e : props.entrySet()) {
            md.add("- `" + e.getKey() + "` = `" + e.getValue() + "`");
        }
        return String.join("\n", md) + "\n";
    }

    private static String fmt(Object o) {
        return o instanceof Number n ? String.format(Locale.ROOT, "%.3f", n.doubleValue()) : String.valueOf(o);
    }
}
