package org.deepmerge.app.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.StreamsConfig;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;

/**
 * Which settings are secrets, and a warning when one is given on the command line ({@code --set KEY=VALUE}), where
 * every user of the machine can read it ({@code ps}, {@code /proc/PID/cmdline}). Secrets belong in a
 * {@code --config} file readable only by the service account, or in {@code DEEPMERGE_KAFKA_*} environment variables
 * (docs/configuration.md, "Secrets").
 */
final class SecretSettings {
    /** Prefixes Kafka Streams and Kafka clients accept in front of a client setting. */
    private static final List<String> CLIENT_PREFIXES = List.of("main.consumer.", "restore.consumer.",
            "global.consumer.", "consumer.", "producer.", "admin.");
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
     * @return true when it holds a secret: a Kafka {@code PASSWORD} setting, or a name that says so (password, secret,
     *         token, credentials, {@code user.info}, {@code jaas.config})
     */
    static boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        for (String prefix : CLIENT_PREFIXES) {
            if (k.startsWith(prefix)) {
                k = k.substring(prefix.length());
                break;
            }
        }
        return KAFKA_SECRETS.contains(k) || k.contains("password") || k.contains("secret") || k.contains("token")
                || k.contains("credentials") || k.endsWith("user.info") || k.endsWith("jaas.config");
    }

    /**
     * @param key a setting name
     * @return the environment variable that sets it ({@link DeepMergeStreamsConfig#fromEnv}): {@code DEEPMERGE_} plus
     *         the rest of a {@code deepmerge.} key, {@code DEEPMERGE_KAFKA_} plus any other key, upper-cased with dots as
     *         underscores
     */
    static String environmentName(String key) {
        return key.startsWith(DeepMergeStreamsConfig.PREFIX) ? DeepMergeStreamsConfig.envName(key)
                : DeepMergeStreamsConfig.ENV_KAFKA_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_');
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
        int found = 0;
        for (String key : sets.keySet()) {
            if (isSecret(key)) {
                found++;
                err.println("warning: " + flag + " " + key + "=... puts a secret on the command line, where any user of "
                        + "this machine can read it (ps, /proc/PID/cmdline); put it in a --config file only the service "
                        + "account can read, or in the environment (" + environmentName(key) + ")");
            }
        }
        err.flush();
        return found;
    }
}
