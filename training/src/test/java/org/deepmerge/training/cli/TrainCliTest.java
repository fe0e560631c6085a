package org.deepmerge.training.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deepmerge.training.data.HlspFixtures;
import org.deepmerge.training.testing.TinyGalaxies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TrainCliTest {
    @TempDir
    Path tmp;

    private int run(StringWriter err, String... args) {
        CommandLine cl = TrainCli.commandLine();
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void trainEvaluateFinetuneAndBaselineEndToEndOnHlspFits() throws Exception {
        Path source = tmp.resolve("hlsp_deepmerge_hst_acs-wfc3_illustris-z2_f814w-f160w_v1_sim-pristine.fits");
        HlspFixtures.writeFits(source, TinyGalaxies.make(80, 30, 2, 16, 11));
        Path target = tmp.resolve("target.fits");
        HlspFixtures.writeFits(target, TinyGalaxies.make(80, 20, 2, 16, 12));
        Path run = tmp.resolve("run");
        StringWriter err = new StringWriter();
        assertEquals(0, run(err, "train", "--data", source.toString(), "--network", "deepshadows", "--epochs", "2",
                "--batch-size", "32", "--patience", "5", "--out", run.toString()), err.toString());
        assertTrue(Files.isRegularFile(run.resolve("best.zip")));

        Path report = tmp.resolve("report");
        assertEquals(0, run(err, "evaluate", "--model", run.resolve("best.zip").toString(), "--data", source.toString(),
                "--report", report.toString(), "--baseline", "asymmetry", "--resamples", "100"), err.toString());
        Map<?, ?> json = new ObjectMapper().readValue(report.resolve("report.json").toFile(), Map.class);
        Map<?, ?> split = new ObjectMapper().readValue(run.resolve("split.json").toFile(), Map.class);
        assertEquals(((List<?>) split.get("test")).size(), json.get("n"), "evaluated the run's own test split");
        for (String f : List.of("report.md", "roc.png", "confusion.png", "examples.png", "training.png")) {
            assertTrue(Files.isRegularFile(report.resolve(f)), f);
        }
        assertTrue(Files.readString(report.resolve("report.md")).contains("| asymmetry |"));

        Path rf = tmp.resolve("rf");
        assertEquals(0, run(err, "baseline", "--method", "morphology-rf", "--data", source.toString(), "--pixel-scale",
                "0.1875", "--trees", "10", "--max-depth", "3", "--feature-fraction", "0.5", "--out", rf.toString(),
                "--resamples", "20"), err.toString());
        Path rfReport = tmp.resolve("report-rf");
        assertEquals(0, run(err, "evaluate", "--model", run.resolve("best.zip").toString(), "--data", source.toString(),
                "--report", rfReport.toString(), "--baseline", "morphology-rf", "--baseline-model", rf.toString(),
                "--resamples", "20"), err.toString());
        Map<?, ?> rfJson = new ObjectMapper().readValue(rfReport.resolve("report.json").toFile(), Map.class);
        assertEquals(json.get("n"), rfJson.get("n"), "the DL4J checkpoint's test split, with the forest beside it");
        assertEquals(List.of("asymmetry", "morphology-rf"), ((List<?>) rfJson.get("baselines")).stream()
                .map(b -> ((Map<?, ?>) b).get("name")).toList());
        StringWriter refused = new StringWriter();
        assertEquals(2, run(refused, "baseline", "--method", "morphology-rf", "--data", source.toString(), "--out",
                tmp.resolve("rf2").toString()), "no pixel scale for HLSP data");
        assertTrue(refused.toString().contains("--pixel-scale"), refused.toString());

        Path onnx = run.resolve("model.onnx");
        assertEquals(0, run(err, "export", "--model", run.resolve("best.zip").toString(), "--out", onnx.toString()), err.toString());
        Path onnxReport = tmp.resolve("onnx-report");
        assertEquals(0, run(err, "evaluate", "--model", onnx.toString(), "--data", source.toString(),
                "--report", onnxReport.toString(), "--resamples", "100"), err.toString());
        Map<?, ?> viaOnnx = new ObjectMapper().readValue(onnxReport.resolve("report.json").toFile(), Map.class);
        assertEquals(json.get("n"), viaOnnx.get("n"), "same split found beside the ONNX file");
        for (String k : List.of("accuracy", "roc_auc", "roc_auc_ci_low", "f1")) {
            assertEquals(((Number) json.get(k)).doubleValue(), ((Number) viaOnnx.get(k)).doubleValue(), 1e-9, k + ": DL4J vs ONNX Runtime");
        }
        assertEquals(((Number) json.get("brier")).doubleValue(), ((Number) viaOnnx.get("brier")).doubleValue(), 1e-5);

        Path models = tmp.resolve("models");
        assertEquals(0, run(err, "publish", "--model", onnx.toString(), "--models-dir", models.toString(),
                "--report", report.resolve("report.json").toString(), "--name", "deepmerge", "--version", "0.1.0",
                "--training-command", "deepmerge-train train ...", "--data", "generated HLSP-format FITS",
                "--intended-use", "CLI test", "--limit", "trained for two epochs on 56 generated images"), err.toString());
        assertTrue(Files.isRegularFile(models.resolve("deepmerge-0.1.0.onnx")) && Files.isRegularFile(models.resolve("deepmerge-0.1.0.card.md")),
                "publish is registered in the training CLI");

        Path ft = tmp.resolve("ft");
        assertEquals(0, run(err, "finetune", "--model", run.resolve("best.zip").toString(), "--data", target.toString(),
                "--labels", "30", "--epochs", "1", "--batch-size", "32", "--resamples", "50", "--out", ft.toString()), err.toString());
        Map<?, ?> cmp = new ObjectMapper().readValue(ft.resolve("comparison.json").toFile(), Map.class);
        assertEquals(30, cmp.get("labels"));
        for (String k : List.of("source_only", "fine_tuned", "from_scratch")) {
            assertEquals(16, ((Map<?, ?>) cmp.get(k)).get("n"), k + " on the same 20% test split of 80 images");
        }
        assertTrue(Files.isRegularFile(ft.resolve("finetuned/best.zip")) && Files.isRegularFile(ft.resolve("scratch/best.zip")));

        assertEquals(0, run(err, "baseline", "--data", target.toString(), "--resamples", "50"), err.toString());
    }

    @Test
    void everySubcommandHasHelp() {
        for (String c : List.of("train", "evaluate", "finetune", "baseline", "export", "publish", "explain")) {
            StringWriter err = new StringWriter();
            assertEquals(0, run(err, c, "--help"), c + ": " + err);
        }
    }

    @Test
    void errorsAreReportedWithReasonAndExitCode() throws Exception {
        StringWriter err = new StringWriter();
        assertEquals(TrainCli.EXIT_FAILED, run(err, "train", "--data", tmp.resolve("nope.fits").toString(), "--out",
                tmp.resolve("o").toString()), "IO_ERROR exits as INVALID_CONFIG does, as in deepmerge");
        assertTrue(err.toString().contains("error (IO_ERROR)") && err.toString().contains("nope.fits"), err.toString());
        StringWriter err2 = new StringWriter();
        assertEquals(2, run(err2, "train", "--data", tmp.toString(), "--out", tmp.resolve("o").toString(), "--epochs", "0"));
        StringWriter err3 = new StringWriter();
        assertEquals(2, run(err3, "evaluate", "--model", tmp.resolve("m.onnx").toString()), "picocli usage error");
        Path garbage = Files.writeString(tmp.resolve("garbage.onnx"), "not an ONNX file");
        Path labels = Files.writeString(tmp.resolve("labels.csv"), "objectId,label\nZTF1,1\n");
        StringWriter err4 = new StringWriter();
        assertEquals(2, run(err4, "evaluate", "--model", garbage.toString(), "--alerts", tmp.toString(), "--labels",
                labels.toString(), "--report", tmp.resolve("r").toString()), err4.toString());
        assertTrue(err4.toString().contains("error (INVALID_MODEL)"), err4.toString());
    }

    /** Runs a command that must be refused: exit code 2, and the error text. */
    private String refused(String... args) {
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, args), err.toString());
        return err.toString();
    }

    @Test
    void baselineRefusesConflictingOrInapplicableOptionsBeforeReadingAnything() {
        String data = tmp.resolve("not-read").toString();
        String out = tmp.resolve("rf").toString();
        String e = refused("baseline", "--method", "morphology-rf", "--data", data, "--reobserve", "ztf",
                "--pixel-scale", "0.5", "--out", out);
        assertTrue(e.contains("INVALID_CONFIG") && e.contains("--pixel-scale") && e.contains("--model-pixel-scale"), e);
        e = refused("baseline", "--method", "morphology-rf", "--data", data, "--model-pixel-scale", "0.5", "--out", out);
        assertTrue(e.contains("--model-pixel-scale") && e.contains("--reobserve"), e);

        e = refused("baseline", "--method", "morphology-rf", "--data", data, "--pixel-scale", "1", "--min-leaf", "0",
                "--out", out);
        assertTrue(e.contains("--min-leaf 0.0: expected a number of rows > 0") && !e.contains("child weight"), e);
        e = refused("baseline", "--method", "morphology-rf", "--data", data, "--pixel-scale", "1",
                "--feature-fraction", "0.5,1", "--out", out);
        assertTrue(e.contains("--feature-fraction 1.0: expected a fraction strictly between 0 and 1"), e);

        e = refused("baseline", "--method", "asymmetry", "--data", data, "--out", out, "--trees", "5");
        assertTrue(e.contains("--out goes with --method morphology-rf"), e);
        e = refused("baseline", "--data", data, "--trees", "5");
        assertTrue(e.contains("--trees goes with --method morphology-rf"), e);

        e = refused("baseline", "--method", "morphology-rf");
        assertTrue(e.contains("Missing required option: '--data"), e);
        String usage = TrainCli.commandLine().getSubcommands().get("baseline").getUsageMessage();
        assertTrue(usage.contains(" --data=") && !usage.contains("[--data="), usage);

        e = refused("baseline", "--method", "morphology-rf", "--model", tmp.resolve("absent.onnx").toString(), "--data",
                data, "--out", out);
        assertTrue(e.contains("INVALID_CONFIG") && e.contains("--split"), "options checked before the model is loaded: " + e);
    }

    @Test
    void evaluateChecksTheBaselineNameFirstAndBeforeReadingAnything() {
        String model = tmp.resolve("absent.onnx").toString();
        String report = tmp.resolve("report").toString();
        String e = refused("evaluate", "--model", model, "--data", tmp.resolve("absent").toString(), "--report", report,
                "--baseline", "foo");
        assertTrue(e.contains("unknown baseline 'foo'; known: asymmetry, morphology-rf"), e);
        e = refused("evaluate", "--model", model, "--alerts", tmp.resolve("a.avro").toString(), "--labels",
                tmp.resolve("l.csv").toString(), "--report", report, "--baseline", "foo");
        assertTrue(e.contains("unknown baseline 'foo'") && !e.contains("needs --baseline-model"), e);
        e = refused("evaluate", "--model", model, "--data", tmp.resolve("absent").toString(), "--report", report,
                "--baseline", "morphology-rf");
        assertTrue(e.contains("--baseline morphology-rf needs --baseline-model"), e);
    }

    @Test
    void aThirdPartyModelWithoutContractIsToldWhatWorksInTheTrainingCli() throws Exception {
        Path pytorch = org.deepmerge.core.testing.TestData.require("models/deepmerge-da-pytorch-untrained.onnx");
        Path labels = Files.writeString(tmp.resolve("labels.csv"), "objectId,label\nZTF1,1\n");
        String e = refused("evaluate", "--model", pytorch.toString(), "--alerts", tmp.toString(), "--labels",
                labels.toString(), "--report", tmp.resolve("r").toString());
        assertTrue(e.contains("error (INVALID_MODEL)") && e.contains("deepmerge-train publish --model " + pytorch)
                && !e.contains("or pass --"), e);
    }
}
