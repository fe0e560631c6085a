package org.deepmerge.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.deepmerge.core.kafka.KafkaClientSettings;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Issue 19, item 6: secrets passed with {@code --set} are visible in the process list; say so, never echo them. */
class SecretSettingsTest {

    @Test
    void kafkaPasswordSettingsAndCredentialNamesAreSecretsOthersAreNot() {
        for (String k : List.of("sasl.jaas.config", "ssl.keystore.password", "ssl.key.password", "main.consumer.ssl.truststore.password",
                "producer.sasl.jaas.config", "deepmerge.input.schema.registry.basic.auth.user.info",
                "deepmerge.output.schema.registry.bearer.auth.token", "sasl.oauthbearer.client.credentials.client.secret")) {
            assertTrue(SecretSettings.isSecret(k), k);
        }
        for (String k : List.of("bootstrap.servers", "num.stream.threads", "ssl.truststore.location", "security.protocol",
                "sasl.mechanism", "deepmerge.input.topic", "main.consumer.max.poll.records")) {
            assertFalse(SecretSettings.isSecret(k), k);
        }
        assertEquals("DEEPMERGE_KAFKA_SASL_JAAS_CONFIG", KafkaClientSettings.envName("sasl.jaas.config"));
        assertEquals("DEEPMERGE_INPUT_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO",
                KafkaClientSettings.envName("deepmerge.input.schema.registry.basic.auth.user.info"));
    }

    @Test
    void serveWarnsOfASecretOnTheCommandLineWithoutEchoingIt() {
        String secret = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"hunter2-s3cret\";";
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new DeepMergeCli());
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute("serve", "--set", "sasl.jaas.config=" + secret, "--set", "num.stream.threads=1");
        String stderr = err.toString();
        assertTrue(code != 0, "no bootstrap servers: the run fails after the warning");
        List<String> warnings = stderr.lines().filter(l -> l.startsWith("warning: --set")).toList();
        assertEquals(1, warnings.size(), stderr);
        assertTrue(warnings.get(0).contains("sasl.jaas.config") && warnings.get(0).contains("DEEPMERGE_KAFKA_SASL_JAAS_CONFIG"),
                warnings.get(0));
        assertFalse(stderr.contains("hunter2"), "the secret itself is never printed: " + stderr);
    }
}
