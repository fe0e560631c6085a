package org.deepmerge.training.publish;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * The model card published beside every ONNX file (after Mitchell et al. 2019, "Model Cards for Model Reporting"):
 * what the model is, what it was trained on and how, how well it does (test metrics with 95% intervals), what it is
 * for, and where it fails. Written as {@code <name>-<version>.card.json} ({@link #toJson()}, the snake_case keys
 * below) and {@code <name>-<version>.card.md} ({@link #toMarkdown()}); the JSON travels in the
 * {@code ModelArtifact.modelCardJson} field of the model topic.
 *
 * @param name            model name (file-name safe: {@code [A-Za-z0-9][A-Za-z0-9._-]*}); JSON {@code name}
 * @param version         model version (same alphabet); JSON {@code version}
 * @param sha256          SHA-256 of the published ONNX file, lower-case hex; blank until published; JSON {@code sha256}
 * @param data            training/evaluation data: source, size, split, bands, pixel scale; JSON {@code data}
 * @param trainingCommand the exact command line(s) that reproduce the model; JSON {@code training_command}
 * @param metrics         test metrics by name (accuracy, precision, recall, f1, roc_auc, brier, n, ...), each with its
 *                        bootstrap 95% interval where measured; JSON {@code metrics}
 * @param intendedUse     what the scores are for and for whom; JSON {@code intended_use}
 * @param limits          known limitations (domain, bands, depth, class balance); JSON {@code limits}
 * @param deviations      where the model deviates from the published architecture/training; JSON {@code deviations}
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ModelCard(@JsonProperty("name") String name,
                        @JsonProperty("version") String version,
                        @JsonProperty("sha256") String sha256,
                        @JsonProperty("data") String data,
                        @JsonProperty("training_command") String trainingCommand,
                        @JsonProperty("metrics") Map<String, Metric> metrics,
                        @JsonProperty("intended_use") String intendedUse,
                        @JsonProperty("limits") List<String> limits,
                        @JsonProperty("deviations") List<String> deviations) {

    /** Allowed model names and versions: they become file names and the Kafka record key. */
    public static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * One metric on the held-out test set.
     *
     * @param value  the metric on the full test set
     * @param ciLow  lower end of the 95% interval (bootstrap 2.5th percentile), or null if not measured
     * @param ciHigh upper end of the 95% interval (bootstrap 97.5th percentile), or null if not measured
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Metric(@JsonProperty("value") double value,
                         @JsonProperty("ci_low") Double ciLow,
                         @JsonProperty("ci_high") Double ciHigh) {
        /** @param value a metric without interval (e.g. n) @return the metric */
        public static Metric of(double value) {
            return new Metric(value, null, null);
        }
    }

    public ModelCard {
        sha256 = sha256 == null ? "" : sha256;
        metrics = metrics == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        limits = limits == null ? List.of() : List.copyOf(limits);
        deviations = deviations == null ? List.of() : List.copyOf(deviations);
    }

    /** @param v name @return a copy with it set */
    public ModelCard withName(String v) {
        return new ModelCard(v, version, sha256, data, trainingCommand, metrics, intendedUse, limits, deviations);
    }

    /** @param v version @return a copy with it set */
    public ModelCard withVersion(String v) {
        return new ModelCard(name, v, sha256, data, trainingCommand, metrics, intendedUse, limits, deviations);
    }

    /** @param v SHA-256 of the ONNX file, lower-case hex @return a copy with it set */
    public ModelCard withSha256(String v) {
        return new ModelCard(name, version, v, data, trainingCommand, metrics, intendedUse, limits, deviations);
    }

    /** @param v data description @return a copy with it set */
    public ModelCard withData(String v) {
        return new ModelCard(name, version, sha256, v, trainingCommand, metrics, intendedUse, limits, deviations);
    }

    /** @param v training command @return a copy with it set */
    public ModelCard withTrainingCommand(String v) {
        return new ModelCard(name, version, sha256, data, v, metrics, intendedUse, limits, deviations);
    }

    /** @param v metrics by name @return a copy with them set */
    public ModelCard withMetrics(Map<String, Metric> v) {
        return new ModelCard(name, version, sha256, data, trainingCommand, v, intendedUse, limits, deviations);
    }

    /** @param v intended use @return a copy with it set */
    public ModelCard withIntendedUse(String v) {
        return new ModelCard(name, version, sha256, data, trainingCommand, metrics, v, limits, deviations);
    }

    /** @param v limitations @return a copy with them set */
    public ModelCard withLimits(List<String> v) {
        return new ModelCard(name, version, sha256, data, trainingCommand, metrics, intendedUse, v, deviations);
    }

    /** @param v deviations @return a copy with them set */
    public ModelCard withDeviations(List<String> v) {
        return new ModelCard(name, version, sha256, data, trainingCommand, metrics, intendedUse, limits, v);
    }

    /**
     * Checks that the card is complete enough to publish.
     *
     * @throws DeepMergeException INVALID_CONFIG naming the missing or bad field (JSON key)
     */
    public void validate() throws DeepMergeException {
        if (name == null || !SAFE_NAME.matcher(name).matches()) {
            throw invalid("name '" + name + "' must match " + SAFE_NAME.pattern());
        }
        if (version == null || !SAFE_NAME.matcher(version).matches()) {
            throw invalid("version '" + version + "' must match " + SAFE_NAME.pattern());
        }
        if (!SHA256.matcher(sha256).matches()) {
            throw invalid("sha256 '" + sha256 + "' is not a lower-case hex SHA-256 (64 characters)");
        }
        requireText(data, "data");
        requireText(trainingCommand, "training_command");
        requireText(intendedUse, "intended_use");
        for (Map.Entry<String, Metric> e : metrics.entrySet()) {
            Metric m = e.getValue();
            if (m == null || !Double.isFinite(m.value())) {
                throw invalid("metric '" + e.getKey() + "' has no finite value");
            }
            if ((m.ciLow() == null) != (m.ciHigh() == null)) {
                throw invalid("metric '" + e.getKey() + "' has only one end of its interval");
            }
            if (m.ciLow() != null && !(m.ciLow() <= m.ciHigh())) {
                throw invalid("metric '" + e.getKey() + "' interval [" + m.ciLow() + ", " + m.ciHigh() + "] is empty");
            }
        }
    }

    private static void requireText(String v, String key) throws DeepMergeException {
        if (v == null || v.isBlank()) {
            throw invalid("'" + key + "' is missing or blank");
        }
    }

    private static DeepMergeException invalid(String why) {
        return new DeepMergeException(Reason.INVALID_CONFIG, "model card: " + why);
    }

    /** @return the card as pretty-printed JSON, map keys sorted (stable bytes for the same card) */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a model card always serialises: " + e.getMessage(), e);
        }
    }

    /**
     * @param json a card as written by {@link #toJson()} (unknown keys are ignored)
     * @return the card
     * @throws DeepMergeException INVALID_CONFIG when the JSON is malformed
     */
    public static ModelCard fromJson(String json) throws DeepMergeException {
        try {
            return JSON.readValue(json, ModelCard.class);
        } catch (JsonProcessingException e) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "model card JSON is malformed: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * @param file a {@code .card.json} file
     * @return the card
     * @throws DeepMergeException IO_ERROR (unreadable), INVALID_CONFIG (malformed, naming the file)
     */
    public static ModelCard read(Path file) throws DeepMergeException {
        try {
            return fromJson(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "model card file not found: " + file, e);
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot read model card " + file + ": " + e, e);
        } catch (DeepMergeException e) {
            throw new DeepMergeException(e.reason(), file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads the metrics of an evaluation {@code report.json} (the training {@code evaluate} command's: keys {@code n},
     * {@code accuracy}, {@code accuracy_ci_low}, {@code accuracy_ci_high}, ...). Every numeric key with both
     * {@code _ci_low} and {@code _ci_high} companions becomes a metric with its interval; {@code n} and
     * {@code positives} become metrics without one. Null (non-finite) values are skipped.
     *
     * @param reportJson the report file
     * @return metrics by name, in file order
     * @throws DeepMergeException IO_ERROR (unreadable), INVALID_CONFIG (not a JSON object)
     */
    public static Map<String, Metric> metricsFromReport(Path reportJson) throws DeepMergeException {
        JsonNode root;
        try {
            root = JSON.readTree(reportJson.toFile());
        } catch (IOException e) {
            throw new DeepMergeException(e instanceof JsonProcessingException ? Reason.INVALID_CONFIG : Reason.IO_ERROR,
                    "cannot read evaluation report " + reportJson + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "evaluation report " + reportJson + " is not a JSON object");
        }
        Map<String, Metric> out = new LinkedHashMap<>();
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            JsonNode v = root.get(key);
            if (!v.isNumber() || key.endsWith("_ci_low") || key.endsWith("_ci_high")) {
                continue;
            }
            JsonNode lo = root.get(key + "_ci_low");
            JsonNode hi = root.get(key + "_ci_high");
            if (lo != null && hi != null && lo.isNumber() && hi.isNumber()) {
                out.put(key, new Metric(v.asDouble(), lo.asDouble(), hi.asDouble()));
            } else if (key.equals("n") || key.equals("positives")) {
                out.put(key, Metric.of(v.asDouble()));
            }
        }
        return out;
    }

    /** @return the card as Markdown (title, identity, data, command, metrics table, intended use, limits, deviations) */
    public String toMarkdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Model card: ").append(name).append(' ').append(version).append("\n\n");
        md.append("| | |\n|---|---|\n");
        md.append("| name | `").append(name).append("` |\n");
        md.append("| version | `").append(version).append("` |\n");
        md.append("| SHA-256 of the ONNX file | `").append(sha256).append("` |\n\n");
        md.append("## Data\n\n").append(text(data)).append("\n\n");
        md.append("## Training command\n\n```\n").append(text(trainingCommand).strip()).append("\n```\n\n");
        md.append("## Test metrics (95% bootstrap intervals)\n\n");
        if (metrics.isEmpty()) {
            md.append("No metrics measured.\n\n");
        } else {
            md.append("| metric | value | 95% interval |\n|---|---|---|\n");
            for (Map.Entry<String, Metric> e : metrics.entrySet()) {
                Metric m = e.getValue();
                md.append("| ").append(e.getKey()).append(" | ").append(number(m.value())).append(" | ")
                        .append(m.ciLow() == null ? "-" : "[" + number(m.ciLow()) + ", " + number(m.ciHigh()) + "]")
                        .append(" |\n");
            }
            md.append('\n');
        }
        md.append("## Intended use\n\n").append(text(intendedUse)).append("\n\n");
        md.append("## Limits\n\n").append(bullets(limits)).append('\n');
        md.append("## Deviations from the published model\n\n").append(bullets(deviations));
        return md.toString();
    }

    private static String text(String s) {
        return s == null || s.isBlank() ? "(not given)" : s.strip();
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String bullets(List<String> items) {
        if (items.isEmpty()) {
            return "None stated.\n";
        }
        List<String> lines = new ArrayList<>();
        for (String s : items) {
            lines.add("- " + s.strip());
        }
        return String.join("\n", lines) + "\n";
    }
}
