package org.deepmerge.app.cli;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.hotswap.ModelRolloutMetrics;
import org.deepmerge.streams.hotswap.ModelTopicFollower;
import org.deepmerge.streams.runtime.ScoringRuntime;
import org.deepmerge.streams.serde.MergerScoreSerde;
import org.deepmerge.streams.topology.ScoringMetrics;
import org.deepmerge.streams.runtime.KafkaStartup;
import org.deepmerge.streams.topology.ScoringTopology;
import org.deepmerge.streams.topology.ThreadReplacementPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code deepmerge serve}: runs the scoring topology as a standalone Kafka Streams application. Creates the
 * input, output and dead-letter topics if missing (broker-default partitions and replication), scores until
 * SIGTERM/Ctrl-C, then closes Kafka Streams (committing the open transaction) and the ONNX Runtime session.
 *
 * <p>With {@code deepmerge.model.topic} set, a {@link ModelTopicFollower} hot-swaps new versions of the running
 * model (same input contract) from the compacted model topic; scores name the model that produced them.
 *
 * <p>Uncaught-exception policy: {@link ThreadReplacementPolicy} ({@code REPLACE_THREAD} at most
 * {@code deepmerge.fault.max.thread.replacements} times in {@code deepmerge.fault.window.ms}, then the instance shuts
 * down and exits 1). Bad input never reaches it (dead letters); a scorer failure aborts the task's transaction and the
 * replacement thread restores the batch buffer and retries.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Score an alert topic continuously with Kafka Streams (exactly-once, micro-batched, dead letters).")
public final class ServeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);
    private static final long ADMIN_TIMEOUT_S = 60;

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers HOST:PORT[,...] (bootstrap.servers).")
    String bootstrap;

    @Option(names = "--input-topic", description = "Alert topic (deepmerge.input.topic).")
    String inputTopic;

    @Option(names = "--output-topic", description = "MergerScore topic (deepmerge.output.topic).")
    String outputTopic;

    @Option(names = "--dlq-topic", description = "Dead-letter topic (deepmerge.dlq.topic).")
    String dlqTopic;

    @Option(names = "--model", description = "ONNX model file (deepmerge.model.path).")
    Path model;

    @Option(names = "--config", description = "Properties file: deepmerge.* keys and any Kafka Streams/client setting.")
    Path configFile;

    @Option(names = "--set", description = "Any setting KEY=VALUE (repeatable; beats file and environment). Not for "
            + "secrets (sasl.jaas.config, passwords): the command line is visible to every user; use --config or the "
            + "environment.")
    Map<String, String> sets = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        SecretSettings.warnIfOnCommandLine("--set", sets, spec.commandLine().getErr());
        Map<String, Object> flags = new LinkedHashMap<>(sets);
        putIf(flags, StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        putIf(flags, DeepMergeStreamsConfig.INPUT_TOPIC, inputTopic);
        putIf(flags, DeepMergeStreamsConfig.OUTPUT_TOPIC, outputTopic);
        putIf(flags, DeepMergeStreamsConfig.DLQ_TOPIC, dlqTopic);
        putIf(flags, DeepMergeStreamsConfig.MODEL_PATH, model == null ? null : model.toString());
        DeepMergeStreamsConfig config = DeepMergeStreamsConfig.load(configFile, System.getenv(), flags);
        Properties props = config.streamsProperties();
        if (!props.containsKey(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG)) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "no Kafka bootstrap servers: use --bootstrap, "
                    + "bootstrap.servers in --config, or DEEPMERGE_KAFKA_BOOTSTRAP_SERVERS");
        }
        createTopicsIfMissing(props, List.of(config.inputTopic(), config.outputTopic(), config.dlqTopic()));

        AtomicInteger exit = new AtomicInteger(0);
        CountDownLatch stopped = new CountDownLatch(1);
        CountDownLatch cleanedUp = new CountDownLatch(1);
        Thread hook = null;
        try (ScoringRuntime runtime = ScoringRuntime.open(config, config.contractOverrides())) {
            ScoringMetrics metrics = new ScoringMetrics(new SimpleMeterRegistry());
            ScoringTopology.Dependencies deps = new ScoringTopology.Dependencies(runtime.preparer(), runtime.scorer(),
                    MergerScoreSerde.fromConfig(config).serializer(), metrics, runtime.alertPreparer());
            ModelTopicFollower follower = null;
            if (!config.modelTopic().isEmpty()) {
                follower = runtime.followModelTopic(props, config);
                follower.addListener(o -> System.err.println("model topic " + config.modelTopic() + ": " + o));
                follower.addListener(new ModelRolloutMetrics(metrics.registry()));
            }
            KafkaStreams streams;
            try {
                streams = new KafkaStreams(ScoringTopology.build(config, deps), props);
            } catch (ConfigException e) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, "invalid Kafka Streams setting: " + e.getMessage(), e);
            }
            streams.setUncaughtExceptionHandler(ThreadReplacementPolicy.of(config));
            streams.setStateListener((now, before) -> {
                LOG.info("Kafka Streams {} -> {}", before, now);
                if (now == KafkaStreams.State.RUNNING) {
                    System.err.println("serving: " + config.inputTopic() + " -> " + config.outputTopic()
                            + " (dead letters: " + config.dlqTopic() + "), model " + runtime.identity().name()
                            + " sha256 " + runtime.identity().sha256());
                } else if (now == KafkaStreams.State.ERROR) {
                    exit.set(1);
                    stopped.countDown();
                } else if (now == KafkaStreams.State.NOT_RUNNING) {
                    stopped.countDown();
                }
            });
            hook = new Thread(() -> {
                System.err.println("stopping: closing Kafka Streams ...");
                streams.close(Duration.ofSeconds(60));
                stopped.countDown();
                try {
                    cleanedUp.await(60, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "deepmerge-serve-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            streams.start();
            stopped.await();
            streams.close(Duration.ofSeconds(60));
            if (follower != null) {
                follower.close();
            }
            System.err.printf("stopped: %d scored, %d micro-batches%n", metrics.scoredCount(), metrics.batches());
        } finally {
            cleanedUp.countDown();
        }
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                LOG.debug("JVM already shutting down");
            }
        }
        return exit.get();
    }

    private static void putIf(Map<String, Object> m, String key, String value) {
        if (value != null) {
            m.put(key, value);
        }
    }

    /**
     * Creates each topic that does not exist, with the broker's default partitions and replication factor.
     *
     * @param props  client properties (bootstrap, security)
     * @param topics topic names
     * @throws DeepMergeException IO_ERROR when the cluster cannot be reached or refuses
     */
    static void createTopicsIfMissing(Properties props, List<String> topics) throws DeepMergeException {
        KafkaStartup.createTopicsIfMissing(props, topics.stream()
                .map(t -> new NewTopic(t, Optional.empty(), Optional.empty())).toList(), Duration.ofSeconds(ADMIN_TIMEOUT_S));
    }
}
