package org.deepmerge.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.commons.io.FileUtils;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.core.model.ModelIdentity;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.runtime.KafkaStartup;
import org.deepmerge.streams.runtime.ScoringRuntime;
import org.deepmerge.streams.serde.MergerScoreSerde;
import org.deepmerge.streams.topology.ScoringMetrics;
import org.deepmerge.streams.topology.ScoringTopology;

/**
 * Runs the production scoring topology ({@link ScoringTopology}) in Kafka Streams for the pipeline benchmark,
 * assembled as {@code deepmerge serve} assembles it: one {@link ScoringRuntime} (model, shared inference batcher,
 * core cutout pipeline) for the whole run, one {@link KafkaStreams} instance per benchmark mode on fresh topics
 * (the preloaded mode pauses it while it appends).
 * Scores are written in the plain encoding (Avro binary), which {@link #scoreTimestampMs} reads. As in {@code serve},
 * the topology always has the runtime's shadow scorer; it scores only once {@link #installShadow} has set a shadow
 * model, writing to {@code <output topic>.shadow} (the default of {@code deepmerge.shadow.topic}).
 */
public final class StreamsScoringApp implements PipelineBenchmark.AppFactory, PipelineBenchmark.ScoreClock, AutoCloseable {
    private static final GenericDatumReader<GenericRecord> SCORE_READER =
            new GenericDatumReader<>(MergerScore.getClassSchema());
    private final ScoringRuntime runtime;
    private final Map<String, Object> settings;
    private final MergerScoreSerde serde;
    private final Path stateRoot;
    private volatile ScoringMetrics metrics;
    private volatile ShadowMeters shadowMeters;
    private volatile ModelIdentity shadowModel;

    /**
     * @param settings  DeepMerge and Kafka Streams settings for every mode ({@code deepmerge.model.path},
     *                  {@code deepmerge.max.batch.size}, {@code deepmerge.inference.threads}, {@code num.stream.threads},
     *                  ...); topics, application id, state directory and bootstrap are set per mode; without
     *                  {@code deepmerge.model.cache.dir} the shadow model's copy goes to the run's temporary directory
     * @param overrides model-contract overrides for third-party ONNX files
     * @throws DeepMergeException INVALID_CONFIG when the settings are invalid; the runtime's reasons (INVALID_MODEL,
     *                            IO_ERROR, DEVICE_UNAVAILABLE)
     */
    public StreamsScoringApp(Map<String, Object> settings, ContractOverrides overrides) throws DeepMergeException {
        try {
            this.stateRoot = Files.createTempDirectory("deepmerge-bench-state-");
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot create a Kafka Streams state directory: " + e.getMessage(), e);
        }
        Map<String, Object> all = new HashMap<>(settings);
        all.put(DeepMergeStreamsConfig.OUTPUT_ENCODING, "plain");
        all.putIfAbsent(DeepMergeStreamsConfig.MODEL_CACHE_DIR, stateRoot.resolve("models").toString());
        this.settings = Map.copyOf(all);
        try {
            DeepMergeStreamsConfig config = config(this.settings);
            this.serde = MergerScoreSerde.fromConfig(config);
            this.runtime = ScoringRuntime.open(config, overrides);
        } catch (DeepMergeException | RuntimeException e) {
            FileUtils.deleteQuietly(stateRoot.toFile());
            throw e;
        }
    }

    /**
     * Sets the shadow model as {@code deepmerge models shadow} does on a model topic
     * ({@link ScoringRuntime#installShadow}: the same verification and input-compatibility check); every application
     * started afterwards scores each micro-batch with it too, on the stream thread after the live model, and writes
     * its records to {@code <output topic>.shadow} in the same transaction.
     *
     * @param onnx the shadow model's ONNX file (carrying its contract)
     * @return its name, version and SHA-256
     * @throws DeepMergeException as {@link ScoringRuntime#installShadow}: IO_ERROR, INVALID_MODEL (refused, naming the
     *                            check)
     */
    public ModelIdentity installShadow(Path onnx) throws DeepMergeException {
        shadowModel = runtime.installShadow(onnx);
        return shadowModel;
    }

    /**
     * @return the shadow figures of the most recently started application (records, ONNX Runtime run times of the
     *         timed part), or empty when no shadow model is set or no application was started
     */
    public java.util.Optional<ShadowMeters.Figures> shadowFigures() {
        ShadowMeters m = shadowMeters;
        ModelIdentity id = shadowModel;
        return m == null || id == null ? java.util.Optional.empty() : java.util.Optional.of(m.figures(id));
    }

    private static DeepMergeStreamsConfig config(Map<String, Object> p) throws DeepMergeException {
        try {
            return new DeepMergeStreamsConfig(p);
        } catch (ConfigException e) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "invalid pipeline settings: " + e.getMessage(), e);
        }
    }

    /**
     * @return the processing guarantee the applications run with: Kafka Streams' {@code processing.guarantee} as the
     *         effective configuration sets it (the project default {@code exactly_once_v2} unless a setting overrides it)
     * @throws DeepMergeException INVALID_CONFIG when the settings are invalid
     */
    public String processingGuarantee() throws DeepMergeException {
        return config(settings).streamsProperties().getProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG);
    }

    /** @return the runtime (model identity, batcher counters) */
    public ScoringRuntime runtime() {
        return runtime;
    }

    @Override
    public PipelineBenchmark.RunningApp start(String bootstrap, String applicationId, String inputTopic,
                                              String outputTopic, String dlqTopic) throws DeepMergeException {
        Map<String, Object> p = new HashMap<>(settings);
        p.put(DeepMergeStreamsConfig.INPUT_TOPIC, inputTopic);
        p.put(DeepMergeStreamsConfig.OUTPUT_TOPIC, outputTopic);
        p.put(DeepMergeStreamsConfig.DLQ_TOPIC, dlqTopic);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateRoot.resolve(applicationId).toString());
        DeepMergeStreamsConfig config = config(p);
        ScoringMetrics m = new ScoringMetrics(new SimpleMeterRegistry());
        metrics = m;
        ShadowMeters shadow = new ShadowMeters(config.shadowThreshold(), config.shadowWindow());
        shadowMeters = shadow;
        ScoringTopology.Dependencies deps = new ScoringTopology.Dependencies(runtime.preparer(), runtime.scorer(),
                serde.serializer(), m, null, runtime.shadowScorer(shadow.metrics()));
        KafkaStreams streams;
        try {
            streams = new KafkaStreams(ScoringTopology.build(config, deps), config.streamsProperties());
        } catch (ConfigException e) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "invalid Kafka Streams setting: " + e.getMessage(), e);
        }
        streams.start();
        try {
            KafkaStartup.awaitRunning(streams, Duration.ofSeconds(120));
        } catch (DeepMergeException e) {
            streams.close(Duration.ofSeconds(10));
            throw new DeepMergeException(Reason.IO_ERROR, e.getMessage() + " on " + bootstrap, e);
        }
        return new PipelineBenchmark.RunningApp() {
            @Override
            public void pause() {
                streams.pause();
            }

            @Override
            public void resume() {
                streams.resume();
            }

            @Override
            public void timedPartStarts() {
                shadow.timedPartStarts();
            }

            @Override
            public void close() {
                streams.close(Duration.ofSeconds(30));
            }
        };
    }

    /** @return the meters of the most recently started application (buffer entry bytes, micro-batch sizes), or null */
    public ScoringMetrics metrics() {
        return metrics;
    }

    /** Reads {@code scoreTimestamp} of a plain (Avro binary) MergerScore with a generic reader. */
    @Override
    public long scoreTimestampMs(byte[] value) throws DeepMergeException {
        try {
            GenericRecord r = SCORE_READER.read(null, DecoderFactory.get().binaryDecoder(value, null));
            return ((Number) r.get("scoreTimestamp")).longValue();
        } catch (IOException | RuntimeException e) {
            throw new DeepMergeException(Reason.MALFORMED_ALERT, "cannot decode a plain MergerScore record ("
                    + value.length + " bytes): " + e.getMessage(), e);
        }
    }

    /** Closes the runtime and deletes the Kafka Streams state directories of the run. */
    @Override
    public void close() {
        runtime.close();
        FileUtils.deleteQuietly(stateRoot.toFile()); // leftover temporary state is harmless
    }

    /** @return the temporary directory holding the state directories of the run (deleted by {@link #close()}) */
    Path stateRoot() {
        return stateRoot;
    }
}
