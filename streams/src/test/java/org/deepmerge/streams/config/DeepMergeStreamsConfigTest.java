package org.deepmerge.streams.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.streams.config.DeepMergeStreamsConfig.ChannelPolicy;
import org.deepmerge.streams.config.DeepMergeStreamsConfig.OutputEncoding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeepMergeStreamsConfigTest {
    private static final String JAAS =
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"hunter2-s3cret\";";

    @Test
    void defaults() throws Exception {
        DeepMergeStreamsConfig c = DeepMergeStreamsConfig.load(null, Map.of(), Map.of());
        assertEquals(64, c.maxBatchSize());
        assertEquals(50L, c.maxWaitMs());
        assertEquals(ChannelPolicy.REPLICATE, c.channelPolicy());
        assertEquals(OutputEncoding.PLAIN, c.outputEncoding());
        assertFalse(c.inferenceSpinWait(), "ONNX Runtime threads do not spin unless asked");
        assertTrue(DeepMergeStreamsConfig.load(null, Map.of("DEEPMERGE_INFERENCE_SPIN_WAIT", "true"), Map.of()).inferenceSpinWait());
        Properties p = c.streamsProperties();
        assertEquals(StreamsConfig.EXACTLY_ONCE_V2, p.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        assertEquals("deepmerge-scorer", p.get(StreamsConfig.APPLICATION_ID_CONFIG));
        assertEquals("true", p.get(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG));
        assertEquals("true", p.get("main.consumer." + StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG));
        assertEquals(java.util.Set.of(DeepMergeStreamsConfig.DLQ_TOPIC, DeepMergeStreamsConfig.OUTPUT_TOPIC,
                        DeepMergeStreamsConfig.SHADOW_TOPIC),
                p.keySet().stream().map(Object::toString).filter(k -> k.startsWith("deepmerge.")).collect(
                        java.util.stream.Collectors.toSet()), "only the topics the production exception handler reads");
        assertEquals(org.deepmerge.streams.topology.DeadLetterProductionExceptionHandler.class.getName(),
                p.get(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG));
        assertEquals(512 * 1024, c.dlqMaxValueBytes());
        assertEquals("merger-scores.shadow", c.shadowTopic());
        assertEquals(0.5, c.shadowThreshold());
        assertEquals(10_000, c.shadowWindow());
    }

    @Test
    void shadowSettingsAreValidated() {
        assertEquals("s", new DeepMergeStreamsConfig(Map.of(DeepMergeStreamsConfig.SHADOW_TOPIC, "s")).shadowTopic());
        for (Map<String, Object> bad : List.of(Map.<String, Object>of(DeepMergeStreamsConfig.SHADOW_THRESHOLD, "1.5"),
                Map.<String, Object>of(DeepMergeStreamsConfig.SHADOW_WINDOW, "1"),
                Map.<String, Object>of(DeepMergeStreamsConfig.SHADOW_TOPIC, "merger-scores"))) {
            org.apache.kafka.common.config.ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(
                    org.apache.kafka.common.config.ConfigException.class, () -> new DeepMergeStreamsConfig(bad));
            assertTrue(e.getMessage().contains(bad.keySet().iterator().next()), e.getMessage());
        }
    }

    @Test
    void aDeadLetterLimitThatDoesNotFitTheProducersRequestSizeIsRejected() throws Exception {
        DeepMergeException e = org.junit.jupiter.api.Assertions.assertThrows(DeepMergeException.class,
                () -> DeepMergeStreamsConfig.load(null, Map.of(), Map.of(DeepMergeStreamsConfig.DLQ_MAX_VALUE_BYTES, "1000000")));
        assertTrue(e.getMessage().contains("max.request.size"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(DeepMergeException.class, () -> DeepMergeStreamsConfig.load(null,
                Map.of(), Map.of("producer.max.request.size", "100000")));
        assertEquals(4 << 20, DeepMergeStreamsConfig.load(null, Map.of(), Map.of("max.request.size", "8388608",
                DeepMergeStreamsConfig.DLQ_MAX_VALUE_BYTES, Integer.toString(4 << 20))).dlqMaxValueBytes());
    }

    @Test
    void fileThenEnvironmentThenFlagsLaterWins(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("scorer.properties");
        Path truststore = Files.write(dir.resolve("truststore.jks"), new byte[] {1});
        Files.writeString(f, String.join("\n",
                "deepmerge.max.batch.size=8",
                "deepmerge.max.wait.ms=500",
                "deepmerge.input.topic=from-file",
                "security.protocol=SASL_SSL",
                "sasl.mechanism=SCRAM-SHA-512",
                "ssl.truststore.location=" + truststore,
                "processing.guarantee=at_least_once",
                "processing.exception.handler.global.enabled=false"));
        Map<String, String> env = Map.of(
                "DEEPMERGE_MAX_BATCH_SIZE", "16",
                "DEEPMERGE_INPUT_TOPIC", "from-env",
                "DEEPMERGE_KAFKA_SASL_JAAS_CONFIG", JAAS,
                "PATH", "/usr/bin");
        DeepMergeStreamsConfig c = DeepMergeStreamsConfig.load(f, env,
                Map.of(DeepMergeStreamsConfig.INPUT_TOPIC, "from-flag", "bootstrap.servers", "127.0.0.1:9092"));
        assertEquals(16, c.maxBatchSize(), "env beats file");
        assertEquals(500L, c.maxWaitMs(), "file value kept when nothing overrides it");
        assertEquals("from-flag", c.inputTopic(), "flag beats env");
        Properties p = c.streamsProperties();
        assertEquals("SASL_SSL", p.get("security.protocol"));
        assertEquals("SCRAM-SHA-512", p.get("sasl.mechanism"));
        assertEquals(truststore.toString(), p.get("ssl.truststore.location"));
        assertEquals(JAAS, p.get("sasl.jaas.config"));
        assertEquals("127.0.0.1:9092", p.get("bootstrap.servers"));
        assertEquals("at_least_once", p.get("processing.guarantee"), "an explicit guarantee overrides the default");
        assertEquals("false", p.get("processing.exception.handler.global.enabled"), "and so does any other default");
        assertFalse(p.containsKey("path"));
    }

    @Test
    void invalidValuesNameTheKey() {
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> DeepMergeStreamsConfig.load(null, Map.of(),
                Map.of(DeepMergeStreamsConfig.MAX_BATCH_SIZE, "0")));
        assertEquals(DeepMergeException.Reason.INVALID_CONFIG, e.reason());
        assertTrue(e.getMessage().contains("deepmerge.max.batch.size"), e.getMessage());

        e = assertThrows(DeepMergeException.class, () -> DeepMergeStreamsConfig.load(null,
                Map.of("DEEPMERGE_CHANNEL_POLICY", "nearest"), Map.of()));
        assertTrue(e.getMessage().contains("deepmerge.channel.policy"), e.getMessage());

        e = assertThrows(DeepMergeException.class, () -> DeepMergeStreamsConfig.load(null, Map.of(),
                Map.of(DeepMergeStreamsConfig.OUTPUT_ENCODING, "confluent")));
        assertTrue(e.getMessage().contains(DeepMergeStreamsConfig.OUTPUT_SCHEMA_ID), e.getMessage());
    }

    /** Issue 17, item 4: a mistyped deepmerge.* key was silently ignored, leaving the default in force. */
    @Test
    void aMistypedDeepMergeKeyIsAnErrorNamingTheClosestKeyAndNotItsValue(@TempDir Path dir) throws Exception {
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> DeepMergeStreamsConfig.load(null, Map.of(),
                Map.of("deepmerge.max.batch.sise", "128")));
        assertEquals(DeepMergeException.Reason.INVALID_CONFIG, e.reason());
        assertTrue(e.getMessage().contains("unknown setting deepmerge.max.batch.sise; did you mean deepmerge.max.batch.size?"),
                e.getMessage());
        Path file = dir.resolve("scorer.properties");
        Files.writeString(file, "deepmerge.input.schema.registry.basic.auth.userinfo=alice:s3cr3t-value\n");
        e = assertThrows(DeepMergeException.class, () -> DeepMergeStreamsConfig.load(file, Map.of(), Map.of()));
        assertTrue(e.getMessage().contains("did you mean deepmerge.input.schema.registry.basic.auth.user.info?"), e.getMessage());
        assertFalse(e.getMessage().contains("s3cr3t"), "a mistyped key may hold a secret: " + e.getMessage());
        e = assertThrows(DeepMergeException.class, () -> DeepMergeStreamsConfig.load(null, Map.of(),
                Map.of("deepmerge.completely.different", "1")));
        assertFalse(e.getMessage().contains("did you mean"), "nothing close: " + e.getMessage());
        // other tools share the environment prefix (DEEPMERGE_DATA_DIR of the tests): ignored with a warning
        DeepMergeStreamsConfig c = DeepMergeStreamsConfig.load(null, Map.of("DEEPMERGE_DATA_DIR", "/data",
                "DEEPMERGE_MAX_BATCH_SIZE", "32"), Map.of());
        assertEquals(32, c.maxBatchSize());
    }

    @Test
    void invalidKafkaSettingsAreRejectedAtLoadWithTheirName() {
        // num.stream.threads=-1 used to pass and make Kafka Streams rebalance forever; the others failed only when
        // Kafka Streams or a client was created (after the model was loaded), or with a NumberFormatException
        String[][] bad = {
            {"num.stream.threads", "-1", "num.stream.threads"},
            {"num.stream.threads", "0", "num.stream.threads"},
            {"num.stream.threads", "many", "num.stream.threads"},
            {"num.standby.replicas", "-1", "num.standby.replicas"},
            {"replication.factor", "0", "replication.factor"},
            {"buffered.records.per.partition", "0", "buffered.records.per.partition"},
            {"poll.ms", "-5", "poll.ms"},
            {"processing.guarantee", "bogus", "processing.guarantee"},
            {"max.request.size", "lots", "max.request.size"},
            {"producer.max.request.size", "lots", "max.request.size"},
            {"main.consumer.max.poll.records", "0", "max.poll.records"},
            {"admin.request.timeout.ms", "-3", "request.timeout.ms"},
        };
        for (String[] b : bad) {
            assertRejectedNaming(Map.of(b[0], b[1]), b[2], b[1]);
        }
        DeepMergeException env = assertThrows(DeepMergeException.class, () -> DeepMergeStreamsConfig.load(null,
                Map.of("DEEPMERGE_KAFKA_NUM_STREAM_THREADS", "-1"), Map.of()));
        assertTrue(env.getMessage().contains("num.stream.threads"), env.getMessage());
    }

    /** Loading these flags must fail with one line of INVALID_CONFIG that contains every {@code named} text. */
    private static void assertRejectedNaming(Map<String, String> flags, String... named) {
        DeepMergeException e = assertThrows(DeepMergeException.class,
                () -> DeepMergeStreamsConfig.load(null, Map.of(), flags), flags.toString());
        assertEquals(DeepMergeException.Reason.INVALID_CONFIG, e.reason(), e.getMessage());
        for (String n : named) {
            assertTrue(e.getMessage().contains(n), n + " not named: " + e.getMessage());
        }
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void validKafkaSettingsStillLoad() throws Exception {
        Properties p = DeepMergeStreamsConfig.load(null, Map.of(), Map.of("num.stream.threads", "4",
                "replication.factor", "-1", "max.task.idle.ms", "-1", "main.consumer.max.poll.records", "10",
                "bootstrap.servers", "broker-1:9092")).streamsProperties();
        assertEquals("4", p.get("num.stream.threads"));
        assertEquals("10", p.get("main.consumer.max.poll.records"));
    }

    @Test
    void aMissingTrustStoreOrKeyStoreIsRejectedAtLoad(@TempDir Path dir) throws Exception {
        Path store = Files.write(dir.resolve("client.p12"), new byte[] {1});
        String nope = dir.resolve("nope.jks").toString();
        String[][] bad = {
            {"security.protocol", "SSL", "ssl.truststore.location", nope},
            {"security.protocol", "SASL_SSL", "ssl.keystore.location", nope},
            {"security.protocol", "SSL", "producer.ssl.truststore.location", nope},
            {"security.protocol", "SSL", "main.consumer.ssl.keystore.location", nope},
            {"admin.security.protocol", "SSL", "admin.ssl.truststore.location", nope},
            {"security.protocol", "SSL", "ssl.truststore.location", dir.toString()},
        };
        for (String[] b : bad) {
            assertRejectedNaming(Map.of(b[0], b[1], b[2], b[3]), b[2], b[3]);
        }
        // readable files pass; a path that no client loads (no TLS) is not checked
        DeepMergeStreamsConfig.load(null, Map.of(), Map.of("security.protocol", "SSL",
                "ssl.truststore.location", store.toString(), "producer.ssl.keystore.location", store.toString()));
        DeepMergeStreamsConfig.load(null, Map.of(), Map.of("ssl.truststore.location", nope));
    }

    /**
     * A SASL client without a JAAS login configuration, or with one that does not parse, is rejected at load in one
     * line naming the key (and the client prefix it was given with), never showing the value or a token of it.
     */
    @Test
    void aMissingOrMalformedJaasConfigIsRejectedAtLoadWithoutShowingIt() throws Exception {
        assertRejectedNaming(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512"),
                "sasl.jaas.config", "no JAAS login configuration");
        String[] malformed = {
            JAAS.substring(0, JAAS.length() - 1), // no closing semicolon
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" hunter2-s3cret;",
            "org.apache.kafka.common.security.scram.ScramLoginModule hunter2-s3cret;",
        };
        for (String jaas : malformed) {
            for (String key : new String[] {"sasl.jaas.config", "producer.sasl.jaas.config"}) {
                // the producer's own (malformed) line beats the valid one of every client
                Map<String, String> flags = key.equals("sasl.jaas.config")
                        ? Map.of("security.protocol", "SASL_PLAINTEXT", key, jaas)
                        : Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.jaas.config", JAAS, key, jaas);
                DeepMergeException e = assertThrows(DeepMergeException.class,
                        () -> DeepMergeStreamsConfig.load(null, Map.of(), flags), key);
                assertEquals(DeepMergeException.Reason.INVALID_CONFIG, e.reason(), e.getMessage());
                assertTrue(e.getMessage().contains(key) && e.getMessage().contains("JAAS"), e.getMessage());
                assertFalse(e.getMessage().contains("hunter2") || e.getMessage().contains("\n"), e.getMessage());
            }
        }
        // valid: loads; no SASL: not checked
        DeepMergeStreamsConfig.load(null, Map.of(), Map.of("security.protocol", "SASL_SSL", "sasl.jaas.config", JAAS));
        DeepMergeStreamsConfig.load(null, Map.of(), Map.of("sasl.jaas.config", "not checked"));
    }

    @Test
    void missingFileIsAnIoError(@TempDir Path dir) {
        DeepMergeException e = assertThrows(DeepMergeException.class,
                () -> DeepMergeStreamsConfig.load(dir.resolve("nope.properties"), Map.of(), Map.of()));
        assertEquals(DeepMergeException.Reason.IO_ERROR, e.reason());
        assertTrue(e.getMessage().contains("nope.properties"));
    }

    @Test
    void environmentNamesRoundTrip() {
        for (String key : DeepMergeStreamsConfig.CONFIG.names()) {
            String env = DeepMergeStreamsConfig.envName(key);
            assertEquals(key, DeepMergeStreamsConfig.fromEnv(Map.of(env, "x")).keySet().iterator().next());
        }
    }

    @Test
    void contractOverridesForThirdPartyModels() throws Exception {
        DeepMergeStreamsConfig none = DeepMergeStreamsConfig.load(null, Map.of(), Map.of());
        assertEquals(org.deepmerge.core.model.ContractOverrides.none(), none.contractOverrides());
        DeepMergeStreamsConfig c = DeepMergeStreamsConfig.load(null, Map.of("DEEPMERGE_MODEL_OUTPUT_NAME", "52"), Map.of(
                DeepMergeStreamsConfig.MODEL_CHANNELS, "g,r,i",
                DeepMergeStreamsConfig.MODEL_OUTPUT_KIND, "logits",
                DeepMergeStreamsConfig.MODEL_PIXEL_SCALE, "0.1875",
                DeepMergeStreamsConfig.MODEL_RESAMPLE, "angular"));
        org.deepmerge.core.model.ContractOverrides o = c.contractOverrides();
        assertEquals(java.util.List.of("g", "r", "i"), o.channels());
        assertEquals("52", o.outputName());
        assertEquals(org.deepmerge.core.model.OutputKind.LOGITS, o.outputKind());
        assertEquals(0.1875, o.pixelScaleArcsec());
        assertEquals(org.deepmerge.core.model.ResampleMode.ANGULAR, o.resample());
        assertEquals(null, o.classNames());
        assertThrows(DeepMergeException.class, () -> DeepMergeStreamsConfig.load(null, Map.of(),
                Map.of(DeepMergeStreamsConfig.MODEL_OUTPUT_KIND, "probits")));
    }

    @Test
    void schemaRegistryCredentialsAreSecretsAndTheLimitsReachTheRegistrySettings() throws Exception {
        String secret = "TopSecret-42";
        for (String key : java.util.List.of(DeepMergeStreamsConfig.INPUT_REGISTRY_BASIC_AUTH,
                DeepMergeStreamsConfig.INPUT_REGISTRY_BEARER_TOKEN, DeepMergeStreamsConfig.OUTPUT_REGISTRY_BASIC_AUTH,
                DeepMergeStreamsConfig.OUTPUT_REGISTRY_BEARER_TOKEN)) {
            assertEquals(org.apache.kafka.common.config.ConfigDef.Type.PASSWORD,
                    DeepMergeStreamsConfig.CONFIG.configKeys().get(key).type, key + " is never logged by AbstractConfig");
        }
        DeepMergeStreamsConfig c = DeepMergeStreamsConfig.load(null,
                Map.of("DEEPMERGE_INPUT_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO", "alice:" + secret),
                Map.of(DeepMergeStreamsConfig.INPUT_REGISTRY_URL, "https://registry.example.org/",
                        DeepMergeStreamsConfig.OUTPUT_ENCODING, "confluent",
                        DeepMergeStreamsConfig.OUTPUT_REGISTRY_URL, "https://bob:" + secret + "@out.example.org",
                        DeepMergeStreamsConfig.REGISTRY_TIMEOUT_MS, "2500",
                        DeepMergeStreamsConfig.REGISTRY_MAX_RESPONSE_BYTES, "65536",
                        DeepMergeStreamsConfig.REGISTRY_MAX_ATTEMPTS, "5",
                        DeepMergeStreamsConfig.REGISTRY_RETRY_BACKOFF_MS, "100",
                        DeepMergeStreamsConfig.REGISTRY_NOT_FOUND_TTL_MS, "0",
                        DeepMergeStreamsConfig.REGISTRY_UNAVAILABLE_TTL_MS, "3000"));
        org.deepmerge.core.registry.RegistrySettings in = c.inputRegistry().orElseThrow();
        assertEquals("https://registry.example.org", in.url().toString());
        assertEquals("basic auth as alice", in.auth().toString());
        assertEquals(java.time.Duration.ofMillis(2500), in.timeout());
        assertEquals(65536, in.maxResponseBytes());
        assertEquals(5, in.maxAttempts());
        assertEquals(java.time.Duration.ofMillis(100), in.retryBackoff());
        assertEquals(java.time.Duration.ZERO, in.notFoundTtl());
        assertEquals(java.time.Duration.ofMillis(3000), in.unavailableTtl());
        org.deepmerge.core.registry.RegistrySettings out = c.outputRegistry().orElseThrow();
        assertEquals("https://out.example.org", out.url().toString(), "credentials moved out of the URL");
        assertEquals("basic auth as bob", out.auth().toString());
        for (Object shown : java.util.List.of(c.values(), in, out)) {
            assertFalse(shown.toString().contains(secret), shown.toString());
        }
        assertTrue(DeepMergeStreamsConfig.load(null, Map.of(), Map.of()).inputRegistry().isEmpty());

        // invalid: named by key, the secret never shown
        Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put("two kinds of credentials", DeepMergeStreamsConfig.INPUT_REGISTRY_URL);
        bad.put("credentials without a registry", DeepMergeStreamsConfig.INPUT_REGISTRY_BEARER_TOKEN);
        bad.put("not http", DeepMergeStreamsConfig.OUTPUT_REGISTRY_URL);
        bad.put("too many attempts", DeepMergeStreamsConfig.REGISTRY_MAX_ATTEMPTS);
        for (Map.Entry<String, String> b : bad.entrySet()) {
            Map<String, String> flags = switch (b.getKey()) {
                case "two kinds of credentials" -> Map.of(DeepMergeStreamsConfig.INPUT_REGISTRY_URL,
                        "https://alice:" + secret + "@r.example.org", DeepMergeStreamsConfig.INPUT_REGISTRY_BEARER_TOKEN, secret);
                case "credentials without a registry" -> Map.of(DeepMergeStreamsConfig.INPUT_REGISTRY_BEARER_TOKEN, secret);
                case "not http" -> Map.of(DeepMergeStreamsConfig.OUTPUT_REGISTRY_URL, "ftp://alice:" + secret + "@r.example.org");
                default -> Map.of(DeepMergeStreamsConfig.REGISTRY_MAX_ATTEMPTS, "11");
            };
            DeepMergeException e = assertThrows(DeepMergeException.class, () -> DeepMergeStreamsConfig.load(null, Map.of(),
                    flags), b.getKey());
            assertEquals(DeepMergeException.Reason.INVALID_CONFIG, e.reason());
            assertTrue(e.getMessage().contains(b.getValue()), b.getKey() + ": " + e.getMessage());
            assertFalse(e.getMessage().contains(secret), e.getMessage());
        }

        // offline score: the same environment variables, other settings ignored
        org.deepmerge.core.registry.RegistrySettings offline = DeepMergeStreamsConfig.inputRegistry("http://127.0.0.1:8081",
                Map.of("DEEPMERGE_INPUT_SCHEMA_REGISTRY_BEARER_AUTH_TOKEN", secret,
                        "DEEPMERGE_SCHEMA_REGISTRY_MAX_ATTEMPTS", "2",
                        "DEEPMERGE_MAX_BATCH_SIZE", "0"));
        assertEquals(org.deepmerge.core.registry.RegistryAuth.Kind.BEARER, offline.auth().kind());
        assertEquals(2, offline.maxAttempts());
    }

    /** deepmerge.http.port: off in the library unless given; serve passes its own default. */
    @Test
    void httpPortIsOffUnlessGivenOrDefaultedByTheCaller() throws Exception {
        DeepMergeStreamsConfig none = DeepMergeStreamsConfig.load(null, Map.of(), Map.of());
        assertEquals(-1, none.httpPort(-1));
        assertEquals(DeepMergeStreamsConfig.SERVE_DEFAULT_HTTP_PORT, none.httpPort(DeepMergeStreamsConfig.SERVE_DEFAULT_HTTP_PORT));
        assertEquals(0, DeepMergeStreamsConfig.load(null, Map.of(), Map.of(DeepMergeStreamsConfig.HTTP_PORT, "0"))
                .httpPort(9464));
        assertEquals(-1, DeepMergeStreamsConfig.load(null, Map.of("DEEPMERGE_HTTP_PORT", "-1"), Map.of()).httpPort(9464));
        assertThrows(DeepMergeException.class, () -> DeepMergeStreamsConfig.load(null, Map.of(),
                Map.of(DeepMergeStreamsConfig.HTTP_PORT, "70000")));
    }

    /** group.instance.id from HOSTNAME (auto, on), never over an explicit one, never with off. */
    @Test
    void staticMembershipTakesTheHostNameUnlessAnInstanceIdIsGiven() throws Exception {
        Map<String, String> pod = Map.of("HOSTNAME", "scorer-7f9c-2");
        DeepMergeStreamsConfig auto = DeepMergeStreamsConfig.load(null, Map.of(), Map.of());
        assertEquals(java.util.Optional.of("scorer-7f9c-2"), auto.groupInstanceId(pod));
        assertEquals(java.util.Optional.empty(), auto.groupInstanceId(Map.of()), "auto without HOSTNAME: dynamic");
        DeepMergeStreamsConfig off = DeepMergeStreamsConfig.load(null, Map.of(),
                Map.of(DeepMergeStreamsConfig.STATIC_MEMBERSHIP, "off"));
        assertEquals(java.util.Optional.empty(), off.groupInstanceId(pod));
        DeepMergeStreamsConfig on = DeepMergeStreamsConfig.load(null, Map.of(),
                Map.of(DeepMergeStreamsConfig.STATIC_MEMBERSHIP, "on"));
        assertEquals(java.util.Optional.of("scorer-7f9c-2"), on.groupInstanceId(pod));
        assertTrue(on.groupInstanceId(Map.of()).orElseThrow().length() > 0, "on: the host name the JVM resolves");
        for (String key : new String[] {"group.instance.id", "consumer.group.instance.id", "main.consumer.group.instance.id"}) {
            DeepMergeStreamsConfig given = DeepMergeStreamsConfig.load(null, Map.of(), Map.of(key, "mine",
                    DeepMergeStreamsConfig.STATIC_MEMBERSHIP, "on"));
            assertEquals(java.util.Optional.empty(), given.groupInstanceId(pod), key + " given: used as it is");
            assertEquals("mine", given.streamsProperties().get(key));
        }
        assertThrows(DeepMergeException.class, () -> DeepMergeStreamsConfig.load(null, Map.of(),
                Map.of(DeepMergeStreamsConfig.STATIC_MEMBERSHIP, "yes")));
    }
}
