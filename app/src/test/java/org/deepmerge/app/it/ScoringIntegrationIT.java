package org.deepmerge.app.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
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
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.runtime.ScoringRuntime;
import org.deepmerge.streams.serde.MergerScoreSerde;
import org.deepmerge.streams.testing.Alerts;
import org.deepmerge.streams.testing.TestModels;
import org.deepmerge.streams.topology.DeadLetters;
import org.deepmerge.streams.topology.ScoringMetrics;
import org.deepmerge.streams.topology.ScoringTopology;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end against a real in-JVM KRaft broker ({@link KafkaClusterTestKit}): all 87 ZTF and 288 Rubin alerts
 * plus hand-made bad messages go in; exactly one committed score per scorable alert and one dead letter per
 * unscorable message come out, nothing else (read_committed, exactly_once_v2, two stream threads).
 */
class ScoringIntegrationIT {

    @TempDir
    Path tmp;

    static KafkaClusterTestKit startCluster() throws Exception {
        return startCluster(Map.of());
    }

    /**
     * @param extra further broker settings, e.g. a faster sweep of timed-out transactions for the crash tests
     * @return a started single-node KRaft cluster (combined broker and controller) in this JVM
     */
    static KafkaClusterTestKit startCluster(Map<String, String> extra) throws Exception {
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "3")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("transaction.state.log.num.partitions", "3")
                .setConfigProp("group.initial.rebalance.delay.ms", "0");
        extra.forEach(builder::setConfigProp);
        KafkaClusterTestKit cluster = builder.build();
        cluster.format();
        cluster.startup();
        cluster.waitForReadyBrokers();
        return cluster;
    }

    static Map<String, Object> consumerProps(String bootstrap) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return c;
    }

    @Test
    @SuppressWarnings("try") // KafkaClusterTestKit.close() declares InterruptedException
    void everyRealAlertGetsExactlyOneScoreOrOneDeadLetter() throws Exception {
        try (KafkaClusterTestKit cluster = startCluster()) {
            List<byte[]> messages = new ArrayList<>();
            for (Path p : Alerts.ztf()) {
                messages.add(Alerts.bytes(p));
            }
            for (Path p : Alerts.rubin()) {
                messages.add(Alerts.bytes(p));
            }
            messages.add("garbage".getBytes(StandardCharsets.UTF_8));
            messages.add(ByteBuffer.allocate(21).put((byte) 0).putInt(9999).array());
            int scored = runEndToEnd(cluster.bootstrapServers(), tmp, messages, 2, true);
            assertTrue(scored > 300, "most real alerts are scorable: " + scored);
        }
    }

    /**
     * Creates the topics, produces the messages, runs the scoring topology until every expected output is read
     * back (read_committed), and checks exactly-once: one score per scorable message, one dead letter per
     * unscorable one, nothing else.
     *
     * @return the number of scorable messages
     */
    static int runEndToEnd(String bootstrap, Path tmp, List<byte[]> messages, int inputPartitions, boolean changelog)
            throws Exception {
        return runEndToEnd(bootstrap, tmp, messages, inputPartitions, changelog, Map.of());
    }

    /**
     * As {@link #runEndToEnd(String, Path, List, int, boolean)}, with extra settings (e.g. another model).
     */
    static int runEndToEnd(String bootstrap, Path tmp, List<byte[]> messages, int inputPartitions, boolean changelog,
                           Map<String, Object> extra) throws Exception {
        {
            Map<String, Object> props = new HashMap<>();
            props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "deepmerge-it");
            props.put(StreamsConfig.STATE_DIR_CONFIG, tmp.resolve("state").toString());
            props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "2");
            props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
            props.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), "10000");
            props.put(DeepMergeStreamsConfig.MODEL_PATH, TestModels.meanSigmoid(tmp.resolve("m.onnx")).toString());
            props.put(DeepMergeStreamsConfig.DEVICE, "cpu");
            props.put(DeepMergeStreamsConfig.MAX_BATCH_SIZE, "16");
            // counts buffered images and compares pMerger of every alert: the gate (which publishes not-applicable
            // alerts without buffering them, pMerger null) is tested in ScoringTopologyTest
            props.put(DeepMergeStreamsConfig.GATE_ENABLED, "false");
            props.put(DeepMergeStreamsConfig.MAX_WAIT_MS, "200");
            props.put(DeepMergeStreamsConfig.OUTPUT_ENCODING, "single-object");
            props.putAll(extra);
            DeepMergeStreamsConfig config = DeepMergeStreamsConfig.load(null, Map.of(), props);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic(config.inputTopic(), inputPartitions, (short) 1),
                        new NewTopic(config.outputTopic(), 1, (short) 1),
                        new NewTopic(config.dlqTopic(), 1, (short) 1))).all().get();
            }

            try (ScoringRuntime runtime = ScoringRuntime.open(config, config.contractOverrides())) {
                Set<String> expectedScores = new HashSet<>();
                List<byte[]> expectedDead = new ArrayList<>();
                for (byte[] m : messages) {
                    try {
                        assertTrue(expectedScores.add(runtime.pipeline().prepare(m).alert().sourceId()), "unique source ids");
                    } catch (DeepMergeException e) {
                        expectedDead.add(m);
                    }
                }

                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                        new ByteArraySerializer(), new ByteArraySerializer())) {
                    int i = 0;
                    for (byte[] m : messages) {
                        producer.send(new ProducerRecord<>(config.inputTopic(), ("k" + i++).getBytes(StandardCharsets.UTF_8), m));
                    }
                    producer.flush();
                }

                ScoringMetrics metrics = new ScoringMetrics(new SimpleMeterRegistry());
                MergerScoreSerde serde = MergerScoreSerde.fromConfig(config);
                long t0 = System.nanoTime();
                Map<String, Integer> scoreCount = new HashMap<>();
                List<byte[]> dead = new ArrayList<>();
                try (KafkaStreams streams = new KafkaStreams(ScoringTopology.build(config,
                        new ScoringTopology.Dependencies(runtime.preparer(), runtime.scorer(), serde.serializer(), metrics)),
                        config.streamsProperties());
                     KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps(bootstrap),
                             new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                    streams.start();
                    assignFromStart(consumer, List.of(config.outputTopic(), config.dlqTopic()));
                    long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
                    long doneAt = -1;
                    while (System.nanoTime() < deadline) {
                        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                            if (r.topic().equals(config.outputTopic())) {
                                MergerScore s = serde.deserializer().deserialize(r.topic(), r.value());
                                assertEquals(s.getSourceId(), new String(r.key(), StandardCharsets.UTF_8));
                                scoreCount.merge(s.getSourceId(), 1, Integer::sum);
                            } else {
                                assertTrue(DeadLetters.isDeadLetter(r.headers()));
                                dead.add(r.value());
                            }
                        }
                        int total = scoreCount.values().stream().mapToInt(Integer::intValue).sum();
                        if (doneAt < 0 && total >= expectedScores.size() && dead.size() >= expectedDead.size()) {
                            doneAt = System.nanoTime();
                        }
                        if (doneAt > 0 && System.nanoTime() - doneAt > Duration.ofSeconds(3).toNanos()) {
                            break;
                        }
                    }
                    double secs = ((doneAt > 0 ? doneAt : System.nanoTime()) - t0) / 1e9;
                    System.out.printf("integration: %d scores + %d dead letters in %.1f s from streams start (%d micro-batches,"
                                    + " %d ONNX runs; %.0f alerts/s including startup and rebalance)%n",
                            scoreCount.size(), dead.size(), secs, metrics.batches(), runtime.batcher().batchesRun(),
                            messages.size() / secs);
                    streams.close(Duration.ofSeconds(30));
                }
                assertEquals(expectedScores, scoreCount.keySet(), "one score per scorable alert, nothing else");
                scoreCount.forEach((id, n) -> assertEquals(1, n, "duplicate score for " + id));
                assertEquals(expectedDead.size(), dead.size(), "one dead letter per unscorable message");
                for (int i = 0; i < dead.size(); i++) {
                    byte[] d = dead.get(i);
                    assertTrue(expectedDead.stream().anyMatch(e -> java.util.Arrays.equals(e, d)), "dead letter keeps original bytes");
                }
                if (changelog) {
                    reportChangelog(bootstrap, "deepmerge-it-" + config.storeName() + "-changelog", expectedScores.size());
                }
                return expectedScores.size();
            }
        }
    }

    /** Assigns every partition of the topics to the (group-less) consumer, from the beginning. */
    static void assignFromStart(KafkaConsumer<?, ?> consumer, List<String> topics) {
        List<org.apache.kafka.common.TopicPartition> tps = new ArrayList<>();
        for (String t : topics) {
            consumer.partitionsFor(t).forEach(pi -> tps.add(new org.apache.kafka.common.TopicPartition(t, pi.partition())));
        }
        consumer.assign(tps);
        consumer.seekToBeginning(tps);
    }

    /** Reads the batch buffer's changelog topic and prints bytes per buffered alert (puts) and tombstones. */
    static void reportChangelog(String bootstrap, String topic, int alerts) {
        long puts = 0;
        long tombstones = 0;
        long valueBytes = 0;
        long keyBytes = 0;
        Map<String, Object> c = consumerProps(bootstrap);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<org.apache.kafka.common.TopicPartition> tps = consumer.partitionsFor(topic).stream()
                    .map(pi -> new org.apache.kafka.common.TopicPartition(topic, pi.partition())).toList();
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<org.apache.kafka.common.TopicPartition, Long> end = consumer.endOffsets(tps);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    keyBytes += r.key().length;
                    if (r.value() == null) {
                        tombstones++;
                    } else {
                        puts++;
                        valueBytes += r.value().length;
                    }
                }
            }
        }
        System.out.printf("changelog %s: %d puts (value %.0f B + key %d B each on average), %d tombstones; %.0f B of"
                        + " record payload per alert (put + tombstone)%n", topic, puts, puts == 0 ? 0.0 : valueBytes / (double) puts,
                8, tombstones, (valueBytes + keyBytes) / (double) Math.max(1, alerts));
        assertEquals(alerts, puts, "every scorable alert was buffered exactly once");
        assertEquals(alerts, tombstones, "every buffered alert was deleted once scored");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            org.apache.kafka.common.config.ConfigResource resource = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic);
            org.apache.kafka.clients.admin.Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            assertEquals("compact", config.get("cleanup.policy").value());
            org.deepmerge.streams.topology.ScoringTopology.BUFFER_CHANGELOG_CONFIG.forEach((key, value) ->
                    assertEquals(value, config.get(key).value(), "changelog topic config " + key));
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new AssertionError("cannot describe " + topic, e);
        }
    }
}
