package org.deepmerge.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.streams.testing.AlertMutants;
import org.deepmerge.streams.testing.AlertMutants.Mutant;
import org.deepmerge.streams.testing.Alerts;
import org.deepmerge.app.testing.ChildJvm;
import org.deepmerge.streams.testing.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19 fuzzing, offline: {@code deepmerge score} in a child JVM with a 256 MiB heap over a directory of seeded
 * mutants of the real alerts ({@link AlertMutants}). The run must complete (exit 0, no stack trace) and account for
 * every mutant exactly once, as a score or as a reject line naming its reason. More mutants or another seed:
 * {@code -Ddeepmerge.fuzz.count=5000 -Ddeepmerge.fuzz.seed=7}.
 */
class ScoreFuzzIT {
    static final long DEFAULT_SEED = 19L;
    static final int DEFAULT_COUNT = 540;
    private static final Pattern SUMMARY =
            Pattern.compile("scored (\\d+) \\(not applicable (\\d+)\\), rejected (\\d+), of (\\d+)");
    private static final Pattern REJECT = Pattern.compile("^rejected (\\S+) #(\\d+): ([A-Z_]+): (.*)$");

    @TempDir
    Path tmp;

    /** @return every real alert, ZTF then Rubin, with a generator over them */
    static AlertMutants generator(long seed) {
        List<Path> files = new ArrayList<>(Alerts.ztf());
        files.addAll(Alerts.rubin());
        return new AlertMutants(files.stream().map(Alerts::bytes).toList(),
                files.stream().map(p -> p.getFileName().toString()).toList(), seed);
    }

    @Test
    void everyMutantIsScoredOrRejectedWithAReasonAndTheRunCompletes() throws Exception {
        long seed = AlertMutants.seedProperty(DEFAULT_SEED);
        int count = AlertMutants.countProperty(DEFAULT_COUNT);
        AlertMutants gen = generator(seed);
        Path inputs = Files.createDirectories(tmp.resolve("mutants"));
        Map<String, Mutant> byFile = new HashMap<>();
        Map<AlertMutants.Family, Integer> families = new EnumMap<>(AlertMutants.Family.class);
        int from = AlertMutants.fromProperty();
        for (int i = from; i < from + count; i++) {
            Mutant m = gen.mutant(i);
            // no .avro extension: a damaged magic must not make the file "not an alert" by its name
            String name = String.format("m%05d-%s", i, m.family());
            Files.write(inputs.resolve(name), m.bytes());
            byFile.put(name, m);
            families.merge(m.family(), 1, Integer::sum);
        }
        Path model = TestModels.meanSigmoid(tmp.resolve("model.onnx"));
        Path out = tmp.resolve("scores.jsonl");
        Path log = tmp.resolve("child.log");
        long t0 = System.nanoTime();
        // --morphology: the measurement runs on every mutant that decodes, in the same bounded heap
        Process p = ChildJvm.start(tmp, log, "256m", List.of("score", "--model", model.toString(), "--morphology",
                "--decode-threads", "2", "--out", out.toString(), inputs.toString()));
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "child did not finish");
        String tail = ChildJvm.tail(log);
        String stderr = Files.readString(log);
        System.out.printf("fuzz offline: seed %d, %d mutants %s, score took %.1f s%n", seed, count, families,
                (System.nanoTime() - t0) / 1e9);
        assertEquals(0, p.exitValue(), tail);
        assertFalse(stderr.contains("\tat ") || stderr.contains("Exception in thread"), "stack trace:\n" + tail);

        Matcher m = SUMMARY.matcher(stderr);
        assertTrue(m.find(), tail);
        long scored = Long.parseLong(m.group(1));
        long rejected = Long.parseLong(m.group(3));
        long read = Long.parseLong(m.group(4));
        assertEquals(count, read, "every mutant read once as one input: " + m.group());
        assertEquals(read, scored + rejected, m.group());
        assertEquals(scored, Files.readAllLines(out).size(), "one score line per scored input");

        Set<String> rejectedFiles = new HashSet<>();
        Set<String> reasons = new HashSet<>();
        for (DeepMergeException.Reason r : DeepMergeException.Reason.values()) {
            reasons.add(r.name());
        }
        List<String> unexpected = new ArrayList<>();
        Map<String, Integer> outcomes = new java.util.TreeMap<>();
        for (String line : stderr.lines().filter(l -> l.startsWith("rejected ")).toList()) {
            Matcher r = REJECT.matcher(line);
            assertTrue(r.matches(), "a reject line names location, position and reason: " + line);
            assertTrue(reasons.contains(r.group(3)), "unknown reason in " + line);
            assertFalse(r.group(4).isBlank(), line);
            String file = Path.of(r.group(1)).getFileName().toString();
            assertTrue(byFile.containsKey(file), "reject of an input that is no mutant: " + line);
            assertTrue(rejectedFiles.add(file), "rejected twice: " + line);
            outcomes.merge(byFile.get(file).family() + " " + r.group(3), 1, Integer::sum);
            if (r.group(4).startsWith("unexpected ")) {
                unexpected.add(byFile.get(file).describe() + " -> " + line);
            }
        }
        assertEquals(rejected, rejectedFiles.size(), "one reject line per rejected input");
        byFile.forEach((file, mutant) -> {
            if (!rejectedFiles.contains(file)) {
                outcomes.merge(mutant.family() + " scored", 1, Integer::sum);
            }
        });
        System.out.println("fuzz offline: " + m.group() + "; by family and outcome " + outcomes);
        // a container cut short has lost at least its last sync marker, and a rewritten varint or a padded block
        // leaves the block's records and its declared count or size disagreeing: neither is a complete alert
        // unless the damage happens to give another valid encoding (a string length 3 -> 7 can shift decoding back
        // into step): Avro's own DataFileStream is the referee
        List<String> accepted = byFile.values().stream().filter(x -> x.family() == AlertMutants.Family.TRUNCATE
                || x.family() == AlertMutants.Family.VARINT).filter(x -> !rejectedFiles.contains(
                        String.format("m%05d-%s", x.index(), x.family()))).filter(x -> !avroReads(x.bytes()))
                .map(Mutant::describe).sorted().toList();
        assertTrue(accepted.isEmpty(), accepted.size() + " broken containers scored:\n" + String.join("\n", accepted));
        // a RuntimeException of a decoder is caught by the scorer's safety net, but it is a bug: every hostile input
        // must be rejected by the check that knows why
        assertTrue(unexpected.isEmpty(), unexpected.size() + " decoder bugs:\n" + String.join("\n", unexpected));
        try (Stream<Path> s = Files.list(inputs)) {
            assertEquals(count, s.count());
        }
    }

    /** @return whether Avro's DataFileStream reads every record of the container without error */
    private static boolean avroReads(byte[] container) {
        try (DataFileStream<GenericRecord> in = new DataFileStream<>(new ByteArrayInputStream(container),
                new GenericDatumReader<>())) {
            in.forEach(r -> { });
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
