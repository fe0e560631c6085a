package org.deepmerge.core.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The settings sources of the Kafka clients outside Kafka Streams (replay, the training publisher). */
class KafkaClientSettingsTest {

    @Test
    void fileThenEnvironmentThenFlagsOnlyKafkaKeys(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("client.properties"), String.join("\n",
                "bootstrap.servers=from-file:9092", "security.protocol=SSL", "sasl.mechanism=PLAIN",
                "deepmerge.max.batch.size=8"));
        Map<String, String> env = Map.of("DEEPMERGE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "DEEPMERGE_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512", "DEEPMERGE_MAX_WAIT_MS", "5", "HOME", "/root");
        Properties p = KafkaClientSettings.load(file, env, Map.of("sasl.mechanism", "OAUTHBEARER"));
        assertEquals("from-file:9092", p.get("bootstrap.servers"));
        assertEquals("SASL_SSL", p.get("security.protocol"), "environment beats file");
        assertEquals("OAUTHBEARER", p.get("sasl.mechanism"), "flag beats environment");
        assertEquals(3, p.size(), "deepmerge.* keys and other variables left out: " + p);
        assertEquals(0, KafkaClientSettings.load(null, Map.of(), Map.of()).size());
    }

    @Test
    void environmentNames() {
        assertEquals("DEEPMERGE_KAFKA_SASL_JAAS_CONFIG", KafkaClientSettings.envName("sasl.jaas.config"));
        assertEquals("DEEPMERGE_MAX_BATCH_SIZE", KafkaClientSettings.envName("deepmerge.max.batch.size"));
        assertEquals(Map.of("sasl.jaas.config", "x", "deepmerge.max.batch.size", "y"), KafkaClientSettings.fromEnv(
                Map.of("DEEPMERGE_KAFKA_SASL_JAAS_CONFIG", "x", "DEEPMERGE_MAX_BATCH_SIZE", "y", "PATH", "/bin")));
    }

    @Test
    void secretsAreNamedNeverShown() {
        Set<String> passwordKeys = Set.of("ssl.keystore.key");
        for (String k : new String[] {"sasl.jaas.config", "producer.ssl.keystore.key", "ssl.truststore.password",
            "sasl.oauthbearer.client.credentials.client.secret", "basic.auth.user.info"}) {
            assertTrue(KafkaClientSettings.isSecret(k, passwordKeys), k);
        }
        assertFalse(KafkaClientSettings.isSecret("sasl.mechanism", passwordKeys));
        Map<String, String> sets = new LinkedHashMap<>();
        sets.put("security.protocol", "SASL_SSL");
        sets.put("sasl.jaas.config", "hunter2");
        StringWriter err = new StringWriter();
        assertEquals(1, KafkaClientSettings.warnIfOnCommandLine("--kafka-property", sets, passwordKeys, "--kafka-config",
                new PrintWriter(err)));
        assertTrue(err.toString().contains("--kafka-property sasl.jaas.config=...")
                && err.toString().contains("--kafka-config file") && err.toString().contains("DEEPMERGE_KAFKA_SASL_JAAS_CONFIG"),
                err.toString());
        assertFalse(err.toString().contains("hunter2"));
    }
}
