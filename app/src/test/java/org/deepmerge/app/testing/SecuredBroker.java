package org.deepmerge.app.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.common.metadata.UserScramCredentialRecord;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.ApiMessageAndVersion;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real single-node KRaft broker in this JVM (Kafka's {@code KafkaClusterTestKit}) whose client listener requires
 * SASL SCRAM-SHA-512, over TLS ({@code SASL_SSL}) or not ({@code SASL_PLAINTEXT}); the controller listener stays
 * PLAINTEXT.
 *
 * <p>How: the test kit's own SASL support in Kafka 4.3 is PLAIN only (and its TLS none), so the client listener's
 * protocol is set through {@code listener.security.protocol.map}, which the kit only fills in when it is not given.
 * The SCRAM credentials (a client user and the broker's own inter-broker user, random passwords) are
 * {@code UserScramCredentialRecord}s in the cluster's bootstrap metadata, as {@code kafka-storage format --add-scram}
 * writes them, so they exist before the first client connects (an {@code Admin.alterUserScramCredentials} call would
 * itself need credentials). For TLS, the JDK's {@code keytool} makes a self-signed certificate for localhost and
 * 127.0.0.1 and a truststore holding it. No authorizer: every authenticated user may do everything.
 */
public final class SecuredBroker implements AutoCloseable {
    /** The SCRAM user clients log in as. */
    public static final String USER = "deepmerge";
    private static final String BROKER_USER = "broker";
    private static final String MECHANISM = "SCRAM-SHA-512";

    private final KafkaClusterTestKit kit;
    private final boolean tls;
    private final String password;
    private final Path truststore;
    private final String truststorePassword;

    private SecuredBroker(KafkaClusterTestKit kit, boolean tls, String password, Path truststore,
                          String truststorePassword) {
        this.kit = kit;
        this.tls = tls;
        this.password = password;
        this.truststore = truststore;
        this.truststorePassword = truststorePassword;
    }

    /**
     * @param dir working directory (key and trust stores)
     * @param tls true for SASL_SSL, false for SASL_PLAINTEXT
     * @return a started broker
     * @throws Exception when it does not start
     */
    public static SecuredBroker start(Path dir, boolean tls) throws Exception {
        String password = "scram-" + UUID.randomUUID();
        String brokerPassword = "scram-broker-" + UUID.randomUUID();
        TestKitNodes nodes = new TestKitNodes.Builder(bootstrapMetadata(Map.of(USER, password, BROKER_USER, brokerPassword)))
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build();
        String listener = nodes.brokerListenerName().value();
        KafkaClusterTestKit.Builder b = new KafkaClusterTestKit.Builder(nodes)
                .setConfigProp("listener.security.protocol.map", listener + ":" + (tls ? "SASL_SSL" : "SASL_PLAINTEXT")
                        + "," + nodes.controllerListenerName().value() + ":PLAINTEXT")
                .setConfigProp("sasl.enabled.mechanisms", MECHANISM)
                .setConfigProp("sasl.mechanism.inter.broker.protocol", MECHANISM)
                .setConfigProp("listener.name." + listener.toLowerCase(java.util.Locale.ROOT) + "."
                        + MECHANISM.toLowerCase(java.util.Locale.ROOT) + ".sasl.jaas.config", jaas(BROKER_USER, brokerPassword))
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "3")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("transaction.state.log.num.partitions", "3")
                .setConfigProp("group.initial.rebalance.delay.ms", "0");
        Path truststore = null;
        String truststorePassword = null;
        if (tls) {
            String keystorePassword = "keystore-" + UUID.randomUUID();
            truststorePassword = "truststore-" + UUID.randomUUID();
            Path keystore = dir.resolve("broker.p12");
            truststore = dir.resolve("truststore.p12");
            selfSignedCertificate(dir, keystore, keystorePassword, truststore, truststorePassword);
            b.setConfigProp("ssl.keystore.type", "PKCS12")
                    .setConfigProp("ssl.keystore.location", keystore.toString())
                    .setConfigProp("ssl.keystore.password", keystorePassword)
                    .setConfigProp("ssl.key.password", keystorePassword)
                    // the broker's own (inter-broker) connections trust the same certificate
                    .setConfigProp("ssl.truststore.type", "PKCS12")
                    .setConfigProp("ssl.truststore.location", truststore.toString())
                    .setConfigProp("ssl.truststore.password", truststorePassword);
        }
        KafkaClusterTestKit kit = b.build();
        try {
            kit.format();
            kit.startup();
            kit.waitForReadyBrokers();
        } catch (Exception e) {
            kit.close();
            throw e;
        }
        return new SecuredBroker(kit, tls, password, truststore, truststorePassword);
    }

    private static BootstrapMetadata bootstrapMetadata(Map<String, String> users) throws Exception {
        // what TestKitNodes.Builder() uses, plus the SCRAM credentials
        MetadataVersion version = MetadataVersion.latestTesting();
        Map<String, Short> features = Feature.PRODUCTION_FEATURES.stream()
                .collect(Collectors.toMap(Feature::featureName, f -> f.defaultLevel(version)));
        List<ApiMessageAndVersion> records = new ArrayList<>(
                BootstrapMetadata.fromVersions(version, features, "secured-broker").records());
        ScramFormatter formatter = new ScramFormatter(ScramMechanism.SCRAM_SHA_512);
        for (Map.Entry<String, String> u : users.entrySet()) {
            ScramCredential c = formatter.generateCredential(u.getValue(), 4096);
            records.add(new ApiMessageAndVersion(new UserScramCredentialRecord().setName(u.getKey())
                    .setMechanism(ScramMechanism.SCRAM_SHA_512.type()).setSalt(c.salt()).setStoredKey(c.storedKey())
                    .setServerKey(c.serverKey()).setIterations(c.iterations()), (short) 0));
        }
        return BootstrapMetadata.fromRecords(records, "secured-broker");
    }

    private static void selfSignedCertificate(Path dir, Path keystore, String keystorePassword, Path truststore,
                                              String truststorePassword) throws IOException, InterruptedException {
        Path cert = dir.resolve("broker.crt");
        keytool("-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", keystorePassword, "-keypass", keystorePassword);
        keytool("-exportcert", "-alias", "broker", "-keystore", keystore.toString(), "-storepass", keystorePassword,
                "-file", cert.toString());
        keytool("-importcert", "-noprompt", "-alias", "broker", "-file", cert.toString(), "-storetype", "PKCS12",
                "-keystore", truststore.toString(), "-storepass", truststorePassword);
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool " + args[0] + " failed: " + out);
        }
    }

    /** @param user user @param password password @return a SCRAM login module line for sasl.jaas.config */
    public static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
                + password + "\";";
    }

    /** @return host:port of the client listener */
    public String bootstrapServers() {
        return kit.bootstrapServers();
    }

    /** @return SASL_SSL or SASL_PLAINTEXT */
    public String securityProtocol() {
        return tls ? "SASL_SSL" : "SASL_PLAINTEXT";
    }

    /** @return the client user's password */
    public String password() {
        return password;
    }

    /** @return the settings a client needs (bootstrap servers not included), with the right password */
    public Map<String, String> clientSettings() {
        return clientSettings(password);
    }

    /**
     * @param password the password to log in with
     * @return security.protocol, sasl.mechanism, sasl.jaas.config and, with TLS, the truststore settings
     */
    public Map<String, String> clientSettings(String password) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("security.protocol", securityProtocol());
        m.put("sasl.mechanism", MECHANISM);
        m.put("sasl.jaas.config", jaas(USER, password));
        if (tls) {
            m.put("ssl.truststore.type", "PKCS12");
            m.put("ssl.truststore.location", truststore.toString());
            m.put("ssl.truststore.password", truststorePassword);
        }
        return m;
    }

    /** @return every secret a client is given (passwords, and the JAAS line holding the password) */
    public List<String> secrets() {
        List<String> s = new ArrayList<>(List.of(password, jaas(USER, password)));
        if (tls) {
            s.add(truststorePassword);
        }
        return s;
    }

    @Override
    public void close() throws Exception {
        kit.close();
    }
}
