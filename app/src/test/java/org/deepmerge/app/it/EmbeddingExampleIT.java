package org.deepmerge.app.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.deepmerge.app.broker.DevBroker;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.streams.embedding.EmbeddingExample;
import org.deepmerge.streams.runtime.KafkaStartup;
import org.deepmerge.streams.serde.MergerScoreSerde;
import org.deepmerge.streams.testing.Alerts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17: the README's embedding example ({@link EmbeddingExample}, the plugin's public API only) as a real Kafka
 * Streams application on the in-JVM broker: real ZTF alerts go into the broker's own topic, its own step forwards
 * them, the scorer it added publishes one committed score per alert.
 */
class EmbeddingExampleIT {

    @TempDir
    Path tmp;

    @Test
    void theEmbeddedScorerPublishesOneCommittedScorePerAlertOnARealBroker() throws Exception {
        List<Path> alerts = Alerts.ztf().subList(0, 12);
        try (DevBroker broker = DevBroker.start(tmp.resolve("broker"), 0)) {
            String bootstrap = broker.bootstrapServers();
            KafkaStartup.createTopicsIfMissing(Map.of("bootstrap.servers", bootstrap), List.of(
                    new NewTopic("ztf-alerts", 2, (short) 1), new NewTopic("ztf-to-score", 2, (short) 1),
                    new NewTopic("ztf-merger-scores", 2, (short) 1), new NewTopic("ztf-merger-dead-letters", 1, (short) 1)),
                    Duration.ofSeconds(60));
            try (EmbeddingExample.Running app = EmbeddingExample.start(bootstrap);
                 KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                         ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                         new ByteArraySerializer(), new ByteArraySerializer())) {
                KafkaStartup.awaitRunning(app.streams(), Duration.ofSeconds(120));
                for (Path a : alerts) {
                    producer.send(new ProducerRecord<>("ztf-alerts", Alerts.bytes(a))).get();
                }
                Map<String, MergerScore> scores = readScores(bootstrap, alerts.size(), Duration.ofSeconds(120));
                assertEquals(alerts.size(), scores.size(), "one committed score per alert, by source id: " + scores.keySet());
                for (MergerScore s : scores.values()) {
                    assertEquals("ZTF", s.getSurvey());
                    assertEquals("deepmerge-default", s.getModelName());
                    assertTrue(s.getApplicable() ? s.getPMerger() != null : s.getReason() != null, s.toString());
                }
            }
        }
    }

    private static Map<String, MergerScore> readScores(String bootstrap, int expected, Duration timeout) {
        MergerScoreSerde serde = MergerScoreSerde.fromConfig(EmbeddingExample.config(bootstrap));
        Map<String, MergerScore> byId = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.GROUP_ID_CONFIG, "embedding-it-reader",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of("ztf-merger-scores"));
            long deadline = System.nanoTime() + timeout.toNanos();
            int records = 0;
            while (System.nanoTime() < deadline && records < expected) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    MergerScore s = serde.deserializer().deserialize(r.topic(), r.value());
                    byId.put(s.getSourceId(), s);
                    records++;
                }
            }
            assertEquals(expected, records, "no score twice");
        }
        return byId;
    }
}
