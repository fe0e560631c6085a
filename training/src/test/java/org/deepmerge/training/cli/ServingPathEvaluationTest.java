package org.deepmerge.training.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.Normalisation;
import org.deepmerge.core.testing.TestData;
import org.deepmerge.training.data.ImageFolderReader;
import org.deepmerge.training.data.Split;
import org.deepmerge.training.eval.ContractImageFolder;
import org.deepmerge.training.export.OnnxExporter;
import org.deepmerge.training.export.OnnxMetadata;
import org.deepmerge.training.network.Architecture;
import org.deepmerge.training.network.Networks;
import org.deepmerge.training.train.SplitFile;
import org.deepmerge.training.testing.Gz1Subset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code evaluate} and {@code calibrate} of an ONNX model with the default model's contract (channel {@code any},
 * 40x40 at 1.2 arcsec/px, angular, survey normalisation) on real GZ1 JPEGs and real ZTF alerts. The network is
 * untrained: the tests check what is scored and reported, not how well.
 */
class ServingPathEvaluationTest {
    private static final String FINGERPRINT = "test-training-fingerprint";

    @TempDir
    static Path tmp;
    static Path model;
    static Path folder;
    static int rows;

    private static int run(StringWriter err, String... args) {
        var cl = TrainCli.commandLine();
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @BeforeAll
    static void setUp() throws Exception {
        // a folder of 40 real rows (10 mergers); images/ links to the real images, nothing is copied
        folder = tmp.resolve("gz1-subset");
        rows = Gz1Subset.make(folder, 10, 30);

        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(ModelContract.KEY_INPUT_SHAPE, "-1,1,40,40");
        meta.put(ModelContract.KEY_CHANNELS, "any");
        meta.put(ModelContract.KEY_PIXEL_SCALE, "1.2");
        meta.put(ModelContract.KEY_RESAMPLE, "angular");
        meta.putAll(Normalisation.survey(0.1f).metadata());
        meta.put(ModelContract.KEY_TRAINING_FINGERPRINT, FINGERPRINT);
        model = tmp.resolve("run").resolve("model.onnx");
        OnnxExporter.export(Networks.build(Architecture.DEEPSHADOWS, 1, 40, 40, 1e-3, 5), meta, model, true);
    }

    @Test
    void anyChannelIsTheGreenPlaneAtTheAssumedScale() throws Exception {
        Path jpeg;
        try (var s = Files.list(folder.resolve("images"))) {
            jpeg = s.filter(p -> p.toString().endsWith(".jpeg")).findFirst().orElseThrow();
        }
        Stamp any = ContractImageFolder.stamps(jpeg, List.of("any"), 0.5).get(0);
        Stamp green = ImageFolderReader.load(jpeg, ImageFolderReader.Colour.GRI).get(1);
        assertArrayEquals(green.pixels(), any.pixels());
        assertEquals(0.5, any.pixelScaleArcsec());
    }

    @Test
    void onnxOnImageFolderScoresEveryRowWithoutASplit() throws Exception {
        StringWriter err = new StringWriter();
        Path report = tmp.resolve("report-all");
        assertEquals(0, run(err, "evaluate", "--model", model.toString(), "--data", folder.toString(), "--report",
                report.toString(), "--resamples", "50"), err.toString());
        Map<?, ?> json = new ObjectMapper().readValue(report.resolve("report.json").toFile(), Map.class);
        assertEquals(rows, json.get("n"));
        assertEquals(10, json.get("positives"));
        assertEquals("all", json.get("part"));
        assertTrue(json.get("ece") instanceof Number, "ECE computed");
        assertTrue(Files.size(report.resolve("reliability.png")) > 1000);
        String md = Files.readString(report.resolve("report.md"));
        assertTrue(md.contains("EVERY image"), md);
        assertTrue(md.contains("survey:"), "the report names the contract's normalisation: " + md);
    }

    @Test
    void splitBesideTheModelSelectsThePartAndCalibrateWritesTheTemperature() throws Exception {
        Path run = tmp.resolve("split-run");
        Files.createDirectories(run);
        Path m = run.resolve("model.onnx");
        Files.copy(model, m);
        int[] labels = new int[rows];
        List<String> lines = Files.readAllLines(folder.resolve("labels.csv"));
        for (int i = 0; i < rows; i++) {
            labels[i] = lines.get(i + 1).endsWith(",1") ? 1 : 0;
        }
        Split split = Split.stratified(labels, 0.5, 0.25, 3);
        SplitFile.write(split, FINGERPRINT, run.resolve("split.json"));
        StringWriter err = new StringWriter();
        Path report = tmp.resolve("report-val");
        assertEquals(0, run(err, "evaluate", "--model", m.toString(), "--data", folder.toString(), "--report",
                report.toString(), "--part", "validation", "--resamples", "50"), err.toString());
        Map<?, ?> json = new ObjectMapper().readValue(report.resolve("report.json").toFile(), Map.class);
        assertEquals(split.validation().length, json.get("n"));

        Path calibrated = run.resolve("calibrated.onnx");
        assertEquals(0, run(err, "calibrate", "--model", m.toString(), "--data", folder.toString(), "--out",
                calibrated.toString()), err.toString());
        Map<String, String> md = OnnxMetadata.read(calibrated);
        double t = Double.parseDouble(md.get(ModelContract.KEY_CALIBRATION_TEMPERATURE));
        assertTrue(t > 0 && Double.isFinite(t), "T = " + t);
        double trainRate = java.util.Arrays.stream(split.train()).map(i -> labels[i]).average().orElseThrow();
        assertEquals(trainRate, Double.parseDouble(md.get(ModelContract.KEY_CALIBRATION_PRIOR)), 1e-12);
        assertEquals(OnnxMetadata.read(m).get(ModelContract.KEY_OUTPUT_KIND), md.get(ModelContract.KEY_OUTPUT_KIND),
                "the rest of the metadata is kept");

        // a part that needs a split is refused when there is none
        StringWriter err2 = new StringWriter();
        assertEquals(2, run(err2, "calibrate", "--model", model.toString(), "--data", folder.toString(), "--out",
                tmp.resolve("x.onnx").toString()));
        assertTrue(err2.toString().contains("needs a split"), err2.toString());
    }

    @Test
    void alertsAreScoredThroughThePipelineAndLeftoversAreListed() throws Exception {
        Path ztf = TestData.require("alerts/ztf");
        List<Path> files = new ArrayList<>();
        List<String> objects = new ArrayList<>();
        try (var s = Files.list(ztf)) {
            for (Path p : s.sorted().toList()) {
                String obj = p.getFileName().toString().split("_")[0];
                if (!objects.contains(obj) && files.size() < 5) {
                    objects.add(obj);
                    files.add(p);
                }
            }
        }
        Path junk = tmp.resolve("junk.avro");
        Files.write(junk, "this is not an alert".getBytes());
        Path labels = tmp.resolve("alert-labels.csv");
        // four labelled objects (two mergers), the fifth alert has no label
        Files.write(labels, List.of("objectId,label", objects.get(0) + ",1", objects.get(1) + ",0", "\"" + objects.get(2) + "\",1",
                objects.get(3) + ",0"));
        List<String> inputs = new ArrayList<>(files.stream().map(Path::toString).toList());
        inputs.add(junk.toString());
        StringWriter err = new StringWriter();
        Path report = tmp.resolve("report-alerts");
        assertEquals(0, run(err, "evaluate", "--model", model.toString(), "--alerts", String.join(",", inputs),
                "--labels", labels.toString(), "--report", report.toString(), "--resamples", "50", "--no-gate"), err.toString());
        Map<?, ?> json = new ObjectMapper().readValue(report.resolve("report.json").toFile(), Map.class);
        assertEquals(4, json.get("n"));
        assertEquals(2, json.get("positives"));
        assertEquals(6, json.get("alerts_read"));
        assertEquals(1, json.get("rejected_count"));
        assertEquals(1, json.get("unlabelled_count"));
        assertTrue(json.get("roc_auc") instanceof Number && json.get("brier") instanceof Number && json.get("ece") instanceof Number);
        String md = Files.readString(report.resolve("report.md"));
        assertTrue(md.contains(objects.get(4)), "the unlabelled alert is listed: " + md);
        assertTrue(md.contains("junk.avro"), "the rejected input is listed");
    }

    @Test
    void morphologyForestIsFittedOnReobservedStampsAndPutBesideTheModelOnJpegsAndAlerts() throws Exception {
        StringWriter err = new StringWriter();
        Path rf = tmp.resolve("rf");
        assertEquals(0, run(err, "baseline", "--method", "morphology-rf", "--data", folder.toString(), "--reobserve", "ztf",
                "--image-size", "40", "--normalisation", "survey:0.1", "--copies", "1", "--train-fraction", "0.5",
                "--val-fraction", "0.25", "--trees", "10", "--max-depth", "3", "--feature-fraction", "0.5", "--out",
                rf.toString(), "--resamples", "20"), err.toString());
        int[] labels = new int[rows];
        List<String> lines = Files.readAllLines(folder.resolve("labels.csv"));
        for (int i = 0; i < rows; i++) {
            labels[i] = lines.get(i + 1).endsWith(",1") ? 1 : 0;
        }
        Split galaxies = Split.stratified(labels, 0.5, 0.25, 42);
        Path splitFile = tmp.resolve("galaxy-split.json");
        SplitFile.write(galaxies, FINGERPRINT, splitFile);
        int nTest = galaxies.test().length;
        Map<?, ?> fit = new ObjectMapper().readValue(rf.resolve("morphology-rf.json").toFile(), Map.class);
        assertEquals(galaxies.train().length, fit.get("train_rows"), "the training galaxies of the split, one re-observation each");
        assertEquals(1.2, ((Number) ((Map<?, ?>) fit.get("input")).get("arcsecPerPixel")).doubleValue(), 1e-12);
        Map<?, ?> testReport = new ObjectMapper().readValue(rf.resolve("report.json").toFile(), Map.class);
        assertEquals(nTest, testReport.get("n"), "test part: the split's test galaxies");
        Path report = tmp.resolve("report-rf");
        assertEquals(0, run(err, "evaluate", "--model", model.toString(), "--data", folder.toString(), "--split",
                splitFile.toString(), "--baseline", "morphology-rf", "--baseline-model", rf.toString(), "--report",
                report.toString(), "--resamples", "20"), err.toString());
        String md = Files.readString(report.resolve("report.md"));
        for (String row : List.of("| model.onnx | " + nTest + " ", "| asymmetry | " + nTest + " ", "| morphology-rf | " + nTest + " ",
                "| model.onnx - morphology-rf | " + nTest + " ")) {
            assertTrue(md.contains(row), row + " in\n" + md);
        }
        assertTrue(Files.isRegularFile(report.resolve("gini-m20.png")));

        Path rfJpeg = tmp.resolve("rf-jpeg");
        assertEquals(0, run(err, "baseline", "--method", "morphology-rf", "--model", model.toString(), "--data",
                folder.toString(), "--split", splitFile.toString(), "--trees", "10", "--max-depth", "3", "--feature-fraction",
                "0.5", "--out", rfJpeg.toString(), "--resamples", "20"), err.toString());
        Map<?, ?> jpegFit = new ObjectMapper().readValue(rfJpeg.resolve("morphology-rf.json").toFile(), Map.class);
        assertEquals(galaxies.train().length, jpegFit.get("train_rows"), "the pictures of the training part, read through the contract");
        assertEquals("survey:0.1", ((Map<?, ?>) jpegFit.get("input")).get("normalisation"));

        Path ztf = TestData.require("alerts/ztf");
        Path labelFile = labelEveryZtfAlert(ztf, "rf-alert-labels.csv");
        Path alertReport = tmp.resolve("report-rf-alerts");
        assertEquals(0, run(err, "evaluate", "--model", model.toString(), "--alerts", ztf.toString(), "--labels",
                labelFile.toString(), "--baseline", "morphology-rf", "--baseline-model", rf.toString(), "--report",
                alertReport.toString(), "--resamples", "20"), err.toString());
        Map<?, ?> json = new ObjectMapper().readValue(alertReport.resolve("report.json").toFile(), Map.class);
        List<?> baselines = (List<?>) json.get("baselines");
        assertEquals(2, baselines.size());
        assertEquals(json.get("n"), ((Map<?, ?>) baselines.get(1)).get("n"), "the forest scores the alerts the model scores");

        StringWriter err2 = new StringWriter();
        assertEquals(2, run(err2, "evaluate", "--model", model.toString(), "--alerts", ztf.toString(), "--labels",
                labelFile.toString(), "--baseline", "morphology-rf", "--report", tmp.resolve("x").toString()));
        assertTrue(err2.toString().contains("--baseline-model"), err2.toString());
    }

    @Test
    void alertsTheGateKeepsFromTheModelAreListedNotEvaluated() throws Exception {
        Path ztf = TestData.require("alerts/ztf");
        Path labels = labelEveryZtfAlert(ztf, "all-labels.csv");
        StringWriter err = new StringWriter();
        Path report = tmp.resolve("report-gated");
        assertEquals(0, run(err, "evaluate", "--model", model.toString(), "--alerts", ztf.toString(),
                "--labels", labels.toString(), "--report", report.toString(), "--resamples", "20"), err.toString());
        Map<?, ?> json = new ObjectMapper().readValue(report.resolve("report.json").toFile(), Map.class);
        int n = ((Number) json.get("n")).intValue();
        int rejected = ((Number) json.get("rejected_count")).intValue();
        assertEquals(87, n + rejected, "every alert is evaluated or listed");
        assertTrue(rejected >= 22, "at least the 22 alerts on catalogued stars are kept from the model: " + rejected);
        assertTrue(Files.readString(report.resolve("report.md")).contains("POINT_SOURCE_CATALOGUE"));
    }

    /** Labels every real ZTF alert's object, alternately 1 and 0 in file order (the labels mean nothing). */
    private static Path labelEveryZtfAlert(Path ztf, String name) throws Exception {
        List<String> rows = new ArrayList<>(List.of("objectId,label"));
        int k = 0;
        try (var s = Files.list(ztf)) {
            for (Path p : s.sorted().toList()) {
                rows.add(p.getFileName().toString().split("_")[0] + "," + (k++ % 2));
            }
        }
        Path labels = tmp.resolve(name);
        Files.write(labels, rows);
        return labels;
    }
}
