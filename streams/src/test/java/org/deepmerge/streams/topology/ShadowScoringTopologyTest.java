package org.deepmerge.streams.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.inference.OnnxScorer;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.core.model.ModelIdentity;
import org.deepmerge.core.model.ModelTopic;
import org.deepmerge.core.model.ShadowComparison;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.hotswap.ModelArtifactInstaller;
import org.deepmerge.streams.hotswap.ModelArtifactInstaller.Outcome;
import org.deepmerge.streams.hotswap.ModelRolloutMetrics;
import org.deepmerge.streams.runtime.ScoringRuntime;
import org.deepmerge.streams.serde.MergerScoreSerde;
import org.deepmerge.streams.testing.Alerts;
import org.deepmerge.streams.testing.DriverConfigs;
import org.deepmerge.streams.testing.TestModels;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shadow scoring in the topology, with real ONNX Runtime sessions and the real ZTF alerts (gate on): a shadow model
 * scores the very micro-batches of the live model onto its own topic; the comparison meters agree with the records; a
 * shadow that gives NaN or fails at run time never changes a live score; incompatible or broken candidates are refused.
 */
class ShadowScoringTopologyTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path tmp;

    private ScoringRuntime runtime;
    private TopologyTestDriver driver;
    private SimpleMeterRegistry registry;
    private ShadowMetrics shadowMetrics;
    private ModelArtifactInstaller installer;
    private TestInputTopic<byte[], byte[]> in;
    private TestOutputTopic<String, MergerScore> scores;
    private TestOutputTopic<String, MergerScore> shadowScores;

    @BeforeEach
    void start() throws Exception {
        DeepMergeStreamsConfig config = DriverConfigs.of(tmp, TestModels.meanSigmoid(tmp.resolve("a.onnx"), 0.01f, "1"),
                8, 1000, Map.of());
        runtime = ScoringRuntime.open(config, ContractOverrides.none());
        registry = new SimpleMeterRegistry();
        ScoringTopology.Dependencies deps = runtime.dependencies(config, registry);
        shadowMetrics = deps.shadow().metrics();
        installer = new ModelArtifactInstaller(runtime.holder(), tmp.resolve("cache"), runtime.options());
        MergerScoreSerde serde = MergerScoreSerde.fromConfig(config);
        driver = new TopologyTestDriver(ScoringTopology.build(config, deps), config.streamsProperties(), T0);
        in = driver.createInputTopic(config.inputTopic(), new ByteArraySerializer(), new ByteArraySerializer());
        scores = driver.createOutputTopic(config.outputTopic(), new StringDeserializer(), serde.deserializer());
        shadowScores = driver.createOutputTopic(config.outputTopic() + ".shadow", new StringDeserializer(),
                serde.deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
        runtime.close();
    }

    private Outcome shadow(Path onnx, String version) throws Exception {
        return installer.installShadow(ModelTopic.encode(TestModels.artifact(onnx, "mean-sigmoid-test", version,
                ModelIdentity.sha256(onnx))), runtime.shadowSlot());
    }

    /** Pipes every real ZTF alert and flushes the buffer. @return the live records by source id */
    private Map<String, MergerScore> pipeAll() throws Exception {
        for (Path f : Alerts.ztf()) {
            in.pipeInput(new TestRecord<>(null, Alerts.bytes(f), T0));
        }
        driver.advanceWallClockTime(Duration.ofSeconds(5));
        Map<String, MergerScore> live = new HashMap<>();
        scores.readRecordsToList().forEach(r -> live.put(r.key(), r.value()));
        assertEquals(Alerts.ztf().size(), live.size(), "one live record per alert");
        return live;
    }

    private static Set<String> applicable(Map<String, MergerScore> live) {
        Set<String> ids = new TreeSet<>();
        live.forEach((id, s) -> {
            if (s.getApplicable()) {
                ids.add(id);
            }
        });
        return ids;
    }

    @Test
    void shadowScoresEveryApplicableInputOnItsOwnTopicAndTheMetersMatchTheRecords() throws Exception {
        Outcome o = shadow(TestModels.meanSigmoid(tmp.resolve("b.onnx"), 0.02f, "2"), "2");
        assertEquals(Outcome.Status.INSTALLED, o.status(), o.message());
        Map<String, MergerScore> live = pipeAll();
        Set<String> applicable = applicable(live);
        assertTrue(applicable.size() > 2 && applicable.size() < live.size(), "the gate keeps some alerts from the "
                + "model: " + applicable.size() + " of " + live.size() + " applicable");
        Map<String, MergerScore> shadow = new HashMap<>();
        for (TestRecord<String, MergerScore> r : shadowScores.readRecordsToList()) {
            assertEquals(null, shadow.put(r.key(), r.value()), "one shadow record per input: " + r.key());
            assertEquals("2", r.value().getModelVersion());
            assertEquals("1", live.get(r.key()).getModelVersion(), "live scores name the live model");
        }
        assertEquals(applicable, new TreeSet<>(shadow.keySet()), "a shadow record for every applicable input only");
        ShadowComparison expected = new ShadowComparison(0.5, 10_000);
        shadow.forEach((id, s) -> expected.add(live.get(id).getPMerger(), s.getPMerger()));
        ShadowComparison.Summary seen = shadowMetrics.summary();
        assertEquals(expected.summary(), seen, "the meters compare exactly the records written");
        assertEquals(1.0, seen.spearman(), 1e-12, "sigmoid(0.02 m) ranks inputs as sigmoid(0.01 m) does");
        assertEquals(1.0, seen.agreement(), 1e-12, "both cross 0.5 at a mean pixel of 0");
        assertTrue(seen.meanAbsDelta() > 0);
        assertEquals(applicable.size(), shadowMetrics.scoredCount());
        assertEquals(applicable.size(), (long) registry.get("deepmerge.shadow.pairs").functionCounter().count());
        assertEquals(1.0, registry.get("deepmerge.shadow.spearman").gauge().value(), 1e-12);
        assertEquals("2", registry.get("deepmerge.shadow.model.info").gauge().getId().getTag("version"));

        installer.clearShadow(runtime.shadowSlot());
        pipeAll();
        assertTrue(shadowScores.isEmpty(), "no shadow records once cleared");
        assertEquals(applicable.size(), shadowMetrics.scoredCount());
    }

    @Test
    void aShadowThatGivesNanOrFailsNeverChangesALiveScore() throws Exception {
        Map<String, MergerScore> reference = pipeAll();
        Path nan = TestModels.meanSigmoid(tmp.resolve("nan.onnx"), Float.NaN, "3");
        runtime.shadowSlot().set(OnnxScorer.open(nan, runtime.options(), ContractOverrides.none()), null);
        Map<String, MergerScore> withNan = pipeAll();
        int applicable = applicable(reference).size();
        assertEquals(applicable, shadowMetrics.failedCount("invalid_output"), "counted per image");
        Path wrongInput = TestModels.meanSigmoid(tmp.resolve("g.onnx"), 0.01f, "4", List.of("g", "r"));
        runtime.shadowSlot().set(OnnxScorer.open(wrongInput, runtime.options(), ContractOverrides.none()), null);
        Map<String, MergerScore> withFailure = pipeAll();
        assertEquals(applicable, shadowMetrics.failedCount("exception"), "a run that throws: every image of its batches");
        assertTrue(shadowScores.isEmpty());
        for (Map<String, MergerScore> run : List.of(withNan, withFailure)) {
            run.forEach((id, s) -> assertEquals(reference.get(id).getPMerger(), s.getPMerger(), id));
        }
        assertEquals(0, shadowMetrics.summary().pairs());
    }

    @Test
    void aShadowThatIsTheLiveModelIsNotRun() throws Exception {
        Path sameBytes = Files.copy(tmp.resolve("a.onnx"), tmp.resolve("a-again.onnx"));
        runtime.shadowSlot().set(OnnxScorer.open(sameBytes, runtime.options(), ContractOverrides.none()), null);
        pipeAll();
        assertTrue(shadowScores.isEmpty(), "no shadow records: the shadow has the live model's SHA-256");
        assertEquals(0, shadowMetrics.summary().pairs(), "no self-comparison");
        assertEquals(0, shadowMetrics.scoredCount());
        assertEquals(0, shadowMetrics.failedCount("exception") + shadowMetrics.failedCount("invalid_output"));
        DeepMergeException self = assertThrows(DeepMergeException.class, () -> runtime.installShadow(sameBytes));
        assertTrue(self.getMessage().contains("is the live model"), self.getMessage());
        Outcome other = shadow(TestModels.meanSigmoid(tmp.resolve("b.onnx"), 0.02f, "2"), "2");
        assertEquals(Outcome.Status.INSTALLED, other.status(), other.message());
        Map<String, MergerScore> live = pipeAll();
        assertEquals(applicable(live).size(), shadowScores.readRecordsToList().size(), "another model runs again");
    }

    @Test
    void incompatibleAndBrokenCandidatesAreRefused() throws Exception {
        ModelRolloutMetrics refusals = ModelRolloutMetrics.shadow(registry);
        Outcome g = shadow(TestModels.meanSigmoid(tmp.resolve("g.onnx"), 0.01f, "4", List.of("g")), "4");
        refusals.accept(g);
        assertEquals(Outcome.Status.REFUSED, g.status());
        assertEquals("incompatible", g.check(), g.message());
        assertTrue(g.message().contains("channels [g] != [r]"), g.message());
        Outcome nan = shadow(TestModels.meanSigmoid(tmp.resolve("nan.onnx"), Float.NaN, "3"), "3");
        refusals.accept(nan);
        assertEquals("warmup", nan.check(), nan.message());
        assertTrue(runtime.shadowSlot().identity().isEmpty());
        assertEquals(1, refusals.refused("incompatible"));
        assertEquals(1, refusals.refused("warmup"));
    }
}
