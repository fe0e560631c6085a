package org.deepmerge.streams.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.deepmerge.core.testing.HostileInputs;
import org.deepmerge.core.testing.TestData;
import org.deepmerge.streams.testing.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deepmerge score} on hostile inputs in a child JVM with a small heap: the run must end with its summary and
 * exit code 0 (the input rejected), never with an OutOfMemoryError.
 */
class ScoreLimitsTest {
    private static final Pattern SUMMARY =
            Pattern.compile("scored (\\d+) \\(not applicable (\\d+)\\), rejected (\\d+), of (\\d+)");

    @TempDir
    Path tmp;

    @Test
    void aContainerDeclaring2To40RecordsIsRejectedWithinA256MiBHeap() throws Exception {
        Path model = TestData.require("models/deepmerge-da-pytorch-untrained.onnx");
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
        assertEquals(2, Long.parseLong(m.group(1)), tail);
        assertEquals(Files.readAllLines(rejects).size(), Long.parseLong(m.group(3)), tail);
        assertTrue(Long.parseLong(m.group(3)) >= 1, tail);
        assertEquals(2, Files.readAllLines(out).size(), tail);
        String rejected = Files.readString(rejects);
        assertTrue(rejected.contains("b-bomb.avro") && rejected.contains("1099511627776"), rejected);
    }
}
