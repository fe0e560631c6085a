package org.deepmerge.streams.topology;

import java.util.Objects;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
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
 *        └─ shared BatchScorer ─► MergerScore (key = source id, timestamp = input timestamp) ─► output topic
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
    /** Name of the sink node (routes scores and dead letters). */
    public static final String SINK_NAME = "deepmerge-sink";

    private ScoringTopology() {
    }

    /**
     * What the topology needs besides configuration; one instance serves every stream thread of the JVM.
     *
     * @param preparer        decode + preprocess (thread-safe)
     * @param scorer          the JVM-wide shared inference batcher
     * @param scoreSerializer encodes MergerScore values (see {@code MergerScoreSerde})
     * @param metrics         meters
     */
    public record Dependencies(ImagePreparer preparer, BatchScorer scorer, Serializer<MergerScore> scoreSerializer,
                               ScoringMetrics metrics) {
        public Dependencies {
            Objects.requireNonNull(preparer, "preparer");
            Objects.requireNonNull(scorer, "scorer");
            Objects.requireNonNull(scoreSerializer, "scoreSerializer");
            Objects.requireNonNull(metrics, "metrics");
        }
    }

    /**
     * Adds the scoring sub-topology, reading {@code deepmerge.input.topic} and writing
     * {@code deepmerge.output.topic} and {@code deepmerge.dlq.topic} (both must exist).
     *
     * @param builder the caller's builder
     * @param config  the configuration
     * @param deps    preparer, shared scorer, serializer, metrics
     */
    public static void addTo(StreamsBuilder builder, DeepMergeStreamsConfig config, Dependencies deps) {
        if (config.channelPolicy() == DeepMergeStreamsConfig.ChannelPolicy.ASSEMBLE) {
            throw new org.apache.kafka.common.config.ConfigException(DeepMergeStreamsConfig.CHANNEL_POLICY, "assemble",
                    "the assemble channel policy is not implemented yet; use single or replicate");
        }
        StoreBuilder<KeyValueStore<Long, byte[]>> store = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(config.storeName()), Serdes.Long(), Serdes.ByteArray());
        String storeName = config.storeName();
        String out = config.outputTopic();
        String dlq = config.dlqTopic();
        int maxBatch = config.maxBatchSize();
        long maxWait = config.maxWaitMs();
        ProcessorSupplier<byte[], byte[], byte[], byte[]> supplier = new ProcessorSupplier<>() {
            @Override
            public Processor<byte[], byte[], byte[], byte[]> get() {
                return new ScoringProcessor(storeName, deps.preparer(), deps.scorer(), deps.scoreSerializer(),
                        out, maxBatch, maxWait, deps.metrics());
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(store);
            }
        };
        builder.stream(config.inputTopic(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(SOURCE_NAME))
                .process(supplier, Named.as(PROCESSOR_NAME))
                .to((key, value, ctx) -> DeadLetters.isDeadLetter(ctx.headers()) ? dlq : out,
                        Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(SINK_NAME));
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
