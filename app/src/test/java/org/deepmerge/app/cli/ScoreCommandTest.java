package org.deepmerge.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.deepmerge.avro.v1.Classification;
import org.deepmerge.avro.v1.Cutout;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.alert.AlertReader;
import org.deepmerge.core.alert.CutoutRecords;
import org.deepmerge.core.io.Csv;
import org.deepmerge.core.testing.TestData;
import org.deepmerge.streams.testing.Alerts;
import org.deepmerge.streams.testing.TestRegistry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * End-to-end {@code deepmerge score} runs, in-process through picocli, on the real ZTF and Rubin alerts with the
 * third-party DeepMerge domain-adaptation ONNX graph (fixed batch 256, 3 channels, logits output "52").
 */
class ScoreCommandTest {

    private static final Pattern SUMMARY =
            Pattern.compile("scored (\\d+) \\(not applicable (\\d+)\\), rejected (\\d+), of (\\d+)");
    private static final Set<String> REASONS = new HashSet<>();

    static {
        for (Reason r : Reason.values()) {
            REASONS.add(r.name());
        }
    }

    private static Path model;
    private static String modelSha256;

    @TempDir
    Path tmp;

    @BeforeAll
    static void model() throws Exception {
        model = TestData.require("models/deepmerge-da-pytorch-untrained.onnx");
        modelSha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(model)));
    }

    /** Result of one in-process run. */
    record Run(int exitCode, String stderr, long scored, long notApplicable, long rejected, long total) {
    }

    static Run run(String... args) {
        return run(System.getenv(), args);
    }

    /** Runs with the given environment in place of the process's (registry credentials and limits). */
    private static Run run(java.util.Map<String, String> env, String... args) {
        StringWriter err = new StringWriter();
        CommandLine cli = DeepMergeCli.commandLine();
        ((ScoreCommand) cli.getSubcommands().get("score").getCommand()).env = env;
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        String stderr = err.toString();
        Matcher m = SUMMARY.matcher(stderr);
        if (!m.find()) {
            return new Run(code, stderr, -1, -1, -1, -1);
        }
        return new Run(code, stderr, Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                Long.parseLong(m.group(4)));
    }

    private String[] args(String format, Path out, Path rejects, Path... inputs) {
        List<String> a = new ArrayList<>(List.of("score", "--model", model.toString(),
                "--channels", "g,r,i", "--output-name", "52", "--output-kind", "logits",
                "--format", format, "--out", out.toString()));
        if (rejects != null) {
            a.addAll(List.of("--rejects", rejects.toString()));
        }
        for (Path p : inputs) {
            a.add(p.toString());
        }
        return a.toArray(String[]::new);
    }

    private static long fileCount(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    static List<JsonNode> jsonLines(Path file) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            nodes.add(mapper.readTree(line));
        }
        return nodes;
    }

    /** Checks the reject file: one well-formed line per rejected input, with a known reason. */
    private static List<JsonNode> checkRejects(Path rejects, Run run) throws IOException {
        List<JsonNode> rej = jsonLines(rejects);
        assertEquals(run.rejected(), rej.size());
        for (JsonNode r : rej) {
            assertFalse(r.get("location").asText().isEmpty());
            assertTrue(r.get("position").asLong() >= 0);
            assertTrue(REASONS.contains(r.get("reason").asText()), r.toString());
            assertFalse(r.get("message").asText().isBlank(), r.toString());
        }
        return rej;
    }

    /** A record of an input the applicability gate kept from the model: no probability, a known reason. */
    private static void checkNotApplicable(Float pMerger, String reason, int classes, String what) {
        assertEquals(null, pMerger, what);
        assertEquals(0, classes, what);
        assertTrue(reason != null && java.util.Arrays.stream(org.deepmerge.core.gate.NotApplicableReason.values())
                .anyMatch(r -> reason.startsWith(r.name() + ": ")), what);
    }

    private static void checkProbabilities(float pMerger, List<Float> classes) {
        assertTrue(pMerger >= 0 && pMerger <= 1, "p(merger) " + pMerger);
        assertEquals(2, classes.size());
        assertEquals(1.0, classes.get(0) + classes.get(1), 1e-5);
        assertTrue(classes.contains(pMerger), "p(merger) is one of the class probabilities");
    }

    @Test
    void scoresEveryZtfAlertAsJsonLines() throws Exception {
        Path dir = TestData.require("alerts/ztf");
        Path out = tmp.resolve("ztf.jsonl");
        Path rejects = tmp.resolve("ztf-rejects.jsonl");
        List<String> a = new ArrayList<>(List.of(args("jsonl", out, rejects, dir)));
        a.addAll(1, List.of("--decode-threads", "3", "--batch-size", "40"));
        Run run = run(a.toArray(String[]::new));

        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals(fileCount(dir), run.total(), run.stderr());
        assertEquals(run.total(), run.scored() + run.rejected());
        assertTrue(run.scored() > 0, run.stderr());
        Set<String> rejected = new HashSet<>();
        checkRejects(rejects, run).forEach(r -> rejected.add(r.get("location").asText()));

        List<JsonNode> scores = jsonLines(out);
        assertEquals(run.scored(), scores.size());
        List<String> expectedOrder;
        try (Stream<Path> files = Files.list(dir)) {
            expectedOrder = files.sorted().filter(f -> !rejected.contains(f.toString()))
                    .map(f -> f.getFileName().toString()).toList();
        }
        assertEquals(expectedOrder, scores.stream()
                .map(s -> s.get("objectId").asText() + "_" + s.get("sourceId").asText() + ".avro").toList(),
                "scores come out in input order (ZTF files are named objectId_candid.avro)");
        Set<String> ids = new HashSet<>();
        long notApplicable = 0;
        for (JsonNode s : scores) {
            assertEquals("ZTF", s.get("survey").asText());
            assertTrue(s.get("objectId").asText().startsWith("ZTF"), s.toString());
            assertTrue(ids.add(s.get("sourceId").asText()), "one line per alert");
            assertEquals(modelSha256, s.get("modelSha256").asText());
            assertTrue(s.get("ra").asDouble() >= 0 && s.get("ra").asDouble() < 360);
            assertTrue(Math.abs(s.get("dec").asDouble()) <= 90);
            List<Float> classes = new ArrayList<>();
            s.get("classifications").forEach(p -> classes.add((float) p.asDouble()));
            if (s.get("applicable").asBoolean()) {
                checkProbabilities((float) s.get("pMerger").asDouble(), classes);
                assertTrue(s.get("reason").isNull(), s.toString());
            } else {
                checkNotApplicable(s.get("pMerger").isNull() ? null : 0f, s.get("reason").asText(), classes.size(),
                        s.toString());
                assertTrue(s.get("logit").isNull(), s.toString());
                notApplicable++;
            }
            assertEquals(3, s.get("bands").size());
        }
        assertEquals(run.notApplicable(), notApplicable, run.stderr());
        assertTrue(notApplicable >= 22, "at least the 22 alerts on PS1 stars: " + run.stderr());
    }

    @Test
    void withoutModelScoresWithTheEmbeddedDefaultModel() throws Exception {
        assertTrue(org.deepmerge.streams.runtime.DefaultModel.available(),
                "the streams jar embeds " + org.deepmerge.streams.runtime.DefaultModel.RESOURCE);
        byte[] embedded;
        try (java.io.InputStream in = getClass().getResourceAsStream(org.deepmerge.streams.runtime.DefaultModel.RESOURCE)) {
            embedded = in.readAllBytes();
        }
        assertTrue(embedded.length < 1_000_000, "default model is small: " + embedded.length + " bytes");
        Path dir = TestData.require("alerts/ztf");
        Path out = tmp.resolve("default.jsonl");
        Run run = run("score", "--format", "jsonl", "--out", out.toString(), dir.toString());
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals(fileCount(dir), run.scored(), run.stderr());
        List<String> lines = Files.readAllLines(out);
        assertEquals(run.scored(), lines.size());
        String sha = org.deepmerge.core.model.ModelIdentity.sha256(embedded);
        for (String line : lines) {
            assertTrue(line.contains("\"modelName\":\"deepmerge-default\""), line);
            assertTrue(line.contains("\"modelSha256\":\"" + sha + "\""), line);
        }
    }

    @Test
    void scoresRubinAlertsAsCsv() throws Exception {
        Path dir = TestData.require("alerts/rubin-v9_0");
        Path out = tmp.resolve("rubin.csv");
        Path rejects = tmp.resolve("rubin-rejects.jsonl");
        Run run = run(args("csv", out, rejects, dir));

        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals(fileCount(dir), run.total(), run.stderr());
        assertEquals(run.total(), run.scored() + run.rejected());
        assertTrue(run.scored() > 0, run.stderr());
        checkRejects(rejects, run);

        Csv.Table table = Csv.read(out);
        assertEquals(run.scored(), table.rows().size(), "header plus one row per scored alert");
        List<String> header = table.header();
        int sha = header.indexOf("modelSha256");
        int survey = header.indexOf("survey");
        int p = header.indexOf("pMerger");
        int applicable = header.indexOf("applicable");
        int reason = header.indexOf("reason");
        List<Integer> classColumns = new ArrayList<>();
        for (int i = 0; i < header.size(); i++) {
            if (header.get(i).startsWith("p_")) {
                classColumns.add(i);
            }
        }
        assertEquals(2, classColumns.size(), header.toString());
        Set<String> ids = new HashSet<>();
        for (Csv.Row row : table.rows()) {
            String[] cells = row.fields().toArray(String[]::new);
            String line = String.join(",", row.fields());
            assertEquals(header.size(), cells.length, line);
            assertEquals("LSST", cells[survey]);
            assertEquals(modelSha256, cells[sha]);
            assertTrue(ids.add(cells[0]), "one row per alert");
            if (Boolean.parseBoolean(cells[applicable])) {
                checkProbabilities(Float.parseFloat(cells[p]), List.of(Float.parseFloat(cells[classColumns.get(0)]),
                        Float.parseFloat(cells[classColumns.get(1)])));
            } else {
                assertEquals("", cells[p] + cells[classColumns.get(0)] + cells[classColumns.get(1)], line);
                checkNotApplicable(null, cells[reason], 0, line);
            }
        }
    }

    @Test
    void scoresATarballOfZtfAndRubinAlertsAsAvro() throws Exception {
        Path ztf = TestData.require("alerts/ztf");
        Path rubin = TestData.require("alerts/rubin-v9_0");
        Path tar = tmp.resolve("ztf_public_20250101.tar.gz");
        try (OutputStream raw = Files.newOutputStream(tar);
             TarArchiveOutputStream t = new TarArchiveOutputStream(new GzipCompressorOutputStream(raw))) {
            for (Path dir : List.of(ztf, rubin)) {
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path f : files.sorted().toList()) {
                        byte[] b = Files.readAllBytes(f);
                        TarArchiveEntry e = new TarArchiveEntry(dir.getFileName() + "/" + f.getFileName());
                        e.setSize(b.length);
                        t.putArchiveEntry(e);
                        t.write(b);
                        t.closeArchiveEntry();
                    }
                }
            }
        }
        Path out = tmp.resolve("both.avro");
        Path rejects = tmp.resolve("both-rejects.jsonl");
        Run run = run(args("avro", out, rejects, tar));

        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals(fileCount(ztf) + fileCount(rubin), run.total(), run.stderr());
        assertEquals(run.total(), run.scored() + run.rejected());
        for (JsonNode r : checkRejects(rejects, run)) {
            assertTrue(r.get("location").asText().startsWith(tar + "!/"), r.toString());
        }

        List<MergerScore> scores = new ArrayList<>();
        try (InputStream in = Files.newInputStream(out);
             DataFileStream<MergerScore> avro = new DataFileStream<>(in, new SpecificDatumReader<>(MergerScore.class))) {
            avro.forEach(scores::add);
        }
        assertEquals(run.scored(), scores.size());
        Set<String> surveys = new HashSet<>();
        for (MergerScore s : scores) {
            surveys.add(s.getSurvey());
            assertEquals(modelSha256, s.getModelSha256());
            if (s.getApplicable()) {
                checkProbabilities(s.getPMerger(), s.getClassifications().stream().map(Classification::getProbability).toList());
            } else {
                checkNotApplicable(s.getPMerger(), s.getReason(), s.getClassifications().size(), s.toString());
            }
        }
        assertEquals(Set.of("ZTF", "LSST"), surveys);
    }

    @Test
    void listsUnscorableInputsOnStderrWithLocationPositionAndReason() throws Exception {
        List<Path> ztf;
        try (Stream<Path> s = Files.list(TestData.require("alerts/ztf"))) {
            ztf = s.sorted().limit(2).toList();
        }
        Path dir = tmp.resolve("mixed");
        Files.createDirectories(dir);
        Files.copy(ztf.get(0), dir.resolve("a.avro"));
        Files.copy(ztf.get(1), dir.resolve("b.avro"));
        Files.copy(TestData.require("images/hubble_deep_field.jpg"), dir.resolve("c.avro"));
        byte[] alert = Files.readAllBytes(ztf.get(0));
        Files.write(dir.resolve("d.avro"), Arrays.copyOf(alert, alert.length / 3));
        Path out = tmp.resolve("mixed.jsonl");

        Run run = run(args("jsonl", out, null, dir));
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals(2, run.scored(), run.stderr());
        assertEquals(2, run.rejected(), run.stderr());
        assertEquals(4, run.total());
        assertTrue(run.stderr().contains("rejected " + dir.resolve("c.avro") + " #2: " + Reason.UNKNOWN_FORMAT),
                run.stderr());
        assertTrue(run.stderr().contains("rejected " + dir.resolve("d.avro") + " #3: "), run.stderr());
        assertEquals(2, Files.readAllLines(out).size());
    }

    @Test
    void scoresEveryRecordOfAMultiRecordCutoutContainer() throws Exception {
        List<Path> ztf;
        try (Stream<Path> s = Files.list(TestData.require("alerts/ztf"))) {
            ztf = s.sorted().limit(3).toList();
        }
        AlertReader reader = new AlertReader(null);
        List<Cutout> records = new ArrayList<>();
        for (Path f : ztf) {
            records.add(CutoutRecords.fromAlert(reader.read(Files.readAllBytes(f))));
        }
        Path container = tmp.resolve("cutouts.avro");
        Files.write(container, CutoutRecords.toContainerFile(records));
        Path out = tmp.resolve("cutouts.jsonl");

        Run run = run(args("jsonl", out, null, container));
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals(3, run.scored(), run.stderr());
        assertEquals(3, run.total());
        assertEquals(records.stream().map(Cutout::getSourceId).toList(),
                jsonLines(out).stream().map(n -> n.get("sourceId").asText()).toList());
    }

    @Test
    void confluentFramedRubinAlertsUseTheSchemaDirectoryAndNullCutoutsAreRejectedWithTheirReason() throws Exception {
        Path message = tmp.resolve("rubin-900.bin");
        Files.write(message, Alerts.rubinFakeAlertFramed(900));
        Path out = tmp.resolve("framed.jsonl");
        Path rejects = tmp.resolve("framed-rejects.jsonl");

        List<String> a = new ArrayList<>(List.of(args("jsonl", out, rejects, message)));
        a.addAll(1, List.of("--schema-dir", TestData.require("schemas/lsst").toString()));
        Run run = run(a.toArray(String[]::new));
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals(1, run.rejected(), run.stderr());
        JsonNode r = checkRejects(rejects, run).get(0);
        assertEquals(Reason.MISSING_CUTOUT.name(), r.get("reason").asText());
        assertTrue(r.get("message").asText().startsWith("cutoutTemplate is null"), r.toString());

        Run noSchemas = run(args("jsonl", out, rejects, message));
        assertEquals(0, noSchemas.exitCode(), noSchemas.stderr());
        assertEquals(Reason.UNKNOWN_SCHEMA.name(), checkRejects(rejects, noSchemas).get(0).get("reason").asText());
    }

    /**
     * A registry requiring basic auth: the credentials come from the environment (never the command line), a
     * registry that is down is retried then rejected as IO_ERROR, and no message shows the password, even when it was
     * (against the advice printed) given in the --registry URL.
     */
    @Test
    void aSecuredRegistryTakesItsCredentialsFromTheEnvironmentAndNoRejectShowsThem() throws Exception {
        String secret = "TopSecret-42";
        Path message = tmp.resolve("rubin-900.bin");
        Files.write(message, Alerts.rubinFakeAlertFramed(900));
        Path out = tmp.resolve("secured.jsonl");
        Path rejects = tmp.resolve("secured-rejects.jsonl");
        try (TestRegistry registry = TestRegistry.start()) {
            registry.requireBasicAuth("alice:" + secret);
            List<String> a = new ArrayList<>(List.of(args("jsonl", out, rejects, message)));
            a.addAll(1, List.of("--registry", registry.url()));

            Run ok = run(java.util.Map.of("DEEPMERGE_INPUT_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO", "alice:" + secret),
                    a.toArray(String[]::new));
            assertEquals(0, ok.exitCode(), ok.stderr());
            assertEquals(Reason.MISSING_CUTOUT.name(), checkRejects(rejects, ok).get(0).get("reason").asText(),
                    "the schema came from the registry: the alert decoded, its cutouts are null");
            assertEquals(1, registry.requests());

            Run none = run(java.util.Map.of(), a.toArray(String[]::new));
            JsonNode refused = checkRejects(rejects, none).get(0);
            assertEquals(Reason.IO_ERROR.name(), refused.get("reason").asText());
            assertTrue(refused.get("message").asText().contains("refused the credentials: HTTP 401"), refused.toString());

            registry.failWith(503);
            int before = registry.requests();
            a.set(a.indexOf(registry.url()), registry.url().replace("://", "://alice:" + secret + "@"));
            Run down = run(java.util.Map.of("DEEPMERGE_SCHEMA_REGISTRY_MAX_ATTEMPTS", "2",
                    "DEEPMERGE_SCHEMA_REGISTRY_RETRY_BACKOFF_MS", "1"), a.toArray(String[]::new));
            assertEquals(0, down.exitCode(), down.stderr());
            JsonNode failed = checkRejects(rejects, down).get(0);
            assertEquals(Reason.IO_ERROR.name(), failed.get("reason").asText());
            assertTrue(failed.get("message").asText().contains("gave up after 2 attempts"), failed.toString());
            assertEquals(before + 2, registry.requests());
            assertTrue(down.stderr().contains("credentials in --registry are visible in the process list"), down.stderr());
            for (String shown : List.of(ok.stderr(), none.stderr(), down.stderr(), Files.readString(rejects))) {
                assertFalse(shown.contains(secret), shown);
            }
        }
    }

    @Test
    void missingModelFailsTheRunWithExitCode2() {
        Path missing = tmp.resolve("no-such-model.onnx");
        Run run = run("score", "--model", missing.toString(), TestData.require("alerts/ztf").toString());
        assertEquals(ScoreCommand.EXIT_RUN_FAILED, run.exitCode());
        assertTrue(run.stderr().contains(missing.toString()), run.stderr());
        assertEquals(-1, run.total(), "no summary: the run did not happen");
    }

    @Test
    void missingInputFailsTheRunWithExitCode2() {
        Path missing = tmp.resolve("ztf_public_20991231.tar.gz");
        Run run = run(args("jsonl", tmp.resolve("x.jsonl"), null, missing));
        assertEquals(ScoreCommand.EXIT_RUN_FAILED, run.exitCode());
        assertTrue(run.stderr().contains(Reason.IO_ERROR + ": input does not exist: " + missing), run.stderr());
    }

    @Test
    void invalidModelFileFailsTheRunWithExitCode2() throws Exception {
        Path bogus = tmp.resolve("bogus.onnx");
        Files.copy(TestData.require("images/hubble_deep_field.jpg"), bogus);
        Run bad = run("score", "--model", bogus.toString(), TestData.require("alerts/ztf").toString());
        assertEquals(ScoreCommand.EXIT_RUN_FAILED, bad.exitCode());
        assertTrue(bad.stderr().contains(Reason.INVALID_MODEL.name()), bad.stderr());
    }

    @Test
    void aModelDeclaringAHugeInputFailsTheRunWithOneInvalidModelLine() throws Exception {
        // 3 x 50000 x 50000 floats overflowed the int element count: a stack trace instead of the model's error
        Path big = org.deepmerge.streams.testing.TestModels.meanSigmoid(tmp.resolve("big.onnx"), 0.01f, "big",
                List.of("g", "r", "i"), 50_000);
        Run run = run("score", "--model", big.toString(), org.deepmerge.streams.testing.Alerts.ztf().get(0).toString());
        assertEquals(ScoreCommand.EXIT_RUN_FAILED, run.exitCode(), run.stderr());
        assertEquals(1, run.stderr().strip().lines().count(), "one line: " + run.stderr());
        assertTrue(run.stderr().startsWith("deepmerge score: " + Reason.INVALID_MODEL + ": ")
                && run.stderr().contains("[-1, 3, 50000, 50000]") && run.stderr().contains("4096"), run.stderr());
        assertEquals(-1, run.total(), "no summary: the run did not start");

        // within the per-image limit, but 16 images of 4 x 4096 x 4096 floats are 4 GiB: more than an input buffer
        Path wide = org.deepmerge.streams.testing.TestModels.meanSigmoid(tmp.resolve("wide.onnx"), 0.01f, "wide",
                List.of("g", "r", "i", "z"), 4096);
        run = run("score", "--model", wide.toString(), "--batch-size", "16",
                org.deepmerge.streams.testing.Alerts.ztf().get(0).toString());
        assertEquals(ScoreCommand.EXIT_RUN_FAILED, run.exitCode(), run.stderr());
        assertEquals(1, run.stderr().strip().lines().count(), "one line: " + run.stderr());
        assertTrue(run.stderr().startsWith("deepmerge score: " + Reason.INVALID_CONFIG + ": ")
                && run.stderr().contains("smaller batch size"), run.stderr());
    }

    @Test
    void aNanModelOutputIsRejectedNotScored() throws Exception {
        Path nan = org.deepmerge.streams.testing.TestModels.meanSigmoid(tmp.resolve("nan.onnx"), Float.NaN, "nan");
        Path dir = Files.createDirectories(tmp.resolve("in"));
        List<Path> ztf = org.deepmerge.streams.testing.Alerts.ztf();
        for (int i = 0; i < 3; i++) {
            Files.copy(ztf.get(i), dir.resolve(ztf.get(i).getFileName()));
        }
        Path out = tmp.resolve("nan.jsonl");
        Run run = run("score", "--no-gate", "--model", nan.toString(), "--format", "jsonl", "--out", out.toString(),
                dir.toString());
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals(0, run.scored(), run.stderr());
        assertEquals(3, run.rejected(), run.stderr());
        assertTrue(run.stderr().contains(Reason.MODEL_OUTPUT_INVALID.name()), run.stderr());
        assertEquals(0, Files.readAllLines(out).size(), "no score record with pMerger NaN or null");
    }

    @Test
    void noGateSendsEveryAlertToTheModel() throws Exception {
        Path dir = TestData.require("alerts/ztf");
        Path out = tmp.resolve("raw.jsonl");
        List<String> a = new ArrayList<>(List.of(args("jsonl", out, null, dir)));
        a.add(1, "--no-gate");
        Run run = run(a.toArray(String[]::new));
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals(0, run.notApplicable(), run.stderr());
        assertEquals(fileCount(dir), run.scored(), run.stderr());
        for (JsonNode s : jsonLines(out)) {
            assertTrue(s.get("applicable").asBoolean(), s.toString());
            assertFalse(s.get("pMerger").isNull(), s.toString());
        }
    }

    @Test
    void dumpInputsWritesEachModelInputAsFitsIncludingNotApplicableOnes() throws Exception {
        List<Path> ztf;
        try (Stream<Path> s = Files.list(TestData.require("alerts/ztf"))) {
            ztf = s.sorted().limit(6).toList(); // the first files hold alerts on PS1 stars and on galaxies
        }
        Path dumps = tmp.resolve("dumps");
        Path out = tmp.resolve("dump.jsonl");
        List<String> a = new ArrayList<>(List.of(args("jsonl", out, null, ztf.toArray(Path[]::new))));
        a.addAll(1, List.of("--dump-inputs", dumps.toString()));
        Run run = run(a.toArray(String[]::new));
        assertEquals(0, run.exitCode(), run.stderr());
        List<JsonNode> scores = jsonLines(out);
        assertEquals(ztf.size(), fileCount(dumps));
        org.deepmerge.core.model.ModelContract contract;
        try (org.deepmerge.core.inference.OnnxScorer scorer = org.deepmerge.core.inference.OnnxScorer.open(model,
                org.deepmerge.core.inference.ScorerOptions.defaults(),
                new org.deepmerge.core.model.ContractOverrides(null, List.of("g", "r", "i"), null, null, null, "52",
                        org.deepmerge.core.model.OutputKind.LOGITS, null, null, null, null))) {
            contract = scorer.contract();
        }
        org.deepmerge.core.pipeline.CutoutPipeline pipeline = org.deepmerge.core.pipeline.CutoutPipeline.create(contract,
                null, org.deepmerge.core.preprocess.ChannelMapping.defaults(),
                org.deepmerge.core.fits.StampLimits.defaults());
        boolean sawNotApplicable = false;
        for (int i = 0; i < ztf.size(); i++) {
            JsonNode s = scores.get(i);
            Path f = dumps.resolve(org.deepmerge.app.offline.InputDump.fileName(s.get("sourceId").asText()));
            float[] expected = pipeline.prepare(Files.readAllBytes(ztf.get(i))).image();
            try (nom.tam.fits.Fits fits = new nom.tam.fits.Fits(f.toFile())) {
                nom.tam.fits.BasicHDU<?> hdu = fits.readHDU();
                nom.tam.fits.Header h = hdu.getHeader();
                assertEquals(contract.width(), h.getIntValue("NAXIS1"));
                assertEquals(contract.height(), h.getIntValue("NAXIS2"));
                assertEquals(3, h.getIntValue("NAXIS3"));
                assertEquals(-32, h.getIntValue("BITPIX"));
                assertEquals(s.get("sourceId").asText(), h.getStringValue("SRCID"));
                assertEquals("ZTF", h.getStringValue("SURVEY"));
                assertEquals(contract.normalisation().spec(), h.getStringValue("NORM"));
                assertEquals(contract.modelName(), h.getStringValue("MODEL"));
                boolean applicable = s.get("applicable").asBoolean();
                assertEquals(applicable, h.getBooleanValue("APPLIC"));
                if (!applicable) {
                    sawNotApplicable = true;
                    assertTrue(s.get("reason").asText().startsWith(h.getStringValue("GATE") + ": "), s.toString());
                }
                float[][][] cube = (float[][][]) hdu.getKernel();
                int w = contract.width();
                int hh = contract.height();
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < hh; y++) {
                        for (int x = 0; x < w; x++) {
                            assertEquals(expected[(c * hh + y) * w + x], cube[c][y][x], "pixel " + c + "," + y + "," + x);
                        }
                    }
                }
            }
        }
        assertTrue(sawNotApplicable, "the first ZTF alerts include PS1 stars: " + run.stderr());
    }
}
