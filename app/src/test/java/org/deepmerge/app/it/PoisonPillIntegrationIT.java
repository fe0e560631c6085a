package org.deepmerge.app.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.runtime.ScoringRuntime;
import org.deepmerge.streams.serde.MergerScoreSerde;
import org.deepmerge.streams.testing.Alerts;
import org.deepmerge.streams.testing.PoisonAlerts;
import org.deepmerge.streams.testing.TestModels;
import org.deepmerge.streams.topology.DeadLetters;
import org.deepmerge.streams.topology.ScoringMetrics;
import org.deepmerge.streams.topology.ScoringTopology;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Poison pills between valid real ZTF alerts on one partition of a real in-JVM KRaft broker (exactly_once_v2):
 * every valid alert is scored exactly once and every poison ends as one dead letter with its reason. Before the fix,
 * each poison failed the task at its offset, the replacement thread re-read it, forever.
 */
class PoisonPillIntegrationIT {
    private static final int MAX_MESSAGE = 4 << 20;

    @TempDir
    Path tmp;

    /** What came out of a run. */
    private record Run(Map<String, Integer> scores, List<ConsumerRecord<byte[], byte[]>> dead) {
    }

    @Test
    @SuppressWarnings("try")
    void longObjectIdAndHugeValuesBecomeDeadLettersAndEveryValidAlertIsScoredOnce() throws Exception {
        try (KafkaClusterTestKit cluster = ScoringIntegrationIT.startCluster()) {
            Map<String, Object> props = props(cluster.bootstrapServers(), "poison-it");
            DeepMergeStreamsConfig config = DeepMergeStreamsConfig.load(null, Map.of(), props);
            try (ScoringRuntime runtime = ScoringRuntime.open(config, config.contractOverrides())) {
                List<byte[]> valid = scorable(runtime, 10);
                byte[] longId = PoisonAlerts.withObjectId(valid.get(0), "ZTF" + "x".repeat(70_000));
                byte[] justUnderBrokerDefault = PoisonAlerts.garbage(1_048_300);
                byte[] twoMb = PoisonAlerts.garbage(2 << 20);
                List<byte[]> messages = new ArrayList<>(valid);
                messages.add(2, longId);
                messages.add(6, justUnderBrokerDefault);
                messages.add(10, twoMb);
                createTopics(cluster.bootstrapServers(), config, Map.of());
                Run run = run(cluster.bootstrapServers(), config, runtime, messages, 10, 3);

                List<String> expected = new ArrayList<>();
                for (byte[] v : valid) {
                    expected.add(runtime.pipeline().prepare(v).alert().sourceId());
                }
                assertEquals(expected.stream().sorted().toList(), run.scores().keySet().stream().sorted().toList(),
                        "every valid alert scored");
                run.scores().forEach((id, n) -> assertEquals(1, n, "exactly once: " + id));
                assertEquals(3, run.dead().size(), "one dead letter per poison");
                ConsumerRecord<byte[], byte[]> a = run.dead().get(0);
                assertEquals(DeepMergeException.Reason.FIELD_TOO_LONG.name(), DeadLetters.get(a.headers(), DeadLetters.REASON));
                assertEquals("2", DeadLetters.get(a.headers(), DeadLetters.SOURCE_OFFSET));
                assertArrayEquals(longId, a.value(), "under the dead-letter limit: the original value");
                int max = config.dlqMaxValueBytes();
                for (int i = 1; i < 3; i++) {
                    ConsumerRecord<byte[], byte[]> b = run.dead().get(i);
                    byte[] original = i == 1 ? justUnderBrokerDefault : twoMb;
                    assertEquals("UNKNOWN_FORMAT", DeadLetters.get(b.headers(), DeadLetters.REASON));
                    assertEquals(i == 1 ? "6" : "10", DeadLetters.get(b.headers(), DeadLetters.SOURCE_OFFSET));
                    assertEquals(Integer.toString(original.length), DeadLetters.get(b.headers(), DeadLetters.VALUE_TRUNCATED));
                    assertArrayEquals(Arrays.copyOf(original, max), b.value(), "the value's prefix");
                }
            }
        }
    }

    @Test
    @SuppressWarnings("try")
    void aDeadLetterTheBrokerRefusesIsReplacedByTheProductionExceptionHandler() throws Exception {
        try (KafkaClusterTestKit cluster = ScoringIntegrationIT.startCluster()) {
            Map<String, Object> props = props(cluster.bootstrapServers(), "poison-handler-it");
            DeepMergeStreamsConfig config = DeepMergeStreamsConfig.load(null, Map.of(), props);
            try (ScoringRuntime runtime = ScoringRuntime.open(config, config.contractOverrides())) {
                List<byte[]> valid = scorable(runtime, 6);
                // the dead-letter topic takes less than deepmerge.dlq.max.value.bytes: the broker refuses the dead letter
                byte[] garbage = PoisonAlerts.garbage(300_000);
                List<byte[]> messages = new ArrayList<>(valid);
                messages.add(3, garbage);
                createTopics(cluster.bootstrapServers(), config, Map.of("max.message.bytes", "100000"));
                Run run = run(cluster.bootstrapServers(), config, runtime, messages, 6, 1);
                assertEquals(6, run.scores().size(), "every valid alert scored");
                run.scores().forEach((id, n) -> assertEquals(1, n, "exactly once: " + id));
                assertEquals(1, run.dead().size());
                ConsumerRecord<byte[], byte[]> d = run.dead().get(0);
                assertEquals("UNKNOWN_FORMAT", DeadLetters.get(d.headers(), DeadLetters.REASON));
                assertTrue(DeadLetters.get(d.headers(), DeadLetters.REFUSED).contains("RecordTooLargeException"),
                        "written again after the broker refused the first one");
                assertEquals("3", DeadLetters.get(d.headers(), DeadLetters.SOURCE_OFFSET));
                assertArrayEquals("k3".getBytes(StandardCharsets.UTF_8), d.key());
                assertEquals("300000", DeadLetters.get(d.headers(), DeadLetters.VALUE_TRUNCATED));
                assertNull(d.value());
            }
        }
    }

    private Map<String, Object> props(String bootstrap, String app) throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
        props.put(StreamsConfig.STATE_DIR_CONFIG, tmp.resolve("state").toString());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        props.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), "10000");
        // a replaced stream thread rejoins as a new member: the old one leaves at its session timeout
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), "6000");
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), "1000");
        props.put(DeepMergeStreamsConfig.MODEL_PATH, TestModels.meanSigmoid(tmp.resolve("m.onnx")).toString());
        props.put(DeepMergeStreamsConfig.DEVICE, "cpu");
        props.put(DeepMergeStreamsConfig.MAX_BATCH_SIZE, "4");
        props.put(DeepMergeStreamsConfig.MAX_WAIT_MS, "200");
        props.put(DeepMergeStreamsConfig.GATE_ENABLED, "false");
        props.put(DeepMergeStreamsConfig.OUTPUT_ENCODING, "single-object");
        return props;
    }

    private static List<byte[]> scorable(ScoringRuntime runtime, int n) {
        List<byte[]> out = new ArrayList<>();
        for (Path f : Alerts.ztf()) {
            byte[] v = Alerts.bytes(f);
            try {
                runtime.pipeline().prepare(v);
                out.add(v);
            } catch (DeepMergeException e) {
                continue;
            }
            if (out.size() == n) {
                break;
            }
        }
        return out;
    }

    private static void createTopics(String bootstrap, DeepMergeStreamsConfig config, Map<String, String> dlqConfig)
            throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(
                    new NewTopic(config.inputTopic(), 1, (short) 1).configs(Map.of("max.message.bytes", Integer.toString(MAX_MESSAGE))),
                    new NewTopic(config.outputTopic(), 1, (short) 1),
                    new NewTopic(config.dlqTopic(), 1, (short) 1).configs(dlqConfig))).all().get();
        }
    }

    /** Produces the messages in order to one partition, runs the topology until the outputs are in (and 3 s more). */
    private static Run run(String bootstrap, DeepMergeStreamsConfig config, ScoringRuntime runtime, List<byte[]> messages,
                           int scores, int deadLetters) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_MESSAGE), new ByteArraySerializer(), new ByteArraySerializer())) {
            int i = 0;
            for (byte[] m : messages) {
                producer.send(new ProducerRecord<>(config.inputTopic(), 0, ("k" + i++).getBytes(StandardCharsets.UTF_8), m)).get();
            }
        }
        MergerScoreSerde serde = MergerScoreSerde.fromConfig(config);
        Map<String, Integer> scoreCount = new HashMap<>();
        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        Map<String, Object> c = ScoringIntegrationIT.consumerProps(bootstrap);
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, MAX_MESSAGE);
        try (KafkaStreams streams = new KafkaStreams(ScoringTopology.build(config, new ScoringTopology.Dependencies(
                runtime.preparer(), runtime.scorer(), serde.serializer(), new ScoringMetrics(new SimpleMeterRegistry()))),
                config.streamsProperties());
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            // as deepmerge serve does: a failed stream thread is replaced and retries from the last commit
            streams.setUncaughtExceptionHandler(e -> org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler
                    .StreamThreadExceptionResponse.REPLACE_THREAD);
            streams.start();
            ScoringIntegrationIT.assignFromStart(consumer, List.of(config.outputTopic(), config.dlqTopic()));
            long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
            long doneAt = -1;
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.topic().equals(config.outputTopic())) {
                        MergerScore s = serde.deserializer().deserialize(r.topic(), r.value());
                        scoreCount.merge(s.getSourceId(), 1, Integer::sum);
                    } else {
                        assertTrue(DeadLetters.isDeadLetter(r.headers()));
                        dead.add(r);
                    }
                }
                int total = scoreCount.values().stream().mapToInt(Integer::intValue).sum();
                if (doneAt < 0 && total >= scores && dead.size() >= deadLetters) {
                    doneAt = System.nanoTime();
                }
                if (doneAt > 0 && System.nanoTime() - doneAt > Duration.ofSeconds(3).toNanos()) {
                    break;
                }
            }
            streams.close(Duration.ofSeconds(30));
        }
        return new Run(scoreCount, dead);
    }
}
