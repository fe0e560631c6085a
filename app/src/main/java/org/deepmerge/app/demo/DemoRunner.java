package org.deepmerge.app.demo;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.commons.io.file.PathUtils;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.alert.CutoutRecords;
import org.deepmerge.core.archive.AlertSource;
import org.deepmerge.core.archive.AlertSourceEntry;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.synthetic.NoiseModel;
import org.deepmerge.core.synthetic.Observation;
import org.deepmerge.core.synthetic.Psf;
import org.deepmerge.core.synthetic.SurveyPreset;
import org.deepmerge.core.synthetic.SyntheticCutouts;
import org.deepmerge.core.synthetic.SyntheticGalaxyGenerator;
import org.deepmerge.app.broker.DevBroker;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.runtime.ScoringRuntime;
import org.deepmerge.streams.serde.MergerScoreSerde;
import org.deepmerge.streams.topology.DeadLetters;
import org.deepmerge.streams.topology.ScoringMetrics;
import org.deepmerge.streams.runtime.KafkaStartup;
import org.deepmerge.streams.topology.ScoringTopology;

/**
 * Runs the whole product on one machine: an in-JVM KRaft {@link DevBroker} on a free port in a temporary data
 * directory, the input/score/dead-letter topics (input with {@code LogAppendTime}, so each record's timestamp is
 * its append time), the scoring topology in-process ({@code exactly_once_v2}, default
 * {@code max.batch.size}/{@code max.wait.ms}; started first, so latencies exclude its start-up), a replay of a
 * sample set, and a {@code read_committed} consumer that reads scores and dead
 * letters until every input is accounted for. Everything is closed and the temporary directory deleted afterwards.
 *
 * <p>Synthetic inputs: {@link SyntheticCutouts#sampleSet} cutouts, half mergers. For a model on a ground-based survey
 * grid (pixel scale &gt;= {@value #WIDE_FIELD_PIXEL_SCALE_ARCSEC}"/px, e.g. the default model's 1.2"/px) they are
 * ZTF-like alert stamps ({@link SurveyPreset#ZTF}: r band, 63x63 at 1.012"/px, 2" seeing, z ~ 0.05 galaxies); else
 * they are rendered in the model's own bands, stamp size and pixel scale with HST-like Gaussian PSFs of FWHM 0.18
 * arcsec and the HLSP noise model ({@link NoiseModel#HLSP_NOISY}), galaxies drawn with {@link SurveyPreset#HLSP_HST}'s
 * generator settings. Each is sent as an Avro Object Container File holding one {@code Cutout} record.
 */
public final class DemoRunner {
    /** Kafka Streams application id of the demo. */
    public static final String APPLICATION_ID = "deepmerge-demo";
    private static final double FALLBACK_PIXEL_SCALE_ARCSEC = 0.1875;
    private static final double PSF_FWHM_ARCSEC = 0.18;
    /** Models on grids at least this coarse (arcsec/px) are shown ZTF-like stamps in the demo. */
    static final double WIDE_FIELD_PIXEL_SCALE_ARCSEC = 0.5;
    private static final int MAX_MESSAGE_BYTES = 16 << 20;

    private DemoRunner() {
    }

    /**
     * Runs the demo once.
     *
     * @param options what to replay and score
     * @param log     progress lines (stderr in the CLI)
     * @return the summary
     * @throws DeepMergeException INVALID_MODEL (no model and none embedded), INVALID_CONFIG (bad options), IO_ERROR
     *                            (broker, topics, temp dir, or not every input accounted for within the timeout),
     *                            and the reasons of {@link AlertSource#open} and the synthetic generator
     */
    public static DemoSummary run(DemoOptions options, PrintWriter log) throws DeepMergeException {
        options.validate();
        Path tmp;
        try {
            tmp = Files.createTempDirectory("deepmerge-demo-");
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "demo: cannot create a temporary directory: " + e.getMessage(), e);
        }
        try {
            try (DevBroker broker = DevBroker.start(tmp.resolve("kafka"), 0)) {
                log.println("demo: broker at " + broker.bootstrapServers() + " (data in " + tmp + ")");
                return runOn(broker.bootstrapServers(), tmp, options, log);
            }
        } finally {
            deleteTree(tmp, log);
        }
    }

    private static DemoSummary runOn(String bootstrap, Path tmp, DemoOptions options, PrintWriter log)
            throws DeepMergeException {
        Map<String, Object> props = new HashMap<>();
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID);
        props.put(StreamsConfig.STATE_DIR_CONFIG, tmp.resolve("state").toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(DeepMergeStreamsConfig.OUTPUT_ENCODING, "plain");
        if (options.model() != null) {
            props.put(DeepMergeStreamsConfig.MODEL_PATH, options.model().toString());
        }
        DeepMergeStreamsConfig config = DeepMergeStreamsConfig.load(null, Map.of(), props);
        createTopics(bootstrap, config);

        try (ScoringRuntime runtime = ScoringRuntime.open(config, options.overrides())) {
            log.println("demo: model " + runtime.identity().name() + " " + runtime.identity().version()
                    + " sha256 " + runtime.identity().sha256());
            Map<String, Boolean> truth = new LinkedHashMap<>();
            long[] skipped = {0};
            List<byte[]> messages = options.synthetic()
                    ? synthetic(runtime.scorer().contract(), options, truth)
                    : archived(options.alerts(), skipped, log);
            String source = options.synthetic()
                    ? messages.size() + " synthetic cutouts (seed " + options.seed() + ")"
                    : "alerts from " + options.alerts();

            MergerScoreSerde serde = MergerScoreSerde.fromConfig(config);
            ScoringMetrics metrics = new ScoringMetrics(new SimpleMeterRegistry());
            Map<String, DemoSummary.Scored> scores = new LinkedHashMap<>();
            Map<String, Long> dead = new TreeMap<>();
            List<Long> latencies = new ArrayList<>();
            long sent;
            long firstAppend = Long.MAX_VALUE;
            long lastScore = Long.MIN_VALUE;
            try (KafkaStreams streams = new KafkaStreams(ScoringTopology.build(config, new ScoringTopology.Dependencies(
                    runtime.preparer(), runtime.scorer(), serde.serializer(), metrics, runtime.alertPreparer())),
                    config.streamsProperties());
                 KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps(bootstrap),
                         new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                streams.start();
                long deadline = System.nanoTime() + options.timeout().toNanos();
                KafkaStartup.awaitRunning(streams, options.timeout());
                assignFromStart(consumer, List.of(config.outputTopic(), config.dlqTopic()));
                sent = produce(bootstrap, config.inputTopic(), messages);
                log.println("demo: sent " + sent + " messages to " + config.inputTopic() + "; scoring ...");
                long duplicates = 0;
                while (scores.size() + dead.values().stream().mapToLong(Long::longValue).sum() < sent) {
                    if (System.nanoTime() > deadline) {
                        throw new DeepMergeException(Reason.IO_ERROR, "demo: after " + options.timeout().toSeconds()
                                + " s only " + scores.size() + " scores and " + dead.values().stream()
                                .mapToLong(Long::longValue).sum() + " dead letters of " + sent + " inputs arrived on "
                                + config.outputTopic() + "/" + config.dlqTopic() + " (Kafka Streams state "
                                + streams.state() + ")");
                    }
                    if (streams.state() == KafkaStreams.State.ERROR) {
                        throw new DeepMergeException(Reason.IO_ERROR, "demo: the scoring topology failed (Kafka Streams"
                                + " state ERROR); see the log above");
                    }
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        if (r.topic().equals(config.outputTopic())) {
                            GenericRecord s = decodeScore(r);
                            String id = s.get("sourceId").toString();
                            Object objectId = s.get("objectId");
                            Object p = s.get("pMerger");
                            Object why = s.getSchema().getField("reason") == null ? null : s.get("reason");
                            if (scores.put(id, new DemoSummary.Scored(id, objectId == null ? null : objectId.toString(),
                                    ((Number) s.get("ra")).doubleValue(), ((Number) s.get("dec")).doubleValue(),
                                    p == null ? Double.NaN : ((Number) p).doubleValue(),
                                    p == null && why != null ? why.toString() : null)) != null) {
                                duplicates++;
                            }
                            long ingest = ((Number) s.get("ingestTimestamp")).longValue();
                            long scored = ((Number) s.get("scoreTimestamp")).longValue();
                            latencies.add(scored - ingest);
                            firstAppend = Math.min(firstAppend, ingest);
                            lastScore = Math.max(lastScore, scored);
                        } else {
                            String reason = DeadLetters.get(r.headers(), DeadLetters.REASON);
                            dead.merge(reason == null ? "unknown" : reason, 1L, Long::sum);
                            firstAppend = Math.min(firstAppend, r.timestamp());
                            lastScore = Math.max(lastScore, System.currentTimeMillis());
                        }
                    }
                }
                if (duplicates > 0) {
                    throw new DeepMergeException(Reason.IO_ERROR, "demo: " + duplicates + " duplicate committed scores"
                            + " (exactly-once violated)");
                }
                log.printf("demo: all %d inputs accounted for (%d micro-batches); shutting down ...%n", sent,
                        metrics.batches());
                streams.close(Duration.ofSeconds(30));
            }
            return new DemoSummary(source, sent, skipped[0], List.copyOf(scores.values()), dead,
                    latencies.stream().mapToLong(Long::longValue).toArray(),
                    lastScore == Long.MIN_VALUE ? 0 : lastScore - firstAppend, runtime.identity(),
                    Collections.unmodifiableMap(truth), options.topK());
        }
    }

    /**
     * Renders the synthetic set in the model's bands, size and pixel scale and records each cutout's truth.
     */
    private static List<byte[]> synthetic(ModelContract contract, DemoOptions options, Map<String, Boolean> truth)
            throws DeepMergeException {
        double scale = contract.pixelScaleArcsec() > 0 ? contract.pixelScaleArcsec() : FALLBACK_PIXEL_SCALE_ARCSEC;
        boolean wide = scale >= WIDE_FIELD_PIXEL_SCALE_ARCSEC;
        Observation obs;
        if (wide) {
            obs = SurveyPreset.ZTF.observation(true);
        } else {
            List<Psf> psfs = contract.channels().stream().map(b -> Psf.gaussian(PSF_FWHM_ARCSEC)).toList();
            obs = Observation.of(contract.channels(), contract.height(), scale, psfs, NoiseModel.HLSP_NOISY);
        }
        SyntheticGalaxyGenerator generator = new SyntheticGalaxyGenerator(options.seed(),
                (wide ? SurveyPreset.ZTF : SurveyPreset.HLSP_HST).generatorConfig());
        List<byte[]> out = new ArrayList<>();
        for (SyntheticCutouts.Labelled l : SyntheticCutouts.sampleSet(generator, obs, options.count(),
                DemoOptions.MERGER_FRACTION, options.seed(), false)) {
            truth.put(l.cutout().getSourceId(), l.spec().merger());
            out.add(CutoutRecords.toContainerFile(List.of(l.cutout())));
        }
        return out;
    }

    /** Reads alert files, directories and archives as archived bytes; unreadable entries are counted, not sent. */
    private static List<byte[]> archived(List<Path> inputs, long[] skipped, PrintWriter log) throws DeepMergeException {
        List<byte[]> out = new ArrayList<>();
        try (AlertSource source = AlertSource.open(inputs, AlertSource.DEFAULT_MAX_ENTRY_BYTES)) {
            AlertSourceEntry e;
            while ((e = source.next()) != null) {
                if (e.readable()) {
                    out.add(e.bytes());
                } else {
                    skipped[0]++;
                    log.println("demo: skipped " + e.location() + ": " + e.failure().getMessage());
                }
            }
        }
        if (out.isEmpty()) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "demo: no alerts found in " + inputs);
        }
        return out;
    }

    /**
     * Decodes a plain (Avro binary) score generically: no generated class is instantiated, so this works without
     * trusting {@code org.deepmerge.avro.v1} via {@code org.apache.avro.SERIALIZABLE_PACKAGES} (bare {@code java -jar}).
     */
    private static GenericRecord decodeScore(ConsumerRecord<byte[], byte[]> r) throws DeepMergeException {
        try {
            return new GenericDatumReader<GenericRecord>(MergerScore.getClassSchema()).read(null, DecoderFactory.get().binaryDecoder(r.value(), null));
        } catch (IOException | RuntimeException e) {
            throw new DeepMergeException(Reason.MALFORMED_ALERT, "demo: cannot decode the MergerScore at " + r.topic()
                    + "/" + r.partition() + "@" + r.offset() + ": " + e.getMessage(), e);
        }
    }

    private static long produce(String bootstrap, String topic, List<byte[]> messages) throws DeepMergeException {
        Map<String, Object> p = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
                ProducerConfig.LINGER_MS_CONFIG, "5", ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(MAX_MESSAGE_BYTES));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            List<Future<RecordMetadata>> pending = new ArrayList<>();
            for (byte[] m : messages) {
                pending.add(producer.send(new ProducerRecord<>(topic, null, m)));
            }
            producer.flush();
            for (Future<RecordMetadata> f : pending) {
                f.get(60, TimeUnit.SECONDS);
            }
            return pending.size();
        } catch (ExecutionException | TimeoutException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "demo: sending to " + topic + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeepMergeException(Reason.IO_ERROR, "demo: interrupted while sending", e);
        }
    }

    private static void createTopics(String bootstrap, DeepMergeStreamsConfig config) throws DeepMergeException {
        KafkaStartup.createTopicsIfMissing(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), List.of(
                new NewTopic(config.inputTopic(), 1, (short) 1).configs(Map.of(
                        TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime",
                        TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MAX_MESSAGE_BYTES))),
                new NewTopic(config.outputTopic(), 1, (short) 1),
                new NewTopic(config.dlqTopic(), 1, (short) 1).configs(Map.of(
                        TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MAX_MESSAGE_BYTES)))), Duration.ofSeconds(60));
    }

    private static Map<String, Object> consumerProps(String bootstrap) {
        return Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(MAX_MESSAGE_BYTES));
    }

    private static void assignFromStart(KafkaConsumer<?, ?> consumer, List<String> topics) {
        List<TopicPartition> tps = new ArrayList<>();
        for (String t : topics) {
            consumer.partitionsFor(t).forEach(pi -> tps.add(new TopicPartition(t, pi.partition())));
        }
        consumer.assign(tps);
        consumer.seekToBeginning(tps);
    }

    private static void deleteTree(Path dir, PrintWriter log) {
        try {
            PathUtils.deleteDirectory(dir);
        } catch (IOException e) {
            log.println("demo: could not delete " + dir + ": " + e.getMessage());
        }
    }
}
