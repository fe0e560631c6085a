package org.deepmerge.app.cli;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.app.ops.Health;
import org.deepmerge.app.ops.OpsHttpServer;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.hotswap.ModelRolloutMetrics;
import org.deepmerge.streams.hotswap.ModelTopicFollower;
import org.deepmerge.streams.runtime.ScoringRuntime;
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
 * <p>Operations (docs/operations.md): one HTTP server ({@code deepmerge.http.port}, default
 * {@value DeepMergeStreamsConfig#SERVE_DEFAULT_HTTP_PORT}; -1 = none, 0 = any free port, printed) serves
 * {@code /metrics} (the scorer's meters, Kafka Streams and client metrics, JVM metrics; Prometheus text format),
 * {@code /livez} and {@code /readyz} (Kafka Streams RUNNING and the model loaded and warmed). Static membership
 * ({@code deepmerge.static.membership}): {@code group.instance.id} from the host (pod) name.
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
        PrintWriter err = spec.commandLine().getErr();
        SecretSettings.warnIfOnCommandLine("--set", sets, err);
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
        Optional<String> instanceId = config.groupInstanceId(System.getenv());
        if (instanceId.isPresent()) {
            props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId.get());
            LOG.info("static membership: group.instance.id {} (Kafka Streams adds -<thread> per stream thread); a "
                    + "restart within the session timeout keeps its tasks without a rebalance", instanceId.get());
        }

        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Health health = new Health();
        List<AutoCloseable> closeLast = new ArrayList<>();
        try {
            bindJvmMetrics(registry, closeLast);
            int port = config.httpPort(DeepMergeStreamsConfig.SERVE_DEFAULT_HTTP_PORT);
            if (port >= 0) {
                OpsHttpServer http = OpsHttpServer.start(config.httpBindAddress(), port, registry, health);
                closeLast.add(0, http);
                err.println("http: /metrics, /livez, /readyz on " + config.httpBindAddress() + " port " + http.port());
            }
            createTopicsIfMissing(props, scoringTopics(config));
            return serve(config, props, registry, health, err);
        } finally {
            for (AutoCloseable c : closeLast) {
                try {
                    c.close();
                } catch (Exception e) {
                    LOG.debug("closing {}", c, e);
                }
            }
            registry.close();
        }
    }

    /** JVM memory, GC, CPU and thread meters (the GC binder is closed last). */
    private static void bindJvmMetrics(MeterRegistry registry, List<AutoCloseable> closeLast) {
        new JvmMemoryMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        closeLast.add(gc);
        new ProcessorMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    /** Opens the model, runs Kafka Streams until SIGTERM, an interrupt of this thread, or Kafka Streams stops. */
    private Integer serve(DeepMergeStreamsConfig config, Properties props, MeterRegistry registry, Health health,
                          PrintWriter err) throws Exception {
        AtomicInteger exit = new AtomicInteger(0);
        CountDownLatch stopped = new CountDownLatch(1);
        CountDownLatch cleanedUp = new CountDownLatch(1);
        Thread hook = null;
        try (ScoringRuntime runtime = ScoringRuntime.open(config, config.contractOverrides())) {
            runtime.warmUp();
            health.model(runtime::warmed);
            ScoringTopology.Dependencies deps = runtime.dependencies(config, registry);
            ScoringMetrics metrics = deps.metrics();
            ModelTopicFollower follower = null;
            if (!config.modelTopic().isEmpty()) {
                follower = runtime.followModelTopic(props, config);
                follower.addListener(o -> err.println("model topic " + config.modelTopic() + ": " + o));
                follower.addListener(new ModelRolloutMetrics(metrics.registry()));
                follower.addShadowListener(o -> err.println("model topic " + config.modelTopic() + ": shadow " + o));
                follower.addShadowListener(ModelRolloutMetrics.shadow(metrics.registry()));
            }
            KafkaStreams streams;
            try {
                streams = new KafkaStreams(ScoringTopology.build(config, deps), props);
            } catch (ConfigException e) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, "invalid Kafka Streams setting: " + e.getMessage(), e);
            }
            KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
            streamsMetrics.bindTo(registry);
            health.streams(streams::state);
            streams.setUncaughtExceptionHandler(ThreadReplacementPolicy.of(config));
            streams.setStateListener((now, before) -> {
                LOG.info("Kafka Streams {} -> {}", before, now);
                if (now == KafkaStreams.State.RUNNING) {
                    err.println("serving: " + config.inputTopic() + " -> " + config.outputTopic()
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
                err.println("stopping: closing Kafka Streams ...");
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
            boolean interrupted = false;
            try {
                stopped.await();
            } catch (InterruptedException e) {
                // serve run on a thread of a larger program (tests, embedding): stop as on SIGTERM
                interrupted = true;
                err.println("stopping: interrupted, closing Kafka Streams ...");
            }
            streams.close(Duration.ofSeconds(60));
            streamsMetrics.close();
            if (follower != null) {
                follower.close();
            }
            err.printf("stopped: %d scored, %d micro-batches%n", metrics.scoredCount(), metrics.batches());
            err.flush();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
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
     * @param config the configuration
     * @return the topics serve writes or reads: input, output, dead letters and, when a model topic is followed (where
     *         a shadow pointer can start shadow scoring), the shadow topic
     */
    static List<String> scoringTopics(DeepMergeStreamsConfig config) {
        return config.modelTopic().isEmpty() ? List.of(config.inputTopic(), config.outputTopic(), config.dlqTopic())
                : List.of(config.inputTopic(), config.outputTopic(), config.dlqTopic(), config.shadowTopic());
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
