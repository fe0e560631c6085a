package org.deepmerge.app.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.StreamsConfig;
import org.deepmerge.core.kafka.KafkaClientSettings;

/**
 * Which settings are secrets, and a warning when one is given on the command line ({@code --set KEY=VALUE}), where
 * every user of the machine can read it ({@code ps}, {@code /proc/PID/cmdline}). Secrets belong in a
 * {@code --config} file readable only by the service account, or in {@code DEEPMERGE_KAFKA_*} environment variables
 * (docs/security.md). The rules are {@link KafkaClientSettings}'s, with the secret keys of Kafka Streams and its clients.
 */
final class SecretSettings {
    /** Kafka's own secret keys: every key its client and Streams definitions declare as {@code Type.PASSWORD}. */
    private static final Set<String> KAFKA_SECRETS = kafkaSecrets();

    private SecretSettings() {
    }

    private static Set<String> kafkaSecrets() {
        Set<String> keys = new TreeSet<>();
        for (ConfigDef def : List.of(StreamsConfig.configDef(), ProducerConfig.configDef(), ConsumerConfig.configDef(),
                AdminClientConfig.configDef())) {
            def.configKeys().forEach((k, v) -> {
                if (v.type == ConfigDef.Type.PASSWORD) {
                    keys.add(k);
                }
            });
        }
        return keys;
    }

    /**
     * @param key a setting name, possibly with a Kafka Streams client prefix ({@code main.consumer.}, {@code producer.})
     * @return true when it holds a secret ({@link KafkaClientSettings#isSecret})
     */
    static boolean isSecret(String key) {
        return KafkaClientSettings.isSecret(key, KAFKA_SECRETS);
    }

    /**
     * Prints one warning line per secret among the command-line settings, naming the key, never the value.
     *
     * @param flag the option the settings came from, e.g. {@code --set}
     * @param sets the settings given on the command line
     * @param err  where to print
     * @return how many secrets were found
     */
    static int warnIfOnCommandLine(String flag, Map<String, String> sets, PrintWriter err) {
        return KafkaClientSettings.warnIfOnCommandLine(flag, sets, KAFKA_SECRETS, "--config", err);
    }
}
