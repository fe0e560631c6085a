package org.deepmerge.training.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.deepmerge.training.cli.TrainCli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code deepmerge-train publish} against a broker that requires SASL (the test kit's own SASL_PLAINTEXT with the
 * PLAIN mechanism and its built-in users; SCRAM over TLS for every scorer client is app's SecuredClusterIT): the
 * producer and the admin client that checks the model topic log in with the settings of {@code --kafka-config} or of
 * {@code DEEPMERGE_KAFKA_*} environment variables; a wrong password is one line and exit code 2; the secret never
 * appears in the output.
 */
class ModelPublisherSaslIT {
    private static final String USER = "plain-admin";
    private static final String PASSWORD = "plain-admin-secret";
    private static KafkaClusterTestKit cluster;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() throws Exception {
        cluster = ModelPublisherKafkaIT.start(new TestKitNodes.Builder()
                .setBrokerSecurityProtocol(SecurityProtocol.SASL_PLAINTEXT)
                .setControllerSecurityProtocol(SecurityProtocol.SASL_PLAINTEXT));
    }

    @AfterAll
    static void stopBroker() throws Exception {
        cluster.close();
    }

    private static String jaas(String password) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + USER + "\" password=\""
                + password + "\";";
    }

    private record Run(int code, String out, String err) {
    }

    private Run publish(String topic, Map<String, String> env, String... extra) throws Exception {
        Path model = ModelPublisherDirectoryTest.tinyModel(dir, "deepmerge-sasl", "1.0.0", 1f);
        Path card = Files.writeString(dir.resolve("card.json"), ModelCardTest.card().withName("deepmerge-sasl").toJson());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = TrainCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        PublishCommand publish = cli.getSubcommands().get("publish").getCommand();
        publish.environment = env;
        List<String> args = new ArrayList<>(List.of("publish", "--model", model.toString(), "--name", "deepmerge-sasl",
                "--version", "1.0.0", "--card-json", card.toString(), "--models-dir", dir.resolve("models").toString(),
                "--bootstrap", cluster.bootstrapServers(), "--topic", topic));
        args.addAll(List.of(extra));
        int code = cli.execute(args.toArray(String[]::new));
        String all = out + "\n" + err;
        assertFalse(all.contains(PASSWORD), "the password is never shown: " + all);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void publishLogsInWithTheSettingsOfItsKafkaConfigFile() throws Exception {
        Path config = dir.resolve("kafka.properties");
        Files.writeString(config, String.join("\n", "security.protocol=SASL_PLAINTEXT", "sasl.mechanism=PLAIN",
                "sasl.jaas.config=" + jaas(PASSWORD), "deepmerge.model.topic=ignored-here"));
        Run r = publish("models-sasl-file", Map.of(), "--kafka-config", config.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("topic: models-sasl-file-0@0"), r.out());
    }

    @Test
    void publishLogsInWithTheSettingsOfTheEnvironment() throws Exception {
        Run r = publish("models-sasl-env", Map.of("DEEPMERGE_KAFKA_SASL_JAAS_CONFIG", jaas(PASSWORD),
                "DEEPMERGE_KAFKA_SASL_MECHANISM", "PLAIN"), "--kafka-property", "security.protocol=SASL_PLAINTEXT");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("topic: models-sasl-env-0@0"), r.out());
    }

    @Test
    void aWrongPasswordIsOneLineAndExitCodeTwo() throws Exception {
        Run r = publish("models-sasl-denied", Map.of("DEEPMERGE_KAFKA_SASL_JAAS_CONFIG", jaas("wrong-" + PASSWORD)),
                "--kafka-property", "security.protocol=SASL_PLAINTEXT", "--kafka-property", "sasl.mechanism=PLAIN");
        assertEquals(2, r.code(), r.err());
        List<String> lines = r.err().strip().lines().toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("error (INVALID_CONFIG): Kafka at ")
                && lines.get(0).contains("Authentication failed"), r.err());
    }

    @Test
    void aSecretGivenAsAKafkaPropertyIsWarnedAboutButNotShown() throws Exception {
        Run r = publish("models-sasl-flag", Map.of(), "--kafka-property", "security.protocol=SASL_PLAINTEXT",
                "--kafka-property", "sasl.mechanism=PLAIN", "--kafka-property", "sasl.jaas.config=" + jaas(PASSWORD));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("warning: --kafka-property sasl.jaas.config=... puts a secret on the command line")
                && r.err().contains("DEEPMERGE_KAFKA_SASL_JAAS_CONFIG"), r.err());
    }
}
