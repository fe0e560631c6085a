package org.deepmerge.training.publish;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.deepmerge.avro.v1.ModelArtifact;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.ModelContracts;
import org.deepmerge.core.model.ModelIdentity;
import org.deepmerge.core.model.ModelTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@link ModelPublisher#publishToKafka} against a real in-JVM KRaft broker (KafkaClusterTestKit). */
class ModelPublisherKafkaIT {
    private static KafkaClusterTestKit cluster;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() throws Exception {
        cluster = start(new TestKitNodes.Builder());
    }

    /**
     * @param nodes the node settings (e.g. a security protocol); one combined broker and controller is added
     * @return a started single-node cluster
     * @throws Exception when it does not start
     */
    static KafkaClusterTestKit start(TestKitNodes.Builder nodes) throws Exception {
        KafkaClusterTestKit kit = new KafkaClusterTestKit.Builder(nodes.setCombined(true)
                .setNumBrokerNodes(1).setNumControllerNodes(1).build()).build();
        kit.format();
        kit.startup();
        kit.waitForReadyBrokers();
        return kit;
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static Properties props() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        return p;
    }

    /** Every record of a topic, read from the beginning with read_committed, as a scorer's follower reads it. */
    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            assertEquals(expected, end, "records on " + topic);
            while (c.position(tp) < end) {
                c.poll(Duration.ofMillis(500)).forEach(out::add);
            }
        }
        return out;
    }

    private static ModelArtifact decode(byte[] value) throws Exception {
        return ModelTopic.decode(value);
    }

    private static Config topicConfig(String topic) throws Exception {
        try (Admin admin = cluster.admin()) {
            ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            return admin.describeConfigs(List.of(r)).all().get().get(r);
        }
    }

    @Test
    void createsCompactedTopicAndSendsVerifiableArtifactsKeyedByName() throws Exception {
        String topic = "models-a";
        Path v1 = ModelPublisherDirectoryTest.tinyModel(dir, "deepmerge-tiny", "1.0.0", 1f);
        Path v2 = ModelPublisherDirectoryTest.tinyModel(dir, "deepmerge-tiny", "1.1.0", 1f);
        ModelPublisher.PublishedRecord r1 = ModelPublisher.publishToKafka(props(), topic, v1, ModelCardTest.card());
        ModelPublisher.PublishedRecord r2 = ModelPublisher.publishToKafka(props(), topic, v2,
                ModelCardTest.card().withVersion("1.1.0"));
        assertTrue(r1.topicCreated());
        assertFalse(r2.topicCreated());
        assertEquals(0, r1.offset());

        Config cfg = topicConfig(topic);
        assertEquals("compact", cfg.get(TopicConfig.CLEANUP_POLICY_CONFIG).value());
        assertEquals(Integer.toString(ModelTopic.MAX_MESSAGE_BYTES), cfg.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value());

        List<ConsumerRecord<byte[], byte[]>> records = readAll(topic, 2);
        assertEquals(2, records.size());
        for (int i = 0; i < 2; i++) {
            Path file = i == 0 ? v1 : v2;
            ConsumerRecord<byte[], byte[]> rec = records.get(i);
            assertEquals("deepmerge-tiny", new String(rec.key(), StandardCharsets.UTF_8));
            ModelArtifact a = decode(rec.value());
            byte[] onnx = new byte[a.getOnnx().remaining()];
            a.getOnnx().get(onnx);
            assertArrayEquals(Files.readAllBytes(file), onnx);
            assertEquals(ModelIdentity.sha256(file), a.getSha256());
            assertEquals(ModelIdentity.sha256(onnx), a.getSha256());
            assertEquals(i == 0 ? "1.0.0" : "1.1.0", a.getVersion());
            ModelCard card = ModelCard.fromJson(a.getModelCardJson());
            assertEquals(a.getSha256(), card.sha256());
            assertEquals(ModelCardTest.card().intendedUse(), card.intendedUse());
            assertEquals("g,r", a.getContract().get(ModelContract.KEY_CHANNELS));
            assertEquals(ModelContracts.read(file, ContractOverrides.none()).toMetadata(), a.getContract());
        }
        assertEquals(r2.offset(), records.get(1).offset());
        assertEquals(r2.valueBytes(), records.get(1).value().length);
    }

    @Test
    void sendsAModelLargerThanKafkasDefaultMessageLimit() throws Exception {
        Path tiny = ModelPublisherDirectoryTest.tinyModel(dir, "deepmerge-big", "1.0.0", 1f);
        OnnxMl.ModelProto m = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(tiny));
        int floats = 300_000; // 1.2 MB of float32 weights, beyond the broker default message.max.bytes (1 MiB)
        OnnxMl.TensorProto pad = OnnxMl.TensorProto.newBuilder().setName("unused_weights").addDims(floats)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                .setRawData(ByteString.copyFrom(new byte[floats * Float.BYTES])).build();
        Path big = dir.resolve("big.onnx");
        Files.write(big, m.toBuilder().setGraph(m.getGraph().toBuilder().addInitializer(pad)).build().toByteArray());
        assertTrue(Files.size(big) > 1_048_588, "model bigger than the broker default message.max.bytes");

        ModelPublisher.PublishedRecord r = ModelPublisher.publishToKafka(props(), "models-big", big,
                ModelCardTest.card().withName("deepmerge-big"));
        assertTrue(r.valueBytes() > Files.size(big));
        ModelArtifact a = decode(readAll("models-big", 1).get(0).value());
        assertEquals(ModelIdentity.sha256(big), a.getSha256());
        assertEquals(Files.size(big), a.getOnnx().remaining());
    }

    @Test
    void refusesATopicThatIsNotCompacted() throws Exception {
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic("models-plain", 1, (short) 1)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE)))).all().get();
        }
        Path v1 = ModelPublisherDirectoryTest.tinyModel(dir, "deepmerge-tiny", "1.0.0", 1f);
        DeepMergeException e = assertThrows(DeepMergeException.class,
                () -> ModelPublisher.publishToKafka(props(), "models-plain", v1, ModelCardTest.card()));
        assertEquals(Reason.INVALID_CONFIG, e.reason());
        assertTrue(e.getMessage().contains("cleanup.policy=delete"), e.getMessage());
        readAll("models-plain", 0);
    }

    @Test
    void publishCommandWritesDirectoryAndTopic() throws Exception {
        Path v1 = ModelPublisherDirectoryTest.tinyModel(dir, "deepmerge-cli", "1.0.0", 1f);
        Path cardJson = dir.resolve("card.json");
        Files.writeString(cardJson, ModelCardTest.card().withName("deepmerge-cli").toJson());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new PublishCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("--model", v1.toString(), "--name", "deepmerge-cli", "--version", "1.0.0",
                "--card-json", cardJson.toString(), "--models-dir", dir.resolve("models").toString(),
                "--bootstrap", cluster.bootstrapServers(), "--topic", "models-cli");
        assertEquals(0, code, err.toString());
        assertTrue(out.toString().contains("topic: models-cli-0@0"), out.toString());
        assertTrue(Files.isRegularFile(dir.resolve("models/deepmerge-cli-1.0.0.card.md")));
        ModelArtifact a = decode(readAll("models-cli", 1).get(0).value());
        assertEquals(ModelIdentity.sha256(dir.resolve("models/deepmerge-cli-1.0.0.onnx")), a.getSha256());
    }
}
