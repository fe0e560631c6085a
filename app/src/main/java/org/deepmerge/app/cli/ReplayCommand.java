package org.deepmerge.app.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.deepmerge.core.archive.AlertSource;
import org.deepmerge.core.archive.AlertSourceEntry;
import org.deepmerge.core.kafka.KafkaClientSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code deepmerge replay}: sends alert files, directories and tar(.gz) archives to a topic, one message per alert,
 * value bytes exactly as archived, null key (as ZTF and Rubin publish), in input order. Unreadable entries are
 * listed on standard error and counted; the exit code is 1 when any entry could not be sent.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Send alert files/directories/tarballs to a Kafka topic, bytes exactly as archived.")
public final class ReplayCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers HOST:PORT.")
    String bootstrap;

    @Option(names = "--topic", required = true, description = "Topic to write to (created if missing).")
    String topic;

    @Option(names = "--rate", defaultValue = "0", description = "Messages per second; 0 = as fast as possible (default).")
    double rate;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Producer settings as a properties file, e.g. security.protocol and sasl.jaas.config: the place "
                    + "for secrets (also DEEPMERGE_KAFKA_* environment variables, e.g. DEEPMERGE_KAFKA_SASL_JAAS_CONFIG); "
                    + "deepmerge.* keys are ignored, so serve's file serves.")
    Path configFile;

    @Option(names = "--set", description = "Extra producer setting KEY=VALUE (repeatable; beats --config and the "
            + "environment), e.g. security.protocol=SSL. Not for secrets: the command line is visible to every user.")
    Map<String, String> sets = new LinkedHashMap<>();

    @Parameters(arity = "1..*", paramLabel = "INPUT", description = "Alert files, directories, .tar/.tar.gz/.tgz archives.")
    List<Path> inputs;

    @Override
    public Integer call() throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(16 << 20));
        SecretSettings.warnIfOnCommandLine("--set", sets, spec.commandLine().getErr());
        p.putAll(KafkaClientSettings.load(configFile, System.getenv(), sets));
        // a flag: beats bootstrap.servers of a --config file shared with serve
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        ServeCommand.createTopicsIfMissing(p, List.of(topic));
        long sent = 0;
        long failed = 0;
        long start = System.nanoTime();
        List<Future<RecordMetadata>> pending = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
             AlertSource source = AlertSource.open(inputs, AlertSource.DEFAULT_MAX_ENTRY_BYTES)) {
            AlertSourceEntry e;
            while ((e = source.next()) != null) {
                if (!e.readable()) {
                    failed++;
                    System.err.println("skipped " + e.location() + ": " + e.failure().reason() + " " + e.failure().getMessage());
                    continue;
                }
                if (rate > 0) {
                    long due = start + (long) (sent * 1e9 / rate);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                pending.add(producer.send(new ProducerRecord<>(topic, null, e.bytes())));
                sent++;
            }
            producer.flush();
            for (Future<RecordMetadata> f : pending) {
                f.get();
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("replayed %d alerts to %s in %.1f s (%.0f/s); %d unreadable%n", sent, topic, secs,
                secs > 0 ? sent / secs : 0, failed);
        return failed == 0 ? 0 : 1;
    }
}
