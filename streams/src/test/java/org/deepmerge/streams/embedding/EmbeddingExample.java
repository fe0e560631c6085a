package org.deepmerge.streams.embedding;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.runtime.ScoringRuntime;
import org.deepmerge.streams.topology.ScoringTopology;

/**
 * The README's embedding example ("Embedding the scorer in a broker's own Kafka Streams application"): a broker's own
 * Kafka Streams application keeps its own processing (here: forwarding the alerts it wants scored to a topic of its
 * own) and adds merger scoring of that topic with one call, on the embedded default model. Public API of the plugin
 * only.
 */
public final class EmbeddingExample {
    private EmbeddingExample() {
    }

    /**
     * @param bootstrap Kafka bootstrap servers
     * @return the broker application's settings, validated
     */
    public static DeepMergeStreamsConfig config(String bootstrap) {
        DeepMergeStreamsConfig config = new DeepMergeStreamsConfig(Map.of(
                "bootstrap.servers", bootstrap, "application.id", "my-broker",
                "deepmerge.input.topic", "ztf-to-score", "deepmerge.output.topic", "ztf-merger-scores",
                "deepmerge.dlq.topic", "ztf-merger-dead-letters", "deepmerge.device", "cpu"));
        return config;
    }

    /**
     * @param config  the settings of {@link #config}
     * @param runtime the scoring runtime (model, batcher), one per process, closed by the caller at shutdown
     * @return the broker's topology: its own step, then the scorer on the topic that step writes
     */
    public static StreamsBuilder brokerStreams(DeepMergeStreamsConfig config, ScoringRuntime runtime) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("ztf-alerts", Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .filter((key, alert) -> alert.length < 1_000_000)               // the broker's own filter
                .to("ztf-to-score", Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        ScoringTopology.addTo(builder, config, runtime.dependencies(config, new SimpleMeterRegistry()));
        return builder;
    }

    /**
     * The whole example as the README shows it.
     *
     * @param bootstrap Kafka bootstrap servers
     * @return the started application and the runtime it scores with; close both (streams first)
     * @throws DeepMergeException when the default model cannot be opened
     */
    public static Running start(String bootstrap) throws DeepMergeException {
        DeepMergeStreamsConfig config = config(bootstrap);
        ScoringRuntime runtime = ScoringRuntime.open(config, ContractOverrides.none());
        StreamsBuilder builder = brokerStreams(config, runtime);
        KafkaStreams streams = new KafkaStreams(builder.build(), config.streamsProperties());
        streams.start();
        return new Running(streams, runtime);
    }

    /** A started example: close {@code streams}, then {@code runtime}. */
    public record Running(KafkaStreams streams, ScoringRuntime runtime) implements AutoCloseable {
        @Override
        public void close() {
            streams.close(java.time.Duration.ofSeconds(30));
            runtime.close();
        }
    }
}
