package org.deepmerge.streams.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.runtime.ScoringRuntime;
import org.deepmerge.streams.serde.MergerScoreSerde;
import org.deepmerge.streams.testing.Alerts;
import org.deepmerge.streams.topology.ScoringTopology;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's embedding example ({@link EmbeddingExample}) compiled and run under the TopologyTestDriver; the app
 * module's {@code EmbeddingExampleIT} runs it against a real broker. The lines between the README's embedding markers
 * must appear verbatim in {@link EmbeddingExample}.
 */
class EmbeddingExampleTest {

    @TempDir
    Path tmp;

    @Test
    void theApplicationIsAKafkaStreamsApplicationLikeAnyOther() throws Exception {
        DeepMergeStreamsConfig config = EmbeddingExample.config("localhost:9092");
        try (ScoringRuntime runtime = ScoringRuntime.open(config, ContractOverrides.none())) {
            StreamsBuilder builder = EmbeddingExample.brokerStreams(config, runtime);
            KafkaStreams streams = new KafkaStreams(builder.build(), config.streamsProperties());
            assertEquals(KafkaStreams.State.CREATED, streams.state(), "not started: no broker in this test");
            streams.close(Duration.ofSeconds(5));
        }
    }

    @Test
    void aBrokersOwnTopologyWithMergerScoringAddedScoresRealZtfAlerts() throws Exception {
        DeepMergeStreamsConfig config = EmbeddingExample.config("localhost:9092");
        List<Path> alerts = Alerts.ztf().subList(0, 6);
        Properties props = config.streamsProperties();
        props.put(StreamsConfig.STATE_DIR_CONFIG, tmp.resolve("state").toString());
        try (ScoringRuntime runtime = ScoringRuntime.open(config, ContractOverrides.none());
             TopologyTestDriver driver = new TopologyTestDriver(EmbeddingExample.brokerStreams(config, runtime).build(), props)) {
            TestInputTopic<byte[], byte[]> in = driver.createInputTopic("ztf-alerts", new ByteArraySerializer(),
                    new ByteArraySerializer());
            for (Path a : alerts) {
                in.pipeInput(Alerts.bytes(a));
            }
            driver.advanceWallClockTime(Duration.ofMillis(config.maxWaitMs() + 1));
            TestOutputTopic<byte[], MergerScore> scores = driver.createOutputTopic("ztf-merger-scores",
                    new ByteArrayDeserializer(), MergerScoreSerde.fromConfig(config).deserializer());
            List<MergerScore> out = new ArrayList<>(scores.readValuesToList());
            assertEquals(alerts.size(), out.size(), "one score record per alert the broker forwarded");
            for (MergerScore s : out) {
                assertEquals("ZTF", s.getSurvey());
                assertEquals("deepmerge-default", s.getModelName());
                assertTrue(s.getApplicable() ? s.getPMerger() != null : s.getReason() != null, s.toString());
            }
            assertTrue(driver.createOutputTopic("ztf-merger-dead-letters", new ByteArrayDeserializer(),
                    new ByteArrayDeserializer()).isEmpty());
        }
    }

    @Test
    void theReadmeShowsThisCode() throws Exception {
        String readme = Files.readString(Path.of("").toAbsolutePath().getParent().resolve("README.md"));
        int start = readme.indexOf("<!-- embedding-example:start -->");
        int end = readme.indexOf("<!-- embedding-example:end -->");
        assertTrue(start >= 0 && end > start, "README.md has the embedding example between its markers");
        String source = Files.readString(Path.of("src/test/java/org/deepmerge/streams/embedding/EmbeddingExample.java"));
        List<String> code = readme.substring(start, end).lines().filter(l -> !l.isBlank() && !l.startsWith("```")
                && !l.startsWith("<!--")).toList();
        assertTrue(code.size() >= 10, "the example: " + code);
        for (String line : code) {
            assertTrue(source.contains(line.strip()), "README line not in the tested example: " + line);
        }
    }
}
