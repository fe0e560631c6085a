package org.deepmerge.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.core.synthetic.SurveyPreset;
import org.deepmerge.app.broker.DevBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark's scoring application on a real (embedded KRaft) broker: paused, it appends nothing to the score
 * topic however long it waits; resumed, it scores every alert appended meanwhile. The preloaded mode relies on this
 * to append its alerts to a warmed-up application.
 */
class StreamsScoringAppIT {

    @Test
    void aPausedApplicationScoresNothingUntilResumed(@TempDir Path tmp) throws Exception {
        Path model = TinyConvNet.write(tmp.resolve("tiny.onnx"), -1);
        List<byte[]> alerts = BenchInputs.synthetic(SurveyPreset.LSST, 5, 3L);
        Map<String, Object> settings = Map.of("deepmerge.model.path", model.toString(), "deepmerge.device", "cpu",
                "deepmerge.max.batch.size", 4, "deepmerge.max.wait.ms", 20, "num.stream.threads", 1);
        Path stateRoot;
        try (DevBroker broker = DevBroker.start(tmp.resolve("broker"), 0);
             StreamsScoringApp app = new StreamsScoringApp(settings, ContractOverrides.none())) {
            stateRoot = app.stateRoot();
            String servers = broker.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", servers))) {
                admin.createTopics(List.of(new NewTopic("in", 1, (short) 1), new NewTopic("out", 1, (short) 1),
                        new NewTopic("dlq", 1, (short) 1))).all().get();
            }
            try (PipelineBenchmark.RunningApp running = app.start(servers, "pause-test", "in", "out", "dlq");
                 KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                         ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers, ProducerConfig.ACKS_CONFIG, "all"),
                         new ByteArraySerializer(), new ByteArraySerializer());
                 KafkaConsumer<byte[], byte[]> outputs = new KafkaConsumer<>(Map.of(
                         ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                         ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                         new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> parts = List.of(new TopicPartition("out", 0), new TopicPartition("dlq", 0));
                outputs.assign(parts);
                outputs.seekToBeginning(parts);
                running.pause();
                for (byte[] alert : alerts) {
                    producer.send(new ProducerRecord<>("in", alert)).get();
                }
                // 3 s is 150 micro-batch waits and 30 commit intervals: a running application would have scored them
                assertEquals(0, poll(outputs, Integer.MAX_VALUE, Duration.ofSeconds(3)),
                        "a paused application must not score the alerts appended meanwhile");
                running.resume();
                assertEquals(alerts.size(), poll(outputs, alerts.size(), Duration.ofSeconds(60)),
                        "the resumed application scores every alert appended while it was paused");
            }
            // a task directory as Kafka Streams lays it out for a topology with stores
            Files.writeString(Files.createDirectories(stateRoot.resolve("pause-test/0_0")).resolve(".lock"), "");
        }
        assertFalse(Files.exists(stateRoot), "closing the application deletes its state directories, files and all");
    }

    /** @return records read until {@code enough} arrived or {@code time} passed */
    private static int poll(KafkaConsumer<byte[], byte[]> consumer, int enough, Duration time) {
        long deadline = System.nanoTime() + time.toNanos();
        int seen = 0;
        while (seen < enough && System.nanoTime() < deadline) {
            seen += consumer.poll(Duration.ofMillis(100)).count();
        }
        return seen;
    }
}
