package org.deepmerge.training.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCardTest {
    @TempDir
    Path dir;

    static ModelCard card() {
        Map<String, ModelCard.Metric> m = new LinkedHashMap<>();
        m.put("n", ModelCard.Metric.of(3085));
        m.put("accuracy", new ModelCard.Metric(0.7925, 0.778, 0.807));
        m.put("roc_auc", new ModelCard.Metric(0.865, 0.851, 0.879));
        return new ModelCard("deepmerge-tiny", "1.0.0", "", "HLSP DeepMerge pristine, 2 filters (F814W, F160W), 75x75 px",
                "java -jar training/target/deepmerge-train.jar train --data hlsp.fits", m,
                "Ranking ZTF/Rubin alerts by merger probability for follow-up", List.of("Trained on simulated images only"),
                List.of("Per-channel batch norm instead of Keras axis=-1"));
    }

    @Test
    void jsonRoundTripsWithSnakeCaseKeysAndIntervals() throws Exception {
        ModelCard c = card().withSha256("a".repeat(64));
        String json = c.toJson();
        JsonNode tree = new ObjectMapper().readTree(json);
        assertEquals("deepmerge-tiny", tree.get("name").asText());
        assertEquals(0.778, tree.get("metrics").get("accuracy").get("ci_low").asDouble(), 0);
        assertNull(tree.get("metrics").get("n").get("ci_low"), "n has no interval and writes none");
        assertTrue(tree.has("training_command") && tree.has("intended_use") && tree.has("deviations"), json);
        assertEquals(c, ModelCard.fromJson(json));
        assertEquals(json, ModelCard.fromJson(json).toJson(), "stable bytes: publishing twice compares files byte-wise");
    }

    @Test
    void markdownHasEverySection() {
        String md = card().withSha256("b".repeat(64)).toMarkdown();
        assertTrue(md.startsWith("# Model card: deepmerge-tiny 1.0.0"), md);
        assertTrue(md.contains("`" + "b".repeat(64) + "`"), md);
        assertTrue(md.contains("| accuracy | 0.7925 | [0.7780, 0.8070] |"), md);
        assertTrue(md.contains("| n | 3085 | - |"), md);
        assertTrue(md.contains("java -jar training/target/deepmerge-train.jar train --data hlsp.fits"), md);
        assertTrue(md.contains("- Trained on simulated images only"), md);
        assertTrue(md.contains("- Per-channel batch norm instead of Keras axis=-1"), md);
    }

    @Test
    void metricsComeFromTheEvaluateReportJson() throws Exception {
        Path report = dir.resolve("report.json");
        Files.writeString(report, "{\"name\":\"test\",\"n\":200,\"positives\":80,\"accuracy\":0.81,"
                + "\"accuracy_ci_low\":0.755,\"accuracy_ci_high\":0.865,\"roc_auc\":0.9,\"roc_auc_ci_low\":0.86,"
                + "\"roc_auc_ci_high\":0.94,\"brier\":null,\"brier_ci_low\":null,\"brier_ci_high\":null,\"threshold\":0.5,"
                + "\"tp\":60}");
        Map<String, ModelCard.Metric> m = ModelCard.metricsFromReport(report);
        assertEquals(List.of("n", "positives", "accuracy", "roc_auc"), List.copyOf(m.keySet()));
        assertEquals(new ModelCard.Metric(0.81, 0.755, 0.865), m.get("accuracy"));
        assertEquals(ModelCard.Metric.of(200), m.get("n"));

        Files.writeString(report, "[1,2]");
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> ModelCard.metricsFromReport(report));
        assertEquals(Reason.INVALID_CONFIG, e.reason());
    }

    @Test
    void validateNamesWhatIsMissing() {
        DeepMergeException noSha = assertThrows(DeepMergeException.class, () -> card().validate());
        assertTrue(noSha.getMessage().contains("sha256"), noSha.getMessage());
        ModelCard ok = card().withSha256("c".repeat(64));
        DeepMergeException noUse = assertThrows(DeepMergeException.class, () -> ok.withIntendedUse(" ").validate());
        assertTrue(noUse.getMessage().contains("intended_use"), noUse.getMessage());
        DeepMergeException badName = assertThrows(DeepMergeException.class, () -> ok.withName("../evil").validate());
        assertEquals(Reason.INVALID_CONFIG, badName.reason());
        Map<String, ModelCard.Metric> bad = Map.of("f1", new ModelCard.Metric(0.5, 0.7, 0.6));
        DeepMergeException interval = assertThrows(DeepMergeException.class, () -> ok.withMetrics(bad).validate());
        assertTrue(interval.getMessage().contains("f1"), interval.getMessage());
        DeepMergeException malformed = assertThrows(DeepMergeException.class, () -> ModelCard.fromJson("{\"name\":"));
        assertEquals(Reason.INVALID_CONFIG, malformed.reason());
    }
}
