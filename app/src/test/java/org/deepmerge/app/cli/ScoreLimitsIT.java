package org.deepmerge.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.ArrayList;
import org.deepmerge.avro.v1.Cutout;
import org.deepmerge.core.alert.AlertReader;
import org.deepmerge.core.alert.CutoutRecords;
import org.deepmerge.core.testing.HostileInputs;
import org.deepmerge.core.testing.TestData;
import org.deepmerge.app.testing.ChildJvm;
import org.deepmerge.streams.testing.PoisonAlerts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code deepmerge score} on hostile inputs in a child JVM with a small heap: the run must end with its summary and
 * exit code 0 (the input rejected), never with an OutOfMemoryError.
 */
class ScoreLimitsIT {
    private static final Pattern SUMMARY =
            Pattern.compile("scored (\\d+) \\(not applicable (\\d+)\\), rejected (\\d+), of (\\d+)");

    @TempDir
    Path tmp;

    @Test
    void aContainerDeclaring2To40RecordsIsRejectedWithinA256MiBHeap() throws Exception {
        Path inputs = Files.createDirectories(tmp.resolve("in"));
        List<Path> ztf;
        try (Stream<Path> s = Files.list(TestData.require("alerts/ztf"))) {
            ztf = s.sorted().limit(2).toList();
        }
        Files.copy(ztf.get(0), inputs.resolve("a.avro"));
        byte[] bomb = HostileInputs.zeroByteRecords(1L << 40);
        assertTrue(bomb.length < 400, "crafted container of " + bomb.length + " bytes");
        Files.write(inputs.resolve("b-bomb.avro"), bomb);
        Files.copy(ztf.get(1), inputs.resolve("c.avro"));
        ChildRun child = scoreInChild(inputs);
        Matcher m = child.summary();
        String tail = child.tail();
        assertEquals(2, Long.parseLong(m.group(1)), tail);
        assertEquals(Files.readAllLines(child.rejects()).size(), Long.parseLong(m.group(3)), tail);
        assertTrue(Long.parseLong(m.group(3)) >= 1, tail);
        assertEquals(2, Files.readAllLines(child.out()).size(), tail);
        String rejected = Files.readString(child.rejects());
        assertTrue(rejected.contains("b-bomb.avro") && rejected.contains("1099511627776"), rejected);
    }

    /** A child run that exited 0: its summary line, the tail of its log for messages, its score and reject files. */
    private record ChildRun(Matcher summary, String tail, Path out, Path rejects) {
    }

    /**
     * Runs {@code deepmerge score} with the untrained DeepMerge export in a child JVM with a 256 MiB heap, scores and
     * rejects to files in the test's directory; asserts exit code 0 and a summary line.
     */
    private ChildRun scoreInChild(Path inputs) throws Exception {
        Path model = TestData.require("models/deepmerge-da-pytorch-untrained.onnx");
        Path out = tmp.resolve("scores.jsonl");
        Path rejects = tmp.resolve("rejects.jsonl");
        Path log = tmp.resolve("child.log");
        Process p = ChildJvm.start(tmp, log, "256m", List.of("score", "--model", model.toString(),
                "--channels", "g,r,i", "--output-name", "52", "--output-kind", "logits",
                "--decode-threads", "2", "--out", out.toString(), "--rejects", rejects.toString(), inputs.toString()));
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "child did not finish");
        String tail = ChildJvm.tail(log);
        assertEquals(0, p.exitValue(), tail);
        Matcher m = SUMMARY.matcher(Files.readString(log));
        assertTrue(m.find(), tail);
        return new ChildRun(m, tail, out, rejects);
    }

    private static List<Path> ztf(int n) throws Exception {
        try (Stream<Path> s = Files.list(TestData.require("alerts/ztf"))) {
            return s.sorted().limit(n).toList();
        }
    }

    @Test
    void anOutOfMemoryErrorInADecodeThreadEndsTheRunWithTheSummaryTheScoresSoFarAndExitCode2() throws Exception {
        Path model = TestData.require("models/deepmerge-da-pytorch-untrained.onnx");
        Path inputs = Files.createDirectories(tmp.resolve("in"));
        List<Path> ztf = ztf(5);
        for (int i = 0; i < ztf.size(); i++) {
            Files.copy(ztf.get(i), inputs.resolve(i + ".avro"));
        }
        Path out = tmp.resolve("scores.jsonl");
        CommandLine cli = DeepMergeCli.commandLine();
        ScoreCommand score = (ScoreCommand) cli.getSubcommands().get("score").getCommand();
        score.beforePrepare = entry -> {
            if (entry.location().endsWith("3.avro")) {
                throw new OutOfMemoryError("Java heap space (injected)");
            }
        };
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute("score", "--model", model.toString(), "--channels", "g,r,i", "--output-name", "52",
                "--output-kind", "logits", "--decode-threads", "2", "--out", out.toString(), inputs.toString());
        String stderr = err.toString();
        assertEquals(ScoreCommand.EXIT_RUN_FAILED, code, stderr);
        Matcher m = SUMMARY.matcher(stderr);
        assertTrue(m.find(), stderr);
        assertEquals("scored 3 (not applicable " + m.group(2) + "), rejected 0, of 3", m.group(), stderr);
        assertEquals(3, Files.readAllLines(out).size(), stderr);
        List<String> errors = stderr.lines().filter(l -> l.startsWith("deepmerge score:")).toList();
        assertEquals(1, errors.size(), stderr);
        assertTrue(errors.get(0).contains("OutOfMemoryError"), stderr);
        assertTrue(stderr.lines().noneMatch(l -> l.trim().startsWith("at ")), "no stack trace: " + stderr);
    }

    private record Run(int code, String stderr, String summary) {
    }

    private Run run(Path out, Path rejects, String... more) throws Exception {
        Path model = TestData.require("models/deepmerge-da-pytorch-untrained.onnx");
        List<String> args = new ArrayList<>(List.of("score", "--model", model.toString(), "--channels", "g,r,i",
                "--output-name", "52", "--output-kind", "logits", "--out", out.toString(), "--rejects", rejects.toString()));
        args.addAll(List.of(more));
        StringWriter err = new StringWriter();
        CommandLine cli = DeepMergeCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args.toArray(String[]::new));
        Matcher m = SUMMARY.matcher(err.toString());
        return new Run(code, err.toString(), m.find() ? m.group().replaceAll("\\(not applicable \\d+\\)", "(na)") : null);
    }

    @Test
    void recordsOfAContainerBeyondThePerFileLimitAreRejectedAsOneLineWithTheirCount() throws Exception {
        AlertReader reader = new AlertReader(null);
        List<Cutout> records = new ArrayList<>();
        for (Path f : ztf(3)) {
            records.add(CutoutRecords.fromAlert(reader.read(Files.readAllBytes(f))));
        }
        Path container = tmp.resolve("cutouts.avro");
        Files.write(container, CutoutRecords.toContainerFile(records));
        Path out = tmp.resolve("out.jsonl");
        Path rejects = tmp.resolve("rejects.jsonl");
        Run run = run(out, rejects, "--max-records-per-file", "2", container.toString());
        assertEquals(0, run.code(), run.stderr());
        assertEquals("scored 2 (na), rejected 1, of 3", run.summary(), run.stderr());
        assertEquals(2, Files.readAllLines(out).size());
        String reject = Files.readString(rejects);
        assertTrue(reject.contains("cutouts.avro[2..]") && reject.contains("INPUT_TOO_LARGE")
                && reject.contains("declares 3 records, more than the limit of 2 per file"), reject);
    }

    @Test
    void inputsBeyondTheRunLimitAreRejectedWithoutBeingScored() throws Exception {
        Path inputs = Files.createDirectories(tmp.resolve("in"));
        List<Path> ztf = ztf(4);
        for (int i = 0; i < ztf.size(); i++) {
            Files.copy(ztf.get(i), inputs.resolve(i + ".avro"));
        }
        Path out = tmp.resolve("out.jsonl");
        Path rejects = tmp.resolve("rejects.jsonl");
        Run run = run(out, rejects, "--max-records", "2", inputs.toString());
        assertEquals(0, run.code(), run.stderr());
        assertEquals("scored 2 (na), rejected 2, of 4", run.summary(), run.stderr());
        List<String> rejected = Files.readAllLines(rejects);
        assertEquals(2, rejected.size());
        for (String r : rejected) {
            assertTrue(r.contains("INPUT_TOO_LARGE") && r.contains("limit of 2 records (--max-records)"), r);
        }
    }

    @Test
    void twoGzipBombsDecodedAtOnceByTwoDecodeThreadsAreBothRejectedWithinA256MiBHeap() throws Exception {
        Path inputs = Files.createDirectories(tmp.resolve("in"));
        byte[] bomb = HostileInputs.gzipBomb();
        for (int i = 0; i < 2; i++) {
            Cutout c = CutoutRecords.cutout("bomb" + i, null, "SIM", 10, 20, null, List.of(
                    CutoutRecords.band("g", "science", 0.2, bomb), CutoutRecords.band("r", "science", 0.2, bomb),
                    CutoutRecords.band("i", "science", 0.2, bomb)));
            Files.write(inputs.resolve("bomb" + i + ".avro"), CutoutRecords.toContainerFile(List.of(c)));
        }
        Files.copy(ztf(1).get(0), inputs.resolve("z.avro"));
        ChildRun child = scoreInChild(inputs);
        Matcher m = child.summary();
        String tail = child.tail();
        assertEquals("1", m.group(1), tail);
        assertEquals("2", m.group(3), tail);
        for (String r : Files.readAllLines(child.rejects())) {
            assertTrue(r.contains("STAMP_TOO_LARGE"), r);
        }
    }

    @Test
    void alertsWithManyDistinctLargeWriterSchemasAreScoredOrRejectedWithinA256MiBHeap() throws Exception {
        Path inputs = Files.createDirectories(tmp.resolve("in"));
        int files = 30;
        for (int i = 0; i < files; i++) {
            Files.write(inputs.resolve(String.format("s%02d.avro", i)), HostileInputs.largeSchema(i, 1_250_000));
        }
        Files.copy(ztf(1).get(0), inputs.resolve("z.avro"));
        ChildRun child = scoreInChild(inputs);
        Matcher m = child.summary();
        String tail = child.tail();
        assertEquals("1", m.group(1), tail);
        assertEquals(String.valueOf(files), m.group(3), tail);
    }

    @Test
    void aValidAlertWithA70000CharacterObjectIdIsRejectedOfflineAsInTheStream() throws Exception {
        Path inputs = Files.createDirectories(tmp.resolve("in"));
        List<Path> ztf = ztf(2);
        Files.copy(ztf.get(0), inputs.resolve("a.avro"));
        Files.write(inputs.resolve("b-long-id.avro"), PoisonAlerts.withObjectId(Files.readAllBytes(ztf.get(1)),
                "ZTF" + "x".repeat(70_000)));
        Path out = tmp.resolve("out.jsonl");
        Path rejects = tmp.resolve("rejects.jsonl");
        Run run = run(out, rejects, inputs.toString());
        assertEquals(0, run.code(), run.stderr());
        assertEquals("scored 1 (na), rejected 1, of 2", run.summary(), run.stderr());
        String reject = Files.readString(rejects);
        assertTrue(reject.contains("b-long-id.avro") && reject.contains("FIELD_TOO_LONG")
                && reject.contains("objectId is 70003 bytes"), reject);
        assertTrue(reject.length() < 2_000, "the reject line quotes a prefix, not the id: " + reject.length() + " chars");
    }

    /**
     * Containers of hundreds of real alerts each, with a model of fixed batch 256 (a read-ahead window of 264 inputs):
     * read ahead without a byte budget, the four files (~160 MB of input, ~270 MB of prepared images) do not fit a
     * 256 MiB heap.
     */
    @Test
    void manyRecordContainersReadAheadStayWithinA256MiBHeap() throws Exception {
        Path inputs = Files.createDirectories(tmp.resolve("in"));
        AlertReader reader = new AlertReader(null);
        List<Cutout> real = new ArrayList<>();
        for (Path f : ztf(60)) {
            real.add(CutoutRecords.fromAlert(reader.read(Files.readAllBytes(f))));
        }
        int files = 4;
        int perFile = 1000;
        long bytes = 0;
        for (int i = 0; i < files; i++) {
            List<Cutout> records = new ArrayList<>(perFile);
            for (int k = 0; k < perFile; k++) {
                Cutout c = Cutout.newBuilder(real.get(k % real.size())).setSourceId("f" + i + "-" + k).build();
                records.add(c);
            }
            Path f = inputs.resolve("cutouts" + i + ".avro");
            Files.write(f, CutoutRecords.toContainerFile(records));
            bytes += Files.size(f);
        }
        assertTrue(bytes > 128L << 20, "inputs of " + bytes + " bytes");
        ChildRun child = scoreInChild(inputs);
        Matcher m = child.summary();
        String tail = child.tail();
        assertEquals(String.valueOf(files * perFile), m.group(4), tail);
        assertEquals(Long.parseLong(m.group(1)), Files.readAllLines(child.out()).size(), tail);
        assertEquals(Long.parseLong(m.group(3)), Files.readAllLines(child.rejects()).size(), tail);
        assertTrue(Long.parseLong(m.group(1)) > files * perFile / 2, tail);
    }
}
