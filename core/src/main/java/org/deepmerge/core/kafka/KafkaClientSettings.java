package org.deepmerge.core.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * Where the settings of every Kafka client of the project come from ({@code serve}, {@code replay}, the model-topic
 * follower, the training publisher), and which of them are secrets. No Kafka dependency: settings are strings.
 *
 * <p>Three sources, later ones winning: a properties file (the place for secrets, readable only by the service
 * account), environment variables, command-line flags. Environment variable names: {@value #ENV_KAFKA_PREFIX} plus
 * a Kafka key upper-cased with dots as underscores ({@code DEEPMERGE_KAFKA_SASL_JAAS_CONFIG} sets
 * {@code sasl.jaas.config}); {@value #ENV_PREFIX} plus the rest of a {@code deepmerge.} key
 * ({@code DEEPMERGE_MAX_BATCH_SIZE} sets {@code deepmerge.max.batch.size}).
 */
public final class KafkaClientSettings {
    /** Prefix of every DeepMerge key. */
    public static final String DEEPMERGE_PREFIX = "deepmerge.";
    /** Environment variable prefix of DeepMerge keys. */
    public static final String ENV_PREFIX = "DEEPMERGE_";
    /** Environment variable prefix of Kafka keys. */
    public static final String ENV_KAFKA_PREFIX = "DEEPMERGE_KAFKA_";
    /** Prefixes Kafka Streams accepts in front of a client setting. */
    private static final List<String> CLIENT_PREFIXES = List.of("main.consumer.", "restore.consumer.",
            "global.consumer.", "consumer.", "producer.", "admin.");

    private KafkaClientSettings() {
    }

    /**
     * @param file a Java properties file (ISO 8859-1, {@code key=value} lines)
     * @return its settings
     * @throws DeepMergeException IO_ERROR naming the file when it cannot be read
     */
    public static Properties readProperties(Path file) throws DeepMergeException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot read config file " + file + ": " + e.getMessage(), e);
        }
        return p;
    }

    /**
     * @param env environment variables
     * @return the settings named by {@code DEEPMERGE_*} variables, as keys: Kafka keys from
     *         {@value #ENV_KAFKA_PREFIX} variables, {@code deepmerge.} keys from the other {@value #ENV_PREFIX} ones
     */
    public static Map<String, String> fromEnv(Map<String, String> env) {
        Map<String, String> out = new HashMap<>();
        env.forEach((name, value) -> {
            if (name.startsWith(ENV_KAFKA_PREFIX)) {
                out.put(name.substring(ENV_KAFKA_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'), value);
            } else if (name.startsWith(ENV_PREFIX)) {
                out.put(DEEPMERGE_PREFIX + name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'),
                        value);
            }
        });
        return out;
    }

    /**
     * @param key a setting name
     * @return the environment variable that sets it ({@link #fromEnv})
     */
    public static String envName(String key) {
        return key.startsWith(DEEPMERGE_PREFIX)
                ? ENV_PREFIX + key.substring(DEEPMERGE_PREFIX.length()).toUpperCase(Locale.ROOT).replace('.', '_')
                : ENV_KAFKA_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /**
     * The Kafka settings of a client outside Kafka Streams ({@code replay}, the training publisher).
     *
     * @param file  properties file, or null; its {@code deepmerge.} keys are ignored (so {@code serve}'s file serves)
     * @param env   environment variables; only {@value #ENV_KAFKA_PREFIX} ones are read
     * @param flags settings from the command line
     * @return the Kafka settings: file, then environment, then flags, later ones winning
     * @throws DeepMergeException IO_ERROR when the file cannot be read
     */
    public static Properties load(Path file, Map<String, String> env, Map<String, String> flags)
            throws DeepMergeException {
        Properties p = new Properties();
        if (file != null) {
            readProperties(file).forEach((k, v) -> {
                if (!String.valueOf(k).startsWith(DEEPMERGE_PREFIX)) {
                    p.put(k, v);
                }
            });
        }
        fromEnv(env).forEach((k, v) -> {
            if (!k.startsWith(DEEPMERGE_PREFIX)) {
                p.put(k, v);
            }
        });
        p.putAll(flags);
        return p;
    }

    /**
     * @param key          a setting name, possibly with a Kafka Streams client prefix ({@code main.consumer.},
     *                     {@code producer.})
     * @param passwordKeys the keys the Kafka clients at hand declare as {@code Type.PASSWORD}
     * @return true when it holds a secret: one of those, or a name that says so (password, secret, token,
     *         credentials, {@code user.info}, {@code jaas.config})
     */
    public static boolean isSecret(String key, Set<String> passwordKeys) {
        String k = key.toLowerCase(Locale.ROOT);
        for (String prefix : CLIENT_PREFIXES) {
            if (k.startsWith(prefix)) {
                k = k.substring(prefix.length());
                break;
            }
        }
        return passwordKeys.contains(k) || k.contains("password") || k.contains("secret") || k.contains("token")
                || k.contains("credentials") || k.endsWith("user.info") || k.endsWith("jaas.config");
    }

    /**
     * Prints one warning line per secret among the command-line settings, naming the key, never the value: a command
     * line is visible to every user of the machine ({@code ps}, {@code /proc/PID/cmdline}).
     *
     * @param flag         the option the settings came from, e.g. {@code --set}
     * @param sets         the settings given on the command line
     * @param passwordKeys as {@link #isSecret}
     * @param fileOption   the option that reads a properties file, e.g. {@code --config}
     * @param err          where to print
     * @return how many secrets were found
     */
    public static int warnIfOnCommandLine(String flag, Map<String, String> sets, Set<String> passwordKeys,
                                          String fileOption, PrintWriter err) {
        int found = 0;
        for (String key : sets.keySet()) {
            if (isSecret(key, passwordKeys)) {
                found++;
                err.println("warning: " + flag + " " + key + "=... puts a secret on the command line, where any user of "
                        + "this machine can read it (ps, /proc/PID/cmdline); put it in a " + fileOption + " file only the "
                        + "service account can read, or in the environment (" + envName(key) + ")");
            }
        }
        err.flush();
        return found;
    }
}
