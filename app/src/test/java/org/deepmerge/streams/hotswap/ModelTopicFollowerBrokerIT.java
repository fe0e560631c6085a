package org.deepmerge.streams.hotswap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.deepmerge.avro.v1.ModelArtifact;
import org.deepmerge.core.inference.OnnxScorer;
import org.deepmerge.core.inference.ScorerOptions;
import org.deepmerge.core.inference.TinyOnnx;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.core.model.ModelContracts;
import org.deepmerge.core.model.ModelIdentity;
import org.deepmerge.core.model.ModelTopic;
import org.deepmerge.streams.hotswap.ModelArtifactInstaller.Outcome;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on a real broker: artifacts produced to a compacted topic are caught up on, hot-swapped, or refused by a
 * running {@link ModelTopicFollower}.
 */
class ModelTopicFollowerBrokerIT {
    private static final String TOPIC = ModelTopic.DEFAULT_TOPIC;
    private static TestKitBroker broker;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = TestKitBroker.start();
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1).configs(Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                    TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(16 << 20))))).all().get();
        }
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.stop();
        }
    }

    private Path model(String version, String channels) throws Exception {
        return TinyOnnx.write(dir.resolve("tiny-" + version + ".onnx"), TinyOnnx.Head.SIGMOID, -1,
                ScorerHolderTest.metadata("tiny", version, channels));
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, Path onnx, String version, String sha) throws Exception {
        ModelArtifact a = ModelArtifact.newBuilder().setName("tiny").setVersion(version).setSha256(sha)
                .setOnnx(ByteBuffer.wrap(Files.readAllBytes(onnx))).setModelCardJson("{}").setCreatedAt(Instant.now())
                .setProducer("test").setContract(ModelContracts.read(onnx, ContractOverrides.none()).toMetadata()).build();
        producer.send(new ProducerRecord<>(TOPIC, ModelTopic.key("tiny"), ModelTopic.encode(a))).get();
    }

    private static Outcome next(BlockingQueue<Outcome> outcomes) throws InterruptedException {
        Outcome o = outcomes.poll(60, TimeUnit.SECONDS);
        assertNotNull(o, "the follower reported no install attempt within 60 s");
        return o;
    }

    @Test
    void catchesUpOnTheLatestThenSwapsCompatibleAndRefusesBadArtifacts() throws Exception {
        Path v1 = model("1", "g,r");
        Path v2 = model("2", "g,r");
        Path v3 = model("3", "g,r");
        Path wrongBands = model("4", "r,i");
        Path v5 = model("5", "g,r");
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        pp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        pp.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(16 << 20));
        Properties cp = new Properties();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());

        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer());
             ScorerHolder holder = new ScorerHolder(OnnxScorer.open(v1, ScorerOptions.defaults(), null))) {
            // history before the follower starts: v2 then v3; catch-up installs only the latest, v3
            send(producer, v2, "2", ModelIdentity.sha256(v2));
            send(producer, v3, "3", ModelIdentity.sha256(v3));
            BlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
            ModelArtifactInstaller installer = new ModelArtifactInstaller(holder, dir.resolve("cache"), ScorerOptions.defaults());
            try (ModelTopicFollower follower = new ModelTopicFollower(cp, TOPIC, "tiny", installer, Duration.ofMillis(200))) {
                follower.addListener(outcomes::add);
                Outcome caughtUp = next(outcomes);
                assertEquals(Outcome.Status.INSTALLED, caughtUp.status(), caughtUp.message());
                assertEquals("3", holder.identity().version());
                assertEquals(1, holder.epoch(), "v2 was never installed on the way to v3");
                assertEquals(2, follower.recordsSeen());

                send(producer, wrongBands, "4", ModelIdentity.sha256(wrongBands));
                Outcome refused = next(outcomes);
                assertEquals(Outcome.Status.REFUSED, refused.status());
                assertTrue(refused.message().contains("channels [r, i] != [g, r]"), refused.message());

                send(producer, v5, "5", ModelIdentity.sha256(v1));
                Outcome tampered = next(outcomes);
                assertEquals(Outcome.Status.REFUSED, tampered.status());
                assertTrue(tampered.message().contains("SHA-256 mismatch"), tampered.message());
                assertEquals("3", holder.identity().version(), "refusals keep the running model");

                send(producer, v5, "5", ModelIdentity.sha256(v5));
                Outcome swapped = next(outcomes);
                assertEquals(Outcome.Status.INSTALLED, swapped.status(), swapped.message());
                assertEquals(ModelIdentity.sha256(v5), holder.identity().sha256());
                assertEquals(2, holder.epoch());
                try (ScorerHolder.Lease lease = holder.acquire()) {
                    assertEquals(2, lease.scorer().score(new float[64], 2).size());
                }
            }
        }
    }
}
