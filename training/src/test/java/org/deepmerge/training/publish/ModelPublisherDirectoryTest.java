package org.deepmerge.training.publish;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.inference.TinyOnnx;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.ModelContracts;
import org.deepmerge.core.model.ModelIdentity;
import org.deepmerge.core.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@link ModelPublisher#publishToDirectory} and the {@code publish} command on real ONNX files. */
class ModelPublisherDirectoryTest {
    @TempDir
    Path dir;

    /** A tiny real ONNX model [N,2,4,4] -> sigmoid with a complete contract. */
    static Path tinyModel(Path dir, String name, String version, float pixelScale) throws Exception {
        Map<String, String> md = new LinkedHashMap<>();
        md.put(ModelContract.KEY_CHANNELS, "g,r");
        md.put(ModelContract.KEY_PIXEL_SCALE, Float.toString(pixelScale));
        md.put(ModelContract.KEY_MODEL_NAME, name);
        md.put(ModelContract.KEY_MODEL_VERSION, version);
        return TinyOnnx.write(dir.resolve("export-" + name + "-" + version + "-" + pixelScale + ".onnx"),
                TinyOnnx.Head.SIGMOID, -1, md);
    }

    @Test
    void writesModelAndBothCardsAndIsIdempotent() throws Exception {
        Path onnx = tinyModel(dir, "deepmerge-tiny", "1.0.0", 1f);
        Path models = dir.resolve("models");
        ModelPublisher.PublishedFiles f = ModelPublisher.publishToDirectory(onnx, ModelCardTest.card(), models);
        assertEquals(models.resolve("deepmerge-tiny-1.0.0.onnx"), f.onnx());
        assertFalse(f.unchanged());
        assertArrayEquals(Files.readAllBytes(onnx), Files.readAllBytes(f.onnx()), "a file with a full contract is copied as is");
        ModelCard written = ModelCard.read(f.cardJson());
        assertEquals(ModelIdentity.sha256(onnx), written.sha256());
        assertEquals(ModelCardTest.card().withSha256(written.sha256()), written);
        assertTrue(Files.readString(f.cardMarkdown()).contains(written.sha256()));
        try (var s = Files.list(models)) {
            assertEquals(3, s.count(), "no temporary files left behind");
        }

        assertTrue(ModelPublisher.publishToDirectory(onnx, ModelCardTest.card(), models).unchanged());
    }

    @Test
    void refusesADifferentModelUnderAPublishedVersion() throws Exception {
        Path models = dir.resolve("models");
        ModelPublisher.publishToDirectory(tinyModel(dir, "deepmerge-tiny", "1.0.0", 1f), ModelCardTest.card(), models);
        byte[] before = Files.readAllBytes(models.resolve("deepmerge-tiny-1.0.0.onnx"));
        Path other = tinyModel(dir, "deepmerge-tiny", "1.0.0", 0.5f);
        DeepMergeException e = assertThrows(DeepMergeException.class,
                () -> ModelPublisher.publishToDirectory(other, ModelCardTest.card(), models));
        assertEquals(Reason.INVALID_CONFIG, e.reason());
        assertTrue(e.getMessage().contains("already published") && e.getMessage().contains(ModelIdentity.sha256(other)),
                e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(models.resolve("deepmerge-tiny-1.0.0.onnx")));

        Path same = tinyModel(dir, "deepmerge-tiny", "1.0.0", 1f);
        DeepMergeException card = assertThrows(DeepMergeException.class, () -> ModelPublisher.publishToDirectory(same,
                ModelCardTest.card().withIntendedUse("something else"), models));
        assertTrue(card.getMessage().contains("a different model card"), card.getMessage());
    }

    @Test
    void refusesNameOrShaThatContradictTheFile() throws Exception {
        Path onnx = tinyModel(dir, "deepmerge-tiny", "1.0.0", 1f);
        DeepMergeException name = assertThrows(DeepMergeException.class, () -> ModelPublisher.publishToDirectory(onnx,
                ModelCardTest.card().withName("other"), dir.resolve("m")));
        assertEquals(Reason.INVALID_MODEL, name.reason());
        assertTrue(name.getMessage().contains("deepmerge.model.name='deepmerge-tiny'"), name.getMessage());
        DeepMergeException sha = assertThrows(DeepMergeException.class, () -> ModelPublisher.publishToDirectory(onnx,
                ModelCardTest.card().withSha256("0".repeat(64)), dir.resolve("m")));
        assertEquals(Reason.INVALID_CONFIG, sha.reason());
        assertFalse(Files.exists(dir.resolve("m")), "nothing written when refused");
    }

    @Test
    void thirdPartyFileGetsNameAndVersionStampedIntoItsContract() throws Exception {
        Path pytorch = TestData.require("models/deepmerge-da-pytorch-untrained.onnx");
        ModelCard card = ModelCardTest.card().withName("deepmerge-da").withVersion("0.0.1")
                .withMetrics(Map.of());
        DeepMergeException noContract = assertThrows(DeepMergeException.class,
                () -> ModelPublisher.publishToDirectory(pytorch, card, dir.resolve("models")));
        assertEquals(Reason.INVALID_MODEL, noContract.reason());
        assertTrue(noContract.getMessage().contains("--output-name"), noContract.getMessage());

        ContractOverrides o = ContractOverrides.none().withChannels(java.util.List.of("g", "r", "i")).withOutputName("52")
                .withOutputKind(org.deepmerge.core.model.OutputKind.LOGITS);
        ModelPublisher.PublishedFiles f = ModelPublisher.publishToDirectory(ModelPublisher.prepare(pytorch, card, o),
                dir.resolve("models"));
        String sha = ModelIdentity.sha256(f.onnx());
        assertNotEquals(ModelIdentity.sha256(pytorch), sha, "published copy carries the added metadata");
        assertEquals(sha, ModelCard.read(f.cardJson()).sha256());
        ModelContract c = ModelContracts.read(f.onnx(), ContractOverrides.none());
        assertEquals("deepmerge-da", c.modelName());
        assertEquals("0.0.1", c.modelVersion());
        assertEquals("52", c.outputName(), "override baked into the published file");
        assertEquals(java.util.List.of("g", "r", "i"), c.channels());
        ModelContract direct = ModelContracts.read(pytorch, o);
        assertEquals(java.util.List.of(direct.inputName(), direct.batchSize(), direct.channels(), direct.height(),
                direct.width(), direct.outputKind(), direct.classNames(), direct.pixelScaleArcsec()),
                java.util.List.of(c.inputName(), c.batchSize(), c.channels(), c.height(), c.width(), c.outputKind(),
                        c.classNames(), c.pixelScaleArcsec()), "the published file resolves to the same contract");
    }

    @Test
    void publishCommandWritesTheModelsDirectory() throws Exception {
        Path onnx = tinyModel(dir, "deepmerge-tiny", "2.0.0", 1f);
        Path cardJson = dir.resolve("card.json");
        Files.writeString(cardJson, ModelCardTest.card().withVersion("2.0.0").toJson());
        Path report = dir.resolve("report.json");
        Files.writeString(report, "{\"n\":50,\"f1\":0.7,\"f1_ci_low\":0.6,\"f1_ci_high\":0.8}");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new PublishCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("--model", onnx.toString(), "--name", "deepmerge-tiny", "--version", "2.0.0",
                "--card-json", cardJson.toString(), "--report", report.toString(), "--limit", "Only g,r stamps",
                "--models-dir", dir.resolve("models").toString());
        assertEquals(0, code, err.toString());
        assertTrue(out.toString().contains("published: "), out.toString());
        ModelCard c = ModelCard.read(dir.resolve("models/deepmerge-tiny-2.0.0.card.json"));
        assertEquals(new ModelCard.Metric(0.7, 0.6, 0.8), c.metrics().get("f1"));
        assertEquals(java.util.List.of("Only g,r stamps"), c.limits());
        assertEquals(ModelCardTest.card().intendedUse(), c.intendedUse());

        // registered under a main command that has the standard --version option, as in TrainCli
        CommandLine main = new CommandLine(new MainWithVersion()).addSubcommand(new PublishCommand());
        main.setErr(new PrintWriter(err));
        assertEquals(0, main.execute("publish", "--model", onnx.toString(), "--name", "deepmerge-tiny", "--version",
                "2.0.0", "--card-json", cardJson.toString(), "--report", report.toString(), "--limit", "Only g,r stamps",
                "--models-dir", dir.resolve("models").toString()), err.toString());

        int wrong = new CommandLine(new PublishCommand()).execute("--model", onnx.toString(), "--name", "deepmerge-tiny",
                "--version", "3.0.0", "--card-json", cardJson.toString(), "--models-dir", dir.resolve("models").toString());
        assertNotEquals(0, wrong, "a card for version 2.0.0 is refused for --version 3.0.0");
    }

    @CommandLine.Command(name = "main", mixinStandardHelpOptions = true, version = "main 1")
    static final class MainWithVersion {
    }
}
