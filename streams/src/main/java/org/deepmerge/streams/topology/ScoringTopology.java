package org.deepmerge.streams.topology;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;

/**
 * The DeepMerge scoring sub-topology, as a library a broker embeds in its own Kafka Streams application
 * ({@link #addTo}) or as a standalone topology ({@link #build}).
 *
 * <pre>
 * input topic (byte[] key, byte[] value)
 *   └─ deepmerge-score: decode + preprocess ──bad──► dead-letter topic (original key/value/headers + deepmerge.* headers)
 *        │ good: PendingImage ─► changelogged KeyValueStore&lt;Long seq, byte[]&gt; (batch buffer)
 *        │ flush at max.batch.size or when the oldest entry is max.wait.ms old (wall-clock punctuation)
 *        │ assemble policy: alerts with an objectId first update KeyValueStore&lt;String survey/objectId, ObjectBands&gt;;
 *        │ an alert completing the model's bands, or the timeout punctuation (first stamp + timeout, read from a
 *        │ deadline index KeyValueStore&lt;Bytes deadline+object, empty&gt;), or the open-object cap, enqueues it
 *        └─ shared BatchScorer ─► MergerScore (key = source id, timestamp = input timestamp) ─► output topic
 *             └─ shadow model, if the model topic names one, on the same images ─► MergerScore ─► shadow topic
 *                (second sink, same transaction; never affects the live scores)
 * </pre>
 *
 * <p>Fault policy: bad input never stops the stream (dead letter). A failure of the scorer itself (ONNX Runtime
 * error on a validated image) throws a StreamsException from the task: with exactly_once_v2 the open
 * transaction aborts, nothing of the batch is visible, and the runner's uncaught-exception handler
 * ({@code REPLACE_THREAD} in {@code deepmerge serve}) restarts the thread, which restores the buffer and
 * retries.
 */
public final class ScoringTopology {
    /** Name of the scoring processor node. */
    public static final String PROCESSOR_NAME = "deepmerge-score";
    /** Name of the source node. */
    public static final String SOURCE_NAME = "deepmerge-alerts";
    /**
     * Longest string (UTF-8 bytes) an input may carry in a field the score record repeats (source id, object id,
     * survey, band); a longer one makes the input a dead letter (FIELD_TOO_LONG) before it is buffered: {@link
     * org.deepmerge.core.alert.FieldLimits#MAX_FIELD_BYTES}, the same bound offline scoring applies.
     */
    public static final int MAX_FIELD_BYTES = org.deepmerge.core.alert.FieldLimits.MAX_FIELD_BYTES;
    /** Name of the sink node (routes scores and dead letters). */
    public static final String SINK_NAME = "deepmerge-sink";
    /** Name of the second sink node: the shadow model's scores to {@code deepmerge.shadow.topic}. */
    public static final String SHADOW_SINK_NAME = "deepmerge-shadow-sink";

    private ScoringTopology() {
    }

    /**
     * What the topology needs besides configuration; one instance serves every stream thread of the JVM.
     *
     * @param preparer        decode + preprocess (thread-safe)
     * @param scorer          the JVM-wide shared inference batcher
     * @param scoreSerializer encodes MergerScore values (see {@code MergerScoreSerde})
     * @param metrics         meters
     * @param alertPreparer   decode and preprocess as separate steps; required by the {@code assemble} channel
     *                        policy, else may be null
     * @param shadow          the shadow candidate scoring every micro-batch beside the live model, or null for no
     *                        shadow scoring
     */
    public record Dependencies(ImagePreparer preparer, BatchScorer scorer, Serializer<MergerScore> scoreSerializer,
                               ScoringMetrics metrics, AlertPreparer alertPreparer, ShadowScorer shadow) {
        public Dependencies {
            Objects.requireNonNull(preparer, "preparer");
            Objects.requireNonNull(scorer, "scorer");
            Objects.requireNonNull(scoreSerializer, "scoreSerializer");
            Objects.requireNonNull(metrics, "metrics");
        }

        /**
         * Dependencies for the {@code single} and {@code replicate} channel policies.
         *
         * @param preparer        decode + preprocess (thread-safe)
         * @param scorer          the JVM-wide shared inference batcher
         * @param scoreSerializer encodes MergerScore values
         * @param metrics         meters
         */
        public Dependencies(ImagePreparer preparer, BatchScorer scorer, Serializer<MergerScore> scoreSerializer,
                            ScoringMetrics metrics) {
            this(preparer, scorer, scoreSerializer, metrics, null, null);
        }

        /**
         * Dependencies without shadow scoring.
         *
         * @param preparer        decode + preprocess (thread-safe)
         * @param scorer          the JVM-wide shared inference batcher
         * @param scoreSerializer encodes MergerScore values
         * @param metrics         meters
         * @param alertPreparer   decode and preprocess as separate steps (assemble policy), or null
         */
        public Dependencies(ImagePreparer preparer, BatchScorer scorer, Serializer<MergerScore> scoreSerializer,
                            ScoringMetrics metrics, AlertPreparer alertPreparer) {
            this(preparer, scorer, scoreSerializer, metrics, alertPreparer, null);
        }
    }

    /**
     * Topic configuration of the batch buffer's changelog (Kafka topic configs): segments rolled every minute or
     * 16 MiB, cleaned as soon as 10% is dirty, tombstones kept one minute. Entries live for milliseconds, so
     * compaction leaves almost nothing and a restore reads at most about one segment.
     */
    public static final Map<String, String> BUFFER_CHANGELOG_CONFIG = Map.of(
            "segment.ms", "60000",
            "segment.bytes", String.valueOf(16 << 20),
            "min.cleanable.dirty.ratio", "0.1",
            "delete.retention.ms", "60000");

    /**
     * Adds the scoring sub-topology, reading {@code deepmerge.input.topic} and writing
     * {@code deepmerge.output.topic} and {@code deepmerge.dlq.topic} (both must exist).
     *
     * @param builder the caller's builder
     * @param config  the configuration
     * @param deps    preparer, shared scorer, serializer, metrics
     */
    public static void addTo(StreamsBuilder builder, DeepMergeStreamsConfig config, Dependencies deps) {
        boolean assemble = config.channelPolicy() == DeepMergeStreamsConfig.ChannelPolicy.ASSEMBLE;
        if (assemble && deps.alertPreparer() == null) {
            throw new org.apache.kafka.common.config.ConfigException(DeepMergeStreamsConfig.CHANNEL_POLICY, "assemble",
                    "the assemble channel policy needs Dependencies.alertPreparer (ScoringRuntime.alertPreparer())");
        }
        // The batch buffer holds at most a few micro-batches per task: an in-memory store (no RocksDB instance,
        // JNI calls or background compaction per task), made durable by its changelog, which is restored on
        // failover. Every entry is deleted within max.wait.ms, so the changelog is compacted aggressively to keep
        // that restore short (mostly tombstones, dropped after delete.retention.ms of BUFFER_CHANGELOG_CONFIG).
        StoreBuilder<KeyValueStore<Long, byte[]>> store = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(config.storeName()), Serdes.Long(), Serdes.ByteArray())
                .withLoggingEnabled(BUFFER_CHANGELOG_CONFIG);
        String assemblyStoreName = assemblyStoreName(config);
        StoreBuilder<KeyValueStore<String, byte[]>> assemblyStore = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(assemblyStoreName), Serdes.String(), Serdes.ByteArray());
        // the deadline index: keys ordered by (deadline, object), so the timeout reads only due objects
        String indexStoreName = assemblyIndexStoreName(config);
        StoreBuilder<KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]>> indexStore = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(indexStoreName), Serdes.Bytes(), Serdes.ByteArray());
        ScoringProcessor.Assembly assembly = assemble
                ? new ScoringProcessor.Assembly(assemblyStoreName, indexStoreName, deps.alertPreparer(),
                config.assembleTimeoutMs(), config.assembleMaxObjects()) : null;
        String storeName = config.storeName();
        String out = config.outputTopic();
        String dlq = config.dlqTopic();
        int maxBatch = config.maxBatchSize();
        long maxWait = config.maxWaitMs();
        int maxDeadLetterValue = config.dlqMaxValueBytes();
        String shadowTopic = config.shadowTopic();
        ScoringProcessor.Shadow shadow = deps.shadow() == null ? null
                : new ScoringProcessor.Shadow(deps.shadow(), shadowTopic);
        ProcessorSupplier<byte[], byte[], byte[], byte[]> supplier = new ProcessorSupplier<>() {
            @Override
            public Processor<byte[], byte[], byte[], byte[]> get() {
                return new ScoringProcessor(storeName, deps.preparer(), deps.scorer(), deps.scoreSerializer(),
                        out, maxBatch, maxWait, deps.metrics(), assembly, maxDeadLetterValue, shadow);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return assemble ? Set.of(store, assemblyStore, indexStore) : Set.of(store);
            }
        };
        KStream<byte[], byte[]> results = builder.stream(config.inputTopic(),
                        Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(SOURCE_NAME))
                .process(supplier, Named.as(PROCESSOR_NAME));
        results.to((key, value, ctx) -> DeadLetters.isDeadLetter(ctx.headers()) ? dlq : out,
                Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(SINK_NAME));
        results.to(shadowTopic, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(SHADOW_SINK_NAME));
    }

    /**
     * @param config the configuration
     * @return the name of the {@code assemble} policy's per-object store: {@code <deepmerge.store.name>-assembly}
     */
    public static String assemblyStoreName(DeepMergeStreamsConfig config) {
        return config.storeName() + "-assembly";
    }

    /**
     * @param config the configuration
     * @return the name of the {@code assemble} policy's deadline index: {@code <deepmerge.store.name>-assembly-deadlines}
     */
    public static String assemblyIndexStoreName(DeepMergeStreamsConfig config) {
        return assemblyStoreName(config) + "-deadlines";
    }

    /**
     * @param config the configuration
     * @param deps   preparer, shared scorer, serializer, metrics
     * @return a topology holding only the scoring sub-topology
     */
    public static Topology build(DeepMergeStreamsConfig config, Dependencies deps) {
        StreamsBuilder b = new StreamsBuilder();
        addTo(b, config, deps);
        return b.build();
    }
}
