package org.deepmerge.app.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.runtime.ScoringRuntime;
import org.deepmerge.streams.serde.MergerScoreSerde;
import org.deepmerge.streams.testing.Alerts;
import org.deepmerge.app.testing.ChildJvm;
import org.deepmerge.streams.testing.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash test: {@code deepmerge serve} runs in a separate JVM and is killed with SIGKILL while alerts are still
 * arriving; a second scorer JVM (with an empty state directory, as on a new machine) takes over. Every input
 * ends up with exactly one committed score or dead letter (read_committed): no loss, no duplicates.
 */
class CrashRecoveryIT {

    @TempDir
    Path tmp;

    private Process startScorer(String bootstrap, Path model, String stateDir, Path log) throws Exception {
        return ChildJvm.start(tmp, log, List.of("serve",
                "--bootstrap", bootstrap, "--input-topic", "alerts", "--output-topic", "scores", "--dlq-topic", "dead",
                "--model", model.toString(),
                "--set", "application.id=deepmerge-crash",
                "--set", "state.dir=" + stateDir,
                "--set", "commit.interval.ms=100",
                "--set", "deepmerge.device=cpu",
                "--set", "deepmerge.http.port=0",
                "--set", "deepmerge.inference.threads=1",
                "--set", "deepmerge.max.batch.size=8",
                "--set", "deepmerge.max.wait.ms=100",
                "--set", "num.stream.threads=1",
                "--set", "consumer.session.timeout.ms=6000",
                "--set", "consumer.heartbeat.interval.ms=1000",
                "--set", "producer.transaction.timeout.ms=5000"));
    }

    @Test
    @SuppressWarnings("try") // KafkaClusterTestKit.close() declares InterruptedException
    void sigkillMidStreamLosesAndDuplicatesNothing() throws Exception {
        try (KafkaClusterTestKit cluster = ScoringIntegrationIT.startCluster(Map.of(
                "transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000"))) {
            String bootstrap = cluster.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic("alerts", 2, (short) 1), new NewTopic("scores", 1, (short) 1),
                        new NewTopic("dead", 1, (short) 1))).all().get();
            }
            Path model = TestModels.meanSigmoid(tmp.resolve("m.onnx"));
            List<byte[]> messages = new ArrayList<>();
            for (Path p : Alerts.ztf()) {
                messages.add(Alerts.bytes(p));
            }
            for (Path p : Alerts.rubin()) {
                messages.add(Alerts.bytes(p));
            }
            Set<String> expected = new HashSet<>();
            int expectedDead = 0;
            DeepMergeStreamsConfig config = DeepMergeStreamsConfig.load(null, Map.of(), Map.of(
                    DeepMergeStreamsConfig.MODEL_PATH, model.toString(), DeepMergeStreamsConfig.DEVICE, "cpu"));
            try (ScoringRuntime runtime = ScoringRuntime.open(config, ContractOverrides.none())) {
                for (byte[] m : messages) {
                    try {
                        expected.add(runtime.pipeline().prepare(m).alert().sourceId());
                    } catch (DeepMergeException e) {
                        expectedDead++;
                    }
                }
            }

            Path log1 = tmp.resolve("scorer1.log");
            Path log2 = tmp.resolve("scorer2.log");
            Process first = startScorer(bootstrap, model, tmp.resolve("state1").toString(), log1);
            Map<String, Integer> scores = new HashMap<>();
            int dead = 0;
            MergerScoreSerde serde = new MergerScoreSerde(DeepMergeStreamsConfig.OutputEncoding.PLAIN, null);
            Process second = null;
            int killedAfter = -1;
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                    new ByteArraySerializer(), new ByteArraySerializer());
                 KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(ScoringIntegrationIT.consumerProps(bootstrap),
                         new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                ScoringIntegrationIT.assignFromStart(consumer, List.of("scores", "dead"));
                // phase 1: the first third of the input; phase 2 (after the kill): the rest, gradually
                int firstPart = messages.size() / 3;
                int sent = 0;
                for (; sent < firstPart; sent++) {
                    producer.send(new ProducerRecord<>("alerts", ("k" + sent).getBytes(StandardCharsets.UTF_8), messages.get(sent)));
                }
                producer.flush();
                long deadline = System.nanoTime() + Duration.ofSeconds(240).toNanos();
                long doneAt = -1;
                while (System.nanoTime() < deadline) {
                    if (second != null) {
                        for (int k = 0; k < 10 && sent < messages.size(); k++, sent++) {
                            producer.send(new ProducerRecord<>("alerts", ("k" + sent).getBytes(StandardCharsets.UTF_8),
                                    messages.get(sent)));
                        }
                        producer.flush();
                    }
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        if (r.topic().equals("scores")) {
                            scores.merge(serde.deserializer().deserialize("scores", r.value()).getSourceId(), 1, Integer::sum);
                        } else {
                            dead++;
                        }
                    }
                    if (second == null && scores.size() >= 40) {
                        killedAfter = scores.size();
                        first.destroyForcibly().waitFor();
                        assertEquals(137, first.exitValue(), "scorer 1 was SIGKILLed");
                        second = startScorer(bootstrap, model, tmp.resolve("state2").toString(), log2);
                    }
                    int total = scores.values().stream().mapToInt(Integer::intValue).sum();
                    if (doneAt < 0 && sent == messages.size() && total >= expected.size() && dead >= expectedDead) {
                        doneAt = System.nanoTime();
                    }
                    if (doneAt > 0 && System.nanoTime() - doneAt > Duration.ofSeconds(3).toNanos()) {
                        break;
                    }
                }
            } finally {
                first.destroyForcibly();
                if (second != null) {
                    second.destroy(); // SIGTERM: graceful shutdown
                    second.waitFor();
                }
            }
            assertTrue(second == null || ChildJvm.tail(log2).contains("stopped:"),
                    "scorer 2 shut down cleanly on SIGTERM:\n" + ChildJvm.tail(log2));
            String logs = "\n--- scorer 1 ---\n" + ChildJvm.tail(log1) + "\n--- scorer 2 ---\n" + ChildJvm.tail(log2);
            assertTrue(second != null, "the first scorer never produced 40 scores" + logs);
            assertTrue(killedAfter < expected.size(), "killed mid-stream");
            System.out.printf("crash test: scorer 1 SIGKILLed after %d committed scores of %d; scorer 2 finished%n",
                    killedAfter, expected.size());
            assertEquals(expected, scores.keySet(), "every scorable alert scored" + logs);
            scores.forEach((id, n) -> assertEquals(1, n, "duplicate committed score for " + id + logs));
            assertEquals(expectedDead, dead, "one dead letter per unscorable alert" + logs);
        }
    }
}
