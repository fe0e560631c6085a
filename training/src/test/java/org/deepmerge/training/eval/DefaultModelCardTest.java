package org.deepmerge.training.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deepmerge.core.testing.TestData;
import org.deepmerge.training.data.ImageDataset;
import org.deepmerge.training.data.ImageFolderReader;
import org.deepmerge.training.data.Split;
import org.deepmerge.training.train.OnnxPredictor;
import org.junit.jupiter.api.Test;

/**
 * The default model embedded in the streams jar, evaluated on its held-out GZ1 galaxies through the serving path (each
 * JPEG read as an r-band stamp at 0.396"/px and prepared per the model's contract by the core Preprocessor, scored by
 * the core OnnxScorer with its calibration), gives the metrics its committed model card states, and those beat the
 * constant base-rate predictor (Brier) and are calibrated (ECE &lt;= 0.03).
 */
class DefaultModelCardTest {
    private static final Path MODELS = Path.of(System.getProperty("user.dir")).resolveSibling("streams")
            .resolve("src/main/resources/models");

    @Test
    void heldOutGz1MetricsMatchTheCard() throws Exception {
        Path model = MODELS.resolve("deepmerge-default.onnx");
        JsonNode card = new ObjectMapper().readTree(Files.readString(MODELS.resolve("deepmerge-default.card.json")));
        JsonNode metrics = card.get("metrics");
        try (OnnxPredictor predictor = OnnxPredictor.prepared(model)) {
            assertEquals(List.of("any"), predictor.contract().channels(), "the graph derives its residual channel itself");
            ImageDataset gz1 = ContractImageFolder.read(TestData.require("galaxies/gz1"), predictor.contract(), "objid",
                    "merger", ContractImageFolder.SDSS_PIXEL_SCALE, 0);
            Split split = Split.stratified(gz1.labels(), 0.7, 0.1, 42);
            int[] test = split.test();
            float[] p = predictor.predict(gz1.gather(test), test.length);
            int[] y = gz1.labels(test);
            assertEquals(metrics.get("n").get("value").asInt(), test.length);
            assertEquals(metrics.get("positives").get("value").asInt(), java.util.Arrays.stream(y).sum());
            double auc = Metrics.rocAuc(p, y);
            double brier = Metrics.brier(p, y);
            double ece = Metrics.ece(p, y);
            assertEquals(metrics.get("roc_auc").get("value").asDouble(), auc, 1e-6, "ROC AUC");
            assertEquals(metrics.get("brier").get("value").asDouble(), brier, 1e-6, "Brier score");
            assertEquals(metrics.get("ece").get("value").asDouble(), ece, 1e-6, "ECE");
            double base = java.util.Arrays.stream(y).average().orElseThrow();
            assertTrue(brier < base * (1 - base), "Brier " + brier + " must beat the base-rate constant " + base * (1 - base));
            assertTrue(ece <= 0.03, "ECE " + ece);
        }
    }
}
