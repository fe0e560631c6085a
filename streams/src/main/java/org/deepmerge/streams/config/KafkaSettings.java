package org.deepmerge.streams.config;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.JaasContext;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Pre-flight check of the pass-through Kafka settings, run when a {@link DeepMergeStreamsConfig} is created, so that
 * an invalid one is a one-line configuration error before anything starts (no model loaded, no connection made)
 * instead of a stack trace, or a scorer that starts and never scores:
 * <ol>
 *   <li>Kafka Streams' own {@link StreamsConfig} parses them (types, its validators, {@code processing.guarantee},
 *       ...);</li>
 *   <li>{@link #STREAMS_CHECKS}: values Kafka Streams 4.3 accepts without a validator but that stop the scorer
 *       ({@code num.stream.threads=-1} makes Kafka Streams rebalance forever, {@code 0} scores nothing);</li>
 *   <li>the settings each client gets (main, restore and global consumer, producer, admin; prefixes
 *       {@code main.consumer.}, {@code consumer.}, {@code producer.}, ... resolved by Kafka Streams itself) are parsed
 *       with that client's {@link ConfigDef};</li>
 *   <li>for each client that uses TLS ({@code security.protocol} SSL or SASL_SSL), its {@code ssl.truststore.location}
 *       and {@code ssl.keystore.location}, when set, must be readable files (a missing one used to fail inside the
 *       Kafka admin client with a stack trace);</li>
 *   <li>for each client that uses SASL ({@code security.protocol} SASL_PLAINTEXT or SASL_SSL), its JAAS login
 *       configuration ({@code sasl.jaas.config}, or the JVM's JAAS file) must exist and parse; the error never shows
 *       the value.</li>
 * </ol>
 * Cross-setting rules that only the clients themselves check when they are created remain Kafka's (reported by
 * {@code serve} as INVALID_CONFIG too).
 */
final class KafkaSettings {

    /** Kafka Streams settings without a validator in Kafka Streams 4.3 whose bad values stop the scorer. */
    static final ConfigDef STREAMS_CHECKS = new ConfigDef()
            .define(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Type.INT, 1, Range.atLeast(1), Importance.HIGH,
                    "Stream threads per instance. 0 would score nothing; a negative count made Kafka Streams rebalance forever.")
            .define(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, Type.INT, 0, Range.atLeast(0), Importance.LOW,
                    "Standby replicas of each state store.")
            .define(StreamsConfig.REPLICATION_FACTOR_CONFIG, Type.INT, -1, new BrokerDefaultOrAtLeastOne(),
                    Importance.LOW, "Replication factor of the changelog and repartition topics Kafka Streams creates: "
                            + "-1 (the broker default) or at least 1.")
            .define("buffered.records.per.partition", Type.INT, 1000, Range.atLeast(1), Importance.LOW,
                    "Records buffered per input partition.")
            .define(StreamsConfig.POLL_MS_CONFIG, Type.LONG, 100L, Range.atLeast(0), Importance.LOW,
                    "Longest wait of a stream thread's poll, ms.")
            .define(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, Type.LONG, 0L, Range.atLeast(-1), Importance.LOW,
                    "Task idling across input partitions, ms (-1 = never wait).");

    private static final List<String> STORE_LOCATIONS = List.of(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG,
            SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG);

    /** Placeholder for validation only when no bootstrap servers are given ({@code serve} requires them itself). */
    private static final String NO_BOOTSTRAP = "bootstrap-servers-not-set:9092";

    private KafkaSettings() {
    }

    /** A client of Kafka Streams: its settings and the prefixes a user may give them with, most specific first. */
    private record Client(String name, Map<String, Object> settings, ConfigDef def, List<String> prefixes) {
    }

    /**
     * @param props the Kafka Streams properties ({@link DeepMergeStreamsConfig#streamsProperties()})
     * @return the producer's settings, parsed (typed values, defaults filled in)
     * @throws ConfigException naming the first invalid setting (and, for a client's setting, the client)
     */
    static Map<String, Object> validate(Map<?, ?> props) {
        Map<Object, Object> p = new HashMap<>(props);
        p.putIfAbsent(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, NO_BOOTSTRAP);
        StreamsConfig streams = new StreamsConfig(p, false) {
        };
        STREAMS_CHECKS.parse(p);
        String app = streams.getString(StreamsConfig.APPLICATION_ID_CONFIG);
        Map<String, Object> consumerSerdes = Map.of(
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        Map<String, Object> producerSerdes = Map.of(
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        List<Client> clients = List.of(
                new Client("main consumer", with(streams.getMainConsumerConfigs(app, app + "-check", 0), consumerSerdes),
                        ConsumerConfig.configDef(), List.of(StreamsConfig.MAIN_CONSUMER_PREFIX, StreamsConfig.CONSUMER_PREFIX)),
                new Client("restore consumer", with(streams.getRestoreConsumerConfigs(app + "-check"), consumerSerdes),
                        ConsumerConfig.configDef(), List.of(StreamsConfig.RESTORE_CONSUMER_PREFIX, StreamsConfig.CONSUMER_PREFIX)),
                new Client("global consumer", with(streams.getGlobalConsumerConfigs(app + "-check"), consumerSerdes),
                        ConsumerConfig.configDef(), List.of(StreamsConfig.GLOBAL_CONSUMER_PREFIX, StreamsConfig.CONSUMER_PREFIX)),
                new Client("producer", with(streams.getProducerConfigs(app + "-check"), producerSerdes),
                        ProducerConfig.configDef(), List.of(StreamsConfig.PRODUCER_PREFIX)),
                new Client("admin client", streams.getAdminConfigs(app + "-check"), AdminClientConfig.configDef(),
                        List.of(StreamsConfig.ADMIN_CLIENT_PREFIX)));
        Map<String, Object> producer = null;
        for (Client c : clients) {
            Map<String, Object> parsed;
            try {
                parsed = c.def().parse(c.settings());
            } catch (ConfigException e) {
                throw new ConfigException("setting of the Kafka " + c.name() + " (given unprefixed or with "
                        + String.join(" or ", c.prefixes()) + "): " + e.getMessage());
            }
            checkStores(c, parsed, p);
            checkJaas(c, parsed, p);
            if (c.name().equals("producer")) {
                producer = parsed;
            }
        }
        return producer;
    }

    private static Map<String, Object> with(Map<String, Object> settings, Map<String, Object> extra) {
        Map<String, Object> m = new HashMap<>(settings);
        extra.forEach(m::putIfAbsent);
        return m;
    }

    private static void checkStores(Client c, Map<String, Object> parsed, Map<Object, Object> given) {
        String protocol = String.valueOf(parsed.get(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG)).toUpperCase(Locale.ROOT);
        if (!protocol.equals("SSL") && !protocol.equals("SASL_SSL")) {
            return;
        }
        for (String key : STORE_LOCATIONS) {
            Object location = parsed.get(key);
            if (location == null) {
                continue;
            }
            String path = location.toString();
            boolean readable;
            try {
                Path file = Path.of(path);
                readable = Files.isRegularFile(file) && Files.isReadable(file);
            } catch (InvalidPathException e) {
                readable = false;
            }
            if (!readable) {
                throw new ConfigException(givenAs(key, path, c.prefixes(), given), path, "no readable file there (the "
                        + "Kafka " + c.name() + " uses TLS: security.protocol " + protocol + ")");
            }
        }
    }

    /**
     * A client that uses SASL needs a JAAS login configuration: {@code sasl.jaas.config}, or a {@code KafkaClient}
     * section in the file named by the {@code java.security.auth.login.config} system property. A missing or malformed
     * one used to fail when the first client was created, with a stack trace. The value is never shown: a token a
     * JAAS parse error quotes may be (part of) a password.
     */
    private static void checkJaas(Client c, Map<String, Object> parsed, Map<Object, Object> given) {
        String protocol = String.valueOf(parsed.get(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG)).toUpperCase(Locale.ROOT);
        if (!protocol.startsWith("SASL_")) {
            return;
        }
        try {
            JaasContext.loadClientContext(parsed);
        } catch (IllegalArgumentException | KafkaException e) {
            String key = SaslConfigs.SASL_JAAS_CONFIG;
            Object jaas = parsed.get(key);
            String why = String.valueOf(e.getMessage()).replaceAll("'[^']*'(?= in JAAS config)", "'...'");
            if (jaas == null) {
                throw new ConfigException("the Kafka " + c.name() + " uses SASL (security.protocol " + protocol
                        + ") but has no JAAS login configuration: set " + key + " (" + why + ")");
            }
            // jaas is a Password: shown as [hidden]
            throw new ConfigException(givenAs(key, ((Password) jaas).value(), c.prefixes(), given), jaas,
                    "not a valid JAAS login configuration for the Kafka " + c.name() + ": " + why);
        }
    }

    /** @return the key the user gave the value with: the most specific prefix first, the plain key otherwise */
    private static String givenAs(String key, String value, List<String> prefixes, Map<Object, Object> given) {
        for (String prefix : prefixes) {
            Object v = given.get(prefix + key);
            if (v != null && v.toString().equals(value)) {
                return prefix + key;
            }
        }
        return key;
    }

    /** -1 (the broker's default) or a count of at least 1. */
    private static final class BrokerDefaultOrAtLeastOne implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            if (value instanceof Integer v && v != -1 && v < 1) {
                throw new ConfigException(name, value, "must be -1 (the broker default) or at least 1");
            }
        }

        @Override
        public String toString() {
            return "-1 or [1,...]";
        }
    }
}
