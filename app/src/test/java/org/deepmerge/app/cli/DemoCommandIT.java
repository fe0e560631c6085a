package org.deepmerge.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.deepmerge.core.model.ModelIdentity;
import org.deepmerge.core.testing.TestData;
import org.deepmerge.streams.testing.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Runs {@code deepmerge demo} in-process end to end (real in-JVM KRaft broker, real ONNX Runtime session with the
 * tiny in-code model of {@link TestModels}) and checks the printed summary: every input accounted for, the model
 * SHA-256 that of the file, and the temporary broker directory gone afterwards.
 */
class DemoCommandIT {

    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {
    }

    static Run demo(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new DeepMergeCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        System.out.println(out);
        return new Run(exit, out.toString(), err.toString());
    }

    static long number(String text, String label) {
        Matcher m = Pattern.compile("(?m)^\\s*" + Pattern.quote(label) + ":\\s+(\\d+)").matcher(text);
        assertTrue(m.find(), "summary has '" + label + "': " + text);
        return Long.parseLong(m.group(1));
    }

    static void assertCommon(Run r, Path model) throws Exception {
        assertEquals(0, r.exit(), "demo exit code; stderr: " + r.err());
        long sent = number(r.out(), "sent");
        long scored = number(r.out(), "scored");
        long dead = number(r.out(), "dead-lettered");
        assertEquals(sent, scored + dead, "every input is scored or dead-lettered");
        Matcher sha = Pattern.compile("model sha256:\\s+([0-9a-f]{64})").matcher(r.out());
        assertTrue(sha.find(), r.out());
        assertEquals(ModelIdentity.sha256(model), sha.group(1), "summary names the model file's SHA-256");
        Matcher lat = Pattern.compile("p50 (\\d+) ms, p95 (\\d+) ms, p99 (\\d+) ms").matcher(r.out());
        assertTrue(lat.find(), r.out());
        assertTrue(Long.parseLong(lat.group(1)) <= Long.parseLong(lat.group(2))
                && Long.parseLong(lat.group(2)) <= Long.parseLong(lat.group(3)), "percentiles are ordered");
        Matcher dir = Pattern.compile("data in (\\S+)\\)").matcher(r.err());
        assertTrue(dir.find(), r.err());
        assertFalse(Files.exists(Path.of(dir.group(1))), "temporary broker directory deleted");
    }

    @Test
    void syntheticCutoutsAreAllScoredAndComparedWithTruth() throws Exception {
        Path model = TestModels.meanSigmoid(tmp.resolve("tiny.onnx"));
        Run r = demo("demo", "--count", "40", "--model", model.toString(), "--top", "5", "--seed", "7");
        assertCommon(r, model);
        assertEquals(40, number(r.out(), "sent"));
        assertEquals(40, number(r.out(), "scored"), "well-formed synthetic cutouts never dead-letter");
        Matcher auc = Pattern.compile("\\((\\d+) mergers of (\\d+); the (\\d+) scored by the model\\): ROC AUC ([0-9.]+|NaN), accuracy ([0-9.]+|NaN)").matcher(r.out());
        assertTrue(auc.find(), r.out());
        assertEquals(20, Integer.parseInt(auc.group(1)), "half of the synthetic set are mergers");
        assertEquals(40, Integer.parseInt(auc.group(2)));
        int byModel = Integer.parseInt(auc.group(3));
        Matcher na = Pattern.compile("scored:\\s+40 \\(not applicable (\\d+)").matcher(r.out());
        assertTrue(na.find(), r.out());
        assertEquals(40 - Integer.parseInt(na.group(1)), byModel, "the model scores what the gate lets through");
        if (byModel > 0) {
            double a = Double.parseDouble(auc.group(4));
            assertTrue(a >= 0 && a <= 1, "AUC in [0,1]: " + a);
        }
        try (Stream<String> lines = r.out().lines()) {
            assertEquals(5, lines.filter(l -> l.trim().startsWith("sim-")).count(), "--top 5 lists five objects");
        }
    }

    @Test
    void realZtfAlertsAreEachScoredOrDeadLettered() throws Exception {
        Path alerts = TestData.require("alerts/ztf");
        long files;
        try (Stream<Path> s = Files.list(alerts)) {
            files = s.filter(p -> p.toString().endsWith(".avro")).count();
        }
        Path model = TestModels.meanSigmoid(tmp.resolve("tiny.onnx"));
        Run r = demo("demo", "--alerts", alerts.toString(), "--count", "3", "--model", model.toString());
        assertCommon(r, model);
        assertEquals(files, number(r.out(), "sent"), "--count is ignored with --alerts: every alert is sent");
        assertTrue(number(r.out(), "scored") > 0, r.out());
        assertFalse(r.out().contains("ROC AUC"), "no truth for real alerts");
    }
}
