package org.deepmerge.streams.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.core.pipeline.PreparedImage;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.runtime.ScoringRuntime;
import org.deepmerge.streams.serde.MergerScoreSerde;
import org.deepmerge.streams.testing.AlertMutants;
import org.deepmerge.streams.testing.AlertMutants.Mutant;
import org.deepmerge.streams.testing.Alerts;
import org.deepmerge.streams.testing.DriverConfigs;
import org.deepmerge.streams.testing.TestModels;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19 fuzzing, streaming: the seeded mutants of {@link AlertMutants} interleaved with valid real alerts through
 * the scoring topology under {@link TopologyTestDriver} (real core pipeline, real ONNX Runtime session on a tiny
 * model). Every input must end as exactly one score record or one dead letter with a reason, nothing may stay in
 * the buffer, and every valid alert must be scored with its model probability. More mutants or another seed:
 * {@code -Ddeepmerge.fuzz.count=5000 -Ddeepmerge.fuzz.seed=7}.
 */
class ScoringTopologyFuzzTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final long DEFAULT_SEED = 19L;
    private static final int DEFAULT_COUNT = 540;
    /** One valid real alert after every this many mutants. */
    private static final int VALID_EVERY = 3;

    @TempDir
    Path tmp;

    private ScoringRuntime runtime;
    private TopologyTestDriver driver;

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
        if (runtime != null) {
            runtime.close();
        }
    }

    /** What was piped at one offset. */
    private record Input(long offset, String key, Mutant mutant, String validSourceId, PreparedImage valid) {
        String describe() {
            return "offset " + offset + " " + (mutant != null ? mutant.describe() : "valid " + key);
        }
    }

    @Test
    void everyInputEndsAsOneScoreOrOneDeadLetterAndEveryValidAlertIsScored() throws Exception {
        long seed = AlertMutants.seedProperty(DEFAULT_SEED);
        int count = AlertMutants.countProperty(DEFAULT_COUNT);
        List<Path> files = new ArrayList<>(Alerts.ztf());
        files.addAll(Alerts.rubin());
        List<byte[]> real = files.stream().map(Alerts::bytes).toList();
        AlertMutants gen = new AlertMutants(real, files.stream().map(p -> p.getFileName().toString()).toList(), seed);

        // the morphology runs on every mutant the pipeline prepares: a hostile stamp must not make it a decoder bug
        DeepMergeStreamsConfig config = DriverConfigs.of(tmp, TestModels.meanSigmoid(tmp.resolve("model.onnx")), 16, 1000,
                Map.of(DeepMergeStreamsConfig.MORPHOLOGY, "true"));
        runtime = ScoringRuntime.open(config, ContractOverrides.none());
        ScoringMetrics metrics = new ScoringMetrics(new SimpleMeterRegistry());
        MergerScoreSerde serde = MergerScoreSerde.fromConfig(config);
        driver = new TopologyTestDriver(ScoringTopology.build(config,
                new ScoringTopology.Dependencies(runtime.preparer(), runtime.scorer(), serde.serializer(), metrics,
                        runtime.alertPreparer())), config.streamsProperties(), T0);
        TestInputTopic<byte[], byte[]> in =
                driver.createInputTopic(config.inputTopic(), new ByteArraySerializer(), new ByteArraySerializer());
        TestOutputTopic<String, MergerScore> scores =
                driver.createOutputTopic(config.outputTopic(), new StringDeserializer(), serde.deserializer());
        TestOutputTopic<byte[], byte[]> deadLetters =
                driver.createOutputTopic(config.dlqTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());

        long t0 = System.nanoTime();
        List<Input> inputs = new ArrayList<>();
        List<TestRecord<String, MergerScore>> scored = new ArrayList<>();
        List<TestRecord<byte[], byte[]>> dead = new ArrayList<>();
        int nextValid = 0;
        int from = AlertMutants.fromProperty();
        for (int i = from; i < from + count; i++) {
            Mutant m = gen.mutant(i);
            pipe(in, inputs, "mutant-" + i, m.bytes(), m, null);
            if (i % VALID_EVERY == VALID_EVERY - 1) {
                int v = (nextValid++ * 7) % real.size();
                byte[] value = real.get(v);
                pipe(in, inputs, "valid-" + files.get(v).getFileName(), value, null,
                        runtime.pipeline().prepare(value));
            }
            if (i % 50 == 49) {
                // the micro-batch waits at most 1 s of wall-clock time
                driver.advanceWallClockTime(Duration.ofMillis(1500));
            }
            scored.addAll(scores.readRecordsToList());
            dead.addAll(deadLetters.readRecordsToList());
        }
        driver.advanceWallClockTime(Duration.ofHours(2));
        scored.addAll(scores.readRecordsToList());
        dead.addAll(deadLetters.readRecordsToList());
        double seconds = (System.nanoTime() - t0) / 1e9;

        // every dead letter names its reason and the offset of one input, each input at most once
        Map<Long, Input> byOffset = new HashMap<>();
        inputs.forEach(x -> byOffset.put(x.offset(), x));
        Set<Long> deadOffsets = new HashSet<>();
        Map<String, Integer> outcomes = new TreeMap<>();
        List<String> unexpected = new ArrayList<>();
        for (TestRecord<byte[], byte[]> r : dead) {
            String reason = DeadLetters.get(r.headers(), DeadLetters.REASON);
            assertTrue(reason != null && !reason.isBlank(), "a dead letter without reason");
            String offset = DeadLetters.get(r.headers(), DeadLetters.SOURCE_OFFSET);
            assertNotNull(offset, "a dead letter without source offset, reason " + reason);
            Input x = byOffset.get(Long.parseLong(offset));
            assertNotNull(x, "dead letter of no input: offset " + offset);
            assertTrue(deadOffsets.add(x.offset()), "dead-lettered twice: " + x.describe());
            assertEquals(x.key(), r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8),
                    "a dead letter keeps its input's key");
            assertTrue(x.mutant() != null, "a valid alert was dead-lettered (" + reason + "): " + x.describe());
            outcomes.merge(x.mutant().family() + " " + reason, 1, Integer::sum);
            if (DeadLetters.UNEXPECTED_ERROR.equals(reason)) {
                unexpected.add(x.describe() + ": " + DeadLetters.get(r.headers(), DeadLetters.ERROR_MESSAGE));
            }
        }
        // the rest is scored: one score record each, nothing left in the buffer
        assertEquals(inputs.size() - dead.size(), scored.size(),
                "score records + dead letters == inputs (" + inputs.size() + " inputs, " + dead.size() + " dead letters)");
        KeyValueStore<Long, byte[]> store = driver.getKeyValueStore(config.storeName());
        try (KeyValueIterator<Long, byte[]> it = store.all()) {
            assertFalse(it.hasNext(), "entries left in the micro-batch buffer");
        }
        // every valid alert has its score: at least as many score records with its source id as valid copies piped,
        // one of them with the probability the model gives its image (a mutant may share the source id)
        Map<String, List<MergerScore>> bySource = new HashMap<>();
        for (TestRecord<String, MergerScore> r : scored) {
            assertEquals(r.key(), r.value().getSourceId());
            bySource.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value());
        }
        Map<String, Integer> validCopies = new HashMap<>();
        int valid = 0;
        for (Input x : inputs) {
            if (x.mutant() != null) {
                continue;
            }
            valid++;
            String id = x.validSourceId();
            int copies = validCopies.merge(id, 1, Integer::sum);
            List<MergerScore> got = bySource.getOrDefault(id, List.of());
            assertTrue(got.size() >= copies, "valid alert not scored: " + x.describe());
            if (x.valid().applicable()) {
                double p = TestModels.expected(x.valid().image());
                assertTrue(got.stream().anyMatch(s -> s.getPMerger() != null && Math.abs(s.getPMerger() - p) < 1e-4),
                        "no score with p(merger) " + p + " for " + x.describe());
            } else {
                assertTrue(got.stream().anyMatch(s -> !s.getApplicable()), "not-applicable record missing: " + x.describe());
            }
        }
        System.out.printf("fuzz topology: seed %d, %d mutants + %d valid alerts in %.1f s: %d scores, %d dead letters;"
                + " dead letters by family and reason %s%n", seed, count, valid, seconds, scored.size(), dead.size(), outcomes);
        assertTrue(unexpected.isEmpty(), unexpected.size() + " decoder bugs:\n" + String.join("\n", unexpected));
    }

    private void pipe(TestInputTopic<byte[], byte[]> in, List<Input> inputs, String key, byte[] value, Mutant mutant,
                      PreparedImage valid) {
        long offset = inputs.size();
        inputs.add(new Input(offset, key, mutant, valid == null ? null : valid.alert().sourceId(), valid));
        in.pipeInput(new TestRecord<>(key.getBytes(StandardCharsets.UTF_8), value, T0.plusMillis(offset)));
    }
}
