package org.deepmerge.streams.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
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
import org.apache.kafka.common.test.TestKitNodes;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.streams.cli.DeepMergeCli;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.runtime.ScoringRuntime;
import org.deepmerge.streams.serde.MergerScoreSerde;
import org.deepmerge.streams.testing.Alerts;
import org.deepmerge.streams.testing.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash test: {@code deepmerge serve} runs in a separate JVM and is killed with SIGKILL while alerts are still
 * arriving; a second scorer JVM (with an empty state directory, as on a new machine) takes over. Every input
 * ends up with exactly one committed score or dead letter (read_committed): no loss, no duplicates.
 */
class CrashRecoveryTest {

    @TempDir
    Path tmp;

    /**
     * A manifest-only jar holding the test class path, as surefire's booter does: ONNX Runtime 1.29 crashes the JVM
     * (SIGSEGV while creating a session) when the process command line exceeds about 3,000 characters, which a
     * {@code -cp} with the full Maven class path does.
     */
    private Path classpathJar() throws Exception {
        Path jar = tmp.resolve("classpath.jar");
        if (Files.exists(jar)) {
            return jar;
        }
        StringBuilder cp = new StringBuilder();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (e.isBlank()) {
                continue;
            }
            Path p = Path.of(e).toAbsolutePath();
            if (e.endsWith(".jar") && p.getFileName().toString().startsWith("surefire")) {
                java.util.jar.Manifest inner = new java.util.jar.JarFile(p.toFile()).getManifest();
                String nested = inner == null ? null : inner.getMainAttributes().getValue("Class-Path");
                if (nested != null) {
                    cp.append(nested).append(' ');
                    continue;
                }
            }
            cp.append(p.toUri()).append(' ');
        }
        java.util.jar.Manifest mf = new java.util.jar.Manifest();
        mf.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().put(java.util.jar.Attributes.Name.CLASS_PATH, cp.toString().trim());
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar), mf)) {
            out.flush();
        }
        return jar;
    }

    private Process startScorer(String bootstrap, Path model, String stateDir, Path log) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx768m",
                "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=org.deepmerge.avro.v1",
                "-cp", classpathJar().toString(), DeepMergeCli.class.getName(), "serve",
                "--bootstrap", bootstrap, "--input-topic", "alerts", "--output-topic", "scores", "--dlq-topic", "dead",
                "--model", model.toString(),
                "--set", "application.id=deepmerge-crash",
                "--set", "state.dir=" + stateDir,
                "--set", "commit.interval.ms=100",
                "--set", "deepmerge.device=cpu",
                "--set", "deepmerge.max.batch.size=8",
                "--set", "deepmerge.max.wait.ms=100",
                "--set", "num.stream.threads=1",
                "--set", "consumer.session.timeout.ms=6000",
                "--set", "consumer.heartbeat.interval.ms=1000",
                "--set", "producer.transaction.timeout.ms=5000"));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    @Test
    void sigkillMidStreamLosesAndDuplicatesNothing() throws Exception {
        try (KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "3")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("transaction.state.log.num.partitions", "3")
                .setConfigProp("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .build()) {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
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
                 KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(ScoringIntegrationTest.consumerProps(bootstrap),
                         new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                ScoringIntegrationTest.assignFromStart(consumer, List.of("scores", "dead"));
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
                    second.destroy();
                    second.waitFor();
                }
            }
            String logs = "\n--- scorer 1 ---\n" + tail(log1) + "\n--- scorer 2 ---\n" + tail(log2);
            assertTrue(second != null, "the first scorer never produced 40 scores" + logs);
            assertTrue(killedAfter < expected.size(), "killed mid-stream");
            System.out.printf("crash test: scorer 1 SIGKILLed after %d committed scores of %d; scorer 2 finished%n",
                    killedAfter, expected.size());
            assertEquals(expected, scores.keySet(), "every scorable alert scored" + logs);
            scores.forEach((id, n) -> assertEquals(1, n, "duplicate committed score for " + id + logs));
            assertEquals(expectedDead, dead, "one dead letter per unscorable alert" + logs);
        }
    }

    private static String tail(Path log) throws Exception {
        if (!Files.exists(log)) {
            return "(no log)";
        }
        List<String> lines = Files.readAllLines(log);
        return String.join(File.separator.equals("/") ? "\n" : "\r\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }
}
