package org.deepmerge.app.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.avro.v1.ModelArtifact;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.core.model.ModelContracts;
import org.deepmerge.core.model.ModelIdentity;
import org.deepmerge.core.model.ModelTopic;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.hotswap.ModelArtifactInstaller.Outcome;
import org.deepmerge.streams.hotswap.ModelTopicFollower;
import org.deepmerge.streams.runtime.ScoringRuntime;
import org.deepmerge.streams.serde.MergerScoreSerde;
import org.deepmerge.streams.testing.Alerts;
import org.deepmerge.streams.testing.TestModels;
import org.deepmerge.streams.topology.ScoringMetrics;
import org.deepmerge.streams.topology.ScoringTopology;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running scoring topology hot-swaps a new model version published on the compacted model topic: alerts scored
 * before the swap carry model v1's SHA-256 and probabilities, alerts after it v2's.
 */
class HotSwapIntegrationIT {

    @TempDir
    Path tmp;

    @Test
    @SuppressWarnings("try") // KafkaClusterTestKit.close() declares InterruptedException
    void scoresFollowTheModelTopic() throws Exception {
        Path v1 = TestModels.meanSigmoid(tmp.resolve("v1.onnx"), 0.01f, "1");
        Path v2 = TestModels.meanSigmoid(tmp.resolve("v2.onnx"), -0.01f, "2");
        List<Path> alerts = Alerts.ztf();
        try (KafkaClusterTestKit cluster = ScoringIntegrationIT.startCluster()) {
            String bootstrap = cluster.bootstrapServers();
            DeepMergeStreamsConfig config = config(bootstrap, tmp, v1, "deepmerge-hotswap");
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic(config.inputTopic(), 1, (short) 1),
                        new NewTopic(config.outputTopic(), 1, (short) 1), new NewTopic(config.dlqTopic(), 1, (short) 1),
                        new NewTopic(ModelTopic.DEFAULT_TOPIC, 1, (short) 1).configs(Map.of(
                                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get();
            }
            MergerScoreSerde serde = MergerScoreSerde.fromConfig(config);
            BlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
            try (ScoringRuntime runtime = ScoringRuntime.open(config, config.contractOverrides());
                 ModelTopicFollower follower = runtime.followModelTopic(config.streamsProperties(), config);
                 KafkaStreams streams = new KafkaStreams(ScoringTopology.build(config, new ScoringTopology.Dependencies(
                         runtime.preparer(), runtime.scorer(), serde.serializer(), new ScoringMetrics(new SimpleMeterRegistry()))),
                         config.streamsProperties());
                 KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                         ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                         new ByteArraySerializer(), new ByteArraySerializer());
                 KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(ScoringIntegrationIT.consumerProps(bootstrap),
                         new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                follower.addListener(outcomes::add);
                streams.start();
                ScoringIntegrationIT.assignFromStart(consumer, List.of(config.outputTopic()));
                for (Path a : alerts.subList(0, 8)) {
                    producer.send(new ProducerRecord<>(config.inputTopic(), null, Alerts.bytes(a)));
                }
                List<MergerScore> before = read(consumer, serde, 8);
                String sha1 = ModelIdentity.sha256(v1);
                before.forEach(s -> assertEquals(sha1, s.getModelSha256()));

                ModelArtifact artifact = ModelArtifact.newBuilder().setName("mean-sigmoid-test").setVersion("2")
                        .setSha256(ModelIdentity.sha256(v2)).setOnnx(ByteBuffer.wrap(Files.readAllBytes(v2)))
                        .setModelCardJson("{}").setCreatedAt(Instant.now()).setProducer("test")
                        .setContract(ModelContracts.read(v2, ContractOverrides.none()).toMetadata()).build();
                producer.send(new ProducerRecord<>(ModelTopic.DEFAULT_TOPIC, ModelTopic.key("mean-sigmoid-test"),
                        ModelTopic.encode(artifact))).get();
                Outcome o = outcomes.poll(60, TimeUnit.SECONDS);
                assertNotNull(o, "no install attempt within 60 s");
                assertEquals(Outcome.Status.INSTALLED, o.status(), o.message());

                for (Path a : alerts.subList(8, 16)) {
                    producer.send(new ProducerRecord<>(config.inputTopic(), null, Alerts.bytes(a)));
                }
                List<MergerScore> after = read(consumer, serde, 8);
                for (MergerScore s : after) {
                    assertEquals(ModelIdentity.sha256(v2), s.getModelSha256());
                    assertEquals("2", s.getModelVersion());
                    assertEquals(true, s.getPMerger() < 0.5f, "v2 has a negative slope on positive images: " + s.getPMerger());
                }
                streams.close(Duration.ofSeconds(30));
            }
        }
    }

    /**
     * @param bootstrap the broker
     * @param tmp       state and model cache go below it
     * @param model     the model to start with
     * @param appId     Kafka Streams application id
     * @return a scorer configuration following {@value ModelTopic#DEFAULT_TOPIC}: micro-batches of 4, 100 ms wait,
     *         CPU, gate off (every alert gets a pMerger)
     * @throws Exception when it does not load
     */
    static DeepMergeStreamsConfig config(String bootstrap, Path tmp, Path model, String appId) throws Exception {
        return config(bootstrap, tmp, model, appId, Map.of());
    }

    /**
     * @param extra settings applied after the defaults above
     * @return the same configuration with {@code extra} applied
     * @throws Exception when it does not load
     */
    static DeepMergeStreamsConfig config(String bootstrap, Path tmp, Path model, String appId, Map<String, String> extra)
            throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        props.put(StreamsConfig.STATE_DIR_CONFIG, tmp.resolve("state").toString());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        props.put(DeepMergeStreamsConfig.MODEL_PATH, model.toString());
        props.put(DeepMergeStreamsConfig.DEVICE, "cpu");
        props.put(DeepMergeStreamsConfig.MAX_BATCH_SIZE, "4");
        // counts buffered images and compares pMerger of every alert: the gate (which publishes not-applicable
        // alerts without buffering them, pMerger null) is tested in ScoringTopologyTest
        props.put(DeepMergeStreamsConfig.GATE_ENABLED, "false");
        props.put(DeepMergeStreamsConfig.MAX_WAIT_MS, "100");
        props.put(DeepMergeStreamsConfig.MODEL_TOPIC, ModelTopic.DEFAULT_TOPIC);
        props.put(DeepMergeStreamsConfig.MODEL_CACHE_DIR, tmp.resolve("cache").toString());
        props.putAll(extra);
        return DeepMergeStreamsConfig.load(null, Map.of(), props);
    }

    static List<MergerScore> read(KafkaConsumer<byte[], byte[]> consumer, MergerScoreSerde serde, int n) {
        List<MergerScore> out = new java.util.ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (out.size() < n && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                out.add(serde.deserializer().deserialize(r.topic(), r.value()));
            }
        }
        assertEquals(n, out.size(), "scores read");
        return out;
    }
}
