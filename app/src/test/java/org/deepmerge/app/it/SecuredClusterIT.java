package org.deepmerge.app.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.deepmerge.app.cli.DeepMergeCli;
import org.deepmerge.app.testing.ChildJvm;
import org.deepmerge.app.testing.SecuredBroker;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.avro.v1.ModelArtifact;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.core.model.ModelContracts;
import org.deepmerge.core.model.ModelIdentity;
import org.deepmerge.core.model.ModelTopic;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.serde.MergerScoreSerde;
import org.deepmerge.streams.testing.Alerts;
import org.deepmerge.streams.testing.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Kafka client of the project against a broker that requires SASL SCRAM-SHA-512 over TLS
 * ({@link SecuredBroker}, {@code SASL_SSL}), each given its settings the way an operator would:
 * <ul>
 *   <li>{@code serve} (a child JVM): secrets in its {@code --config} file, {@code sasl.mechanism} as a {@code --set}
 *       flag; Kafka Streams' main consumer, producer, admin and restore consumer, the admin client that creates
 *       the topics, and the model-topic follower all log in with them: real ZTF alerts are scored (read with
 *       read_committed), a model published to the model topic is installed, and the next alerts name it;</li>
 *   <li>{@code replay} (a child JVM): secrets in {@code DEEPMERGE_KAFKA_*} environment variables,
 *       {@code security.protocol} as a {@code --set} flag;</li>
 *   <li>a wrong password (in the environment, which beats the file): {@code serve} and {@code replay} stop within
 *       seconds with exit code {@link DeepMergeCli#EXIT_FAILED} and one line saying authentication failed, no stack
 *       trace; without the truststore, {@code replay} says the TLS handshake failed the same way.</li>
 * </ul>
 * {@link #replayLogsInWithScramWithoutTls} does the same login on a {@code SASL_PLAINTEXT} listener.
 * Every child's output (Kafka clients logging their configuration at INFO) and the dead-letter headers are
 * searched for the password, the JAAS line and the truststore password: none may appear.
 */
class SecuredClusterIT {
    private static final String MODEL_NAME = "mean-sigmoid-test";

    @TempDir
    Path tmp;

    private final List<Path> logs = new ArrayList<>();

    @Test
    @SuppressWarnings("try")
    void everyClientLogsInWithScramOverTlsAndNoSecretIsShown() throws Exception {
        Path v1 = TestModels.meanSigmoid(tmp.resolve("v1.onnx"), 0.01f, "1");
        Path v2 = TestModels.meanSigmoid(tmp.resolve("v2.onnx"), -0.01f, "2");
        List<Path> alerts = Alerts.ztf();
        Path garbage = Files.writeString(tmp.resolve("garbage.avro"), "not an alert");
        try (SecuredBroker broker = SecuredBroker.start(tmp, true)) {
            Map<String, Object> client = new HashMap<>(broker.clientSettings());
            client.put("bootstrap.servers", broker.bootstrapServers());
            try (Admin admin = Admin.create(client)) {
                admin.createTopics(List.of(new NewTopic(ModelTopic.DEFAULT_TOPIC, 1, (short) 1).configs(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get();
            }
            Path config = writeServeConfig(broker);
            Process serve = ChildJvm.start(tmp, log("serve"), "768m", verboseLogging(), Map.of(), serveArgs(config, v1));
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                    withAll(ScoringIntegrationIT.consumerProps(broker.bootstrapServers()), broker.clientSettings()),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                awaitLine(serve, log("serve"), "serving: ");
                assertEquals(0, replay(broker, broker.password(), alerts.subList(0, 8), garbage));
                ScoringIntegrationIT.assignFromStart(consumer, List.of("scores", "dead"));
                List<ConsumerRecord<byte[], byte[]>> first = read(consumer, 9);
                assertScores(first, 8, ModelIdentity.sha256(v1));
                ConsumerRecord<byte[], byte[]> deadLetter = first.stream().filter(r -> r.topic().equals("dead"))
                        .findFirst().orElseThrow();
                for (Header h : deadLetter.headers()) {
                    assertNoSecret(broker.secrets(), "dead-letter header " + h.key(),
                            new String(h.value(), StandardCharsets.UTF_8));
                }

                publish(client, v2);
                awaitLine(serve, log("serve"), "model topic " + ModelTopic.DEFAULT_TOPIC + ": ");
                assertTrue(Files.readString(log("serve")).contains(": installed "), ChildJvm.tail(log("serve")));
                assertEquals(0, replay(broker, broker.password(), alerts.subList(8, 16)));
                assertScores(read(consumer, 8), 8, ModelIdentity.sha256(v2));
            } finally {
                serve.destroy();
                assertTrue(serve.waitFor(90, TimeUnit.SECONDS), "serve did not stop on SIGTERM");
            }
            String serveLog = Files.readString(log("serve"));
            // the clients did log their configuration (so the search below looked at it), with the secrets hidden
            assertTrue(serveLog.contains("sasl.jaas.config = [hidden]"), "no client configuration logged");
            assertTrue(serveLog.contains("security.protocol = SASL_SSL"), "no client configuration logged");
            // the restore consumer read the batch buffer's changelog (the other clients proved themselves above)
            assertTrue(serveLog.contains("Finished restoring changelog"), "the restore consumer did not run");

            String wrong = "wrong-" + broker.password();
            List<String> secrets = new ArrayList<>(broker.secrets());
            secrets.add(wrong);
            secrets.add(SecuredBroker.jaas(SecuredBroker.USER, wrong));
            // the environment beats the --config file: the wrong password is the one used
            Process denied = ChildJvm.start(tmp, log("serve-denied"), "768m", productionLogging(),
                    Map.of("DEEPMERGE_KAFKA_SASL_JAAS_CONFIG", SecuredBroker.jaas(SecuredBroker.USER, wrong)),
                    serveArgs(config, v1));
            assertRefused(denied, log("serve-denied"), "serve", "authentication failed");
            assertRefused(startReplay(broker, wrong, alerts.subList(0, 1), log("replay-denied"), true, productionLogging()),
                    log("replay-denied"), "replay", "authentication failed");
            // the right password but no truststore: the JDK's default one does not trust the broker's certificate
            assertRefused(startReplay(broker, broker.password(), alerts.subList(0, 1), log("replay-untrusted"), false,
                    productionLogging()),
                    log("replay-untrusted"), "replay", "ssl handshake failed");

            for (Path log : logs) {
                assertNoSecret(secrets, log.getFileName().toString(), Files.readString(log));
            }
        }
    }

    /** The same SCRAM login without TLS ({@code SASL_PLAINTEXT}): replay sends, a SASL consumer reads back. */
    @Test
    @SuppressWarnings("try")
    void replayLogsInWithScramWithoutTls() throws Exception {
        List<Path> alerts = Alerts.ztf().subList(0, 3);
        try (SecuredBroker broker = SecuredBroker.start(tmp, false)) {
            assertEquals("SASL_PLAINTEXT", broker.securityProtocol());
            assertEquals(0, replay(broker, broker.password(), alerts));
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                    withAll(ScoringIntegrationIT.consumerProps(broker.bootstrapServers()), broker.clientSettings()),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                ScoringIntegrationIT.assignFromStart(consumer, List.of("alerts"));
                List<ConsumerRecord<byte[], byte[]>> sent = read(consumer, alerts.size());
                for (int i = 0; i < alerts.size(); i++) {
                    assertTrue(java.util.Arrays.equals(Alerts.bytes(alerts.get(i)), sent.get(i).value()), "alert " + i);
                }
            }
            for (Path log : logs) {
                assertNoSecret(broker.secrets(), log.getFileName().toString(), Files.readString(log));
            }
        }
    }

    private Path log(String name) {
        Path p = tmp.resolve(name + ".log");
        if (!logs.contains(p)) {
            logs.add(p);
        }
        return p;
    }

    /** The serve configuration file: connection and secrets, as an operator would keep it (mode 600). */
    private Path writeServeConfig(SecuredBroker broker) throws IOException {
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrapServers());
        broker.clientSettings().forEach((k, v) -> {
            if (!k.equals("sasl.mechanism")) {
                p.put(k, v);
            }
        });
        p.put(DeepMergeStreamsConfig.MODEL_TOPIC, ModelTopic.DEFAULT_TOPIC);
        p.put(DeepMergeStreamsConfig.MODEL_CACHE_DIR, tmp.resolve("models").toString());
        Path file = tmp.resolve("serve.properties");
        try (OutputStream out = Files.newOutputStream(file)) {
            p.store(out, "deepmerge serve against the secured test broker");
        }
        return file;
    }

    private List<String> serveArgs(Path config, Path model) {
        return List.of("serve", "--config", config.toString(), "--model", model.toString(),
                "--input-topic", "alerts", "--output-topic", "scores", "--dlq-topic", "dead",
                "--set", "sasl.mechanism=SCRAM-SHA-512",
                "--set", "application.id=deepmerge-secured",
                "--set", "state.dir=" + tmp.resolve("state"),
                "--set", "commit.interval.ms=100",
                "--set", "num.stream.threads=1",
                "--set", "deepmerge.device=cpu",
                "--set", "deepmerge.inference.threads=1",
                "--set", "deepmerge.max.batch.size=4",
                "--set", "deepmerge.max.wait.ms=100",
                // every alert goes to the model, so that every score names the model that made it
                "--set", "deepmerge.gate.enabled=false");
    }

    /** @return replay's exit code; the secrets come from the environment, the protocol from a flag */
    private int replay(SecuredBroker broker, String password, List<Path> files, Path... more) throws Exception {
        List<Path> inputs = new ArrayList<>(files);
        inputs.addAll(List.of(more));
        Path log = log("replay-" + logs.size());
        Process p = startReplay(broker, password, inputs, log, true, verboseLogging());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "replay did not finish: " + ChildJvm.tail(log));
        return p.exitValue();
    }

    private Process startReplay(SecuredBroker broker, String password, List<Path> inputs, Path log, boolean truststore,
                                List<String> logging) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        broker.clientSettings(password).forEach((k, v) -> {
            if (!k.equals("security.protocol") && (truststore || !k.startsWith("ssl.truststore."))) {
                env.put(DeepMergeStreamsConfig.ENV_KAFKA_PREFIX + k.toUpperCase(Locale.ROOT).replace('.', '_'), v);
            }
        });
        List<String> args = new ArrayList<>(List.of("replay", "--bootstrap", broker.bootstrapServers(), "--topic", "alerts",
                "--set", "security.protocol=" + broker.securityProtocol()));
        inputs.forEach(i -> args.add(i.toString()));
        return ChildJvm.start(tmp, log, "256m", logging, env, args);
    }

    private void publish(Map<String, Object> client, Path model) throws Exception {
        ModelArtifact artifact = ModelArtifact.newBuilder().setName(MODEL_NAME).setVersion("2")
                .setSha256(ModelIdentity.sha256(model)).setOnnx(ByteBuffer.wrap(Files.readAllBytes(model)))
                .setModelCardJson("{}").setCreatedAt(Instant.now()).setProducer("SecuredClusterIT")
                .setContract(ModelContracts.read(model, ContractOverrides.none()).toMetadata()).build();
        Map<String, Object> p = new HashMap<>(client);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(ModelTopic.DEFAULT_TOPIC, ModelTopic.key(MODEL_NAME),
                    ModelTopic.encode(artifact))).get();
        }
    }

    /** Kafka clients at INFO (they log their whole configuration there), ours at DEBUG. */
    private List<String> verboseLogging() throws IOException {
        Path xml = tmp.resolve("logback-verbose.xml");
        if (!Files.exists(xml)) {
            Files.writeString(xml, """
                    <configuration>
                      <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
                        <target>System.err</target>
                        <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
                      </appender>
                      <logger name="org.deepmerge" level="DEBUG"/>
                      <root level="INFO"><appender-ref ref="STDERR"/></root>
                    </configuration>
                    """);
        }
        return List.of("-Dlogback.configurationFile=" + xml);
    }

    /** The logging configuration deepmerge.jar ships, so that the output is what an operator sees. */
    private static List<String> productionLogging() {
        return List.of("-Dlogback.configurationFile=" + Path.of("src/main/resources/logback.xml").toAbsolutePath());
    }

    private static void awaitLine(Process p, Path log, String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(text)) {
                return;
            }
            assertTrue(p.isAlive(), "exited with " + (p.isAlive() ? "" : p.exitValue()) + " before '" + text + "':\n"
                    + ChildJvm.tail(log));
            Thread.sleep(200);
        }
        throw new AssertionError("no '" + text + "' within 180 s:\n" + ChildJvm.tail(log));
    }

    /** A refused connection: exit code 2 within seconds, one line of ours naming the cause, no stack trace. */
    private static void assertRefused(Process p, Path log, String command, String cause) throws Exception {
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), command + " did not stop:\n" + ChildJvm.tail(log));
        String out = Files.readString(log);
        assertEquals(DeepMergeCli.EXIT_FAILED, p.exitValue(), out);
        List<String> ours = out.lines().filter(l -> l.startsWith("deepmerge " + command + ": ")).toList();
        assertEquals(1, ours.size(), out);
        assertTrue(ours.get(0).startsWith("deepmerge " + command + ": INVALID_CONFIG: Kafka at ")
                && ours.get(0).toLowerCase(Locale.ROOT).contains(cause), out);
        assertFalse(out.contains("\tat "), "no stack trace: " + out);
    }

    private static void assertNoSecret(List<String> secrets, String where, String text) {
        for (String s : secrets) {
            assertFalse(text.contains(s), where + " shows a secret");
        }
    }

    private static Map<String, Object> withAll(Map<String, Object> m, Map<String, String> more) {
        m.putAll(more);
        return m;
    }

    private static List<ConsumerRecord<byte[], byte[]>> read(KafkaConsumer<byte[], byte[]> consumer, int n) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (out.size() < n && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(out::add);
        }
        assertEquals(n, out.size(), "records read");
        return out;
    }

    private static void assertScores(List<ConsumerRecord<byte[], byte[]>> records, int n, String sha256) {
        MergerScoreSerde serde = new MergerScoreSerde(DeepMergeStreamsConfig.OutputEncoding.PLAIN, null);
        List<MergerScore> scores = records.stream().filter(r -> r.topic().equals("scores"))
                .map(r -> serde.deserializer().deserialize(r.topic(), r.value())).toList();
        assertEquals(n, scores.size(), "scores");
        scores.forEach(s -> assertEquals(sha256, s.getModelSha256()));
    }
}
