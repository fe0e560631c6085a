package org.deepmerge.app.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.deepmerge.core.testing.TestData;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.runtime.ScoringRuntime;
import org.deepmerge.streams.serde.MergerScoreSerde;
import org.deepmerge.streams.testing.Alerts;
import org.deepmerge.streams.testing.TestModels;
import org.deepmerge.streams.topology.ScoringMetrics;
import org.deepmerge.streams.topology.ScoringTopology;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Throughput of the whole streaming path (KRaft broker in-JVM, exactly_once_v2, 2 stream threads) on the real
 * alerts, repeated; not part of CI. Run:
 * {@code mvn -B -o -pl streams -am test -Dtest=ThroughputBenchmarkIT -Dsurefire.failIfNoSpecifiedTests=false
 * -Ddeepmerge.bench=true [-Ddeepmerge.bench.model=tiny|da] [-Ddeepmerge.bench.repeat=4]
 * [-Ddeepmerge.bench.maxWaitMs=50] [-Ddeepmerge.bench.maxBatch=64]}.
 * {@code da} is the third-party DeepMerge domain-adaptation export (fixed batch 256, 3 channels, logits output 52).
 */
@EnabledIfSystemProperty(named = "deepmerge.bench", matches = "true")
class ThroughputBenchmarkIT {

    @TempDir
    Path tmp;

    @Test
    @SuppressWarnings("try") // KafkaClusterTestKit.close() declares InterruptedException
    void alertsPerSecond() throws Exception {
        int repeat = Integer.getInteger("deepmerge.bench.repeat", 4);
        String which = System.getProperty("deepmerge.bench.model", "tiny");
        Map<String, Object> props = new HashMap<>();
        if (which.equals("da")) {
            props.put(DeepMergeStreamsConfig.MODEL_PATH,
                    TestData.require("models/deepmerge-da-pytorch-untrained.onnx").toString());
            props.put(DeepMergeStreamsConfig.MODEL_CHANNELS, "g,r,i");
            props.put(DeepMergeStreamsConfig.MODEL_OUTPUT_NAME, "52");
            props.put(DeepMergeStreamsConfig.MODEL_OUTPUT_KIND, "logits");
            props.put(DeepMergeStreamsConfig.MODEL_CLASSES, "non-merger,merger");
            props.put(DeepMergeStreamsConfig.MODEL_MERGER_CLASS, "merger");
            props.put(DeepMergeStreamsConfig.MODEL_PIXEL_SCALE, "0.1875");
            props.put(DeepMergeStreamsConfig.MODEL_RESAMPLE, "angular");
        } else {
            props.put(DeepMergeStreamsConfig.MODEL_PATH, TestModels.meanSigmoid(tmp.resolve("m.onnx")).toString());
        }
        List<byte[]> alerts = new ArrayList<>();
        Alerts.ztf().forEach(p -> alerts.add(Alerts.bytes(p)));
        Alerts.rubin().forEach(p -> alerts.add(Alerts.bytes(p)));
        try (KafkaClusterTestKit cluster = ScoringIntegrationIT.startCluster()) {
            String bootstrap = cluster.bootstrapServers();
            props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "deepmerge-bench");
            props.put(StreamsConfig.STATE_DIR_CONFIG, tmp.resolve("state").toString());
            props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "2");
            props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
            props.put(DeepMergeStreamsConfig.DEVICE, "cpu");
            props.put(DeepMergeStreamsConfig.MAX_WAIT_MS, System.getProperty("deepmerge.bench.maxWaitMs", "50"));
            props.put(DeepMergeStreamsConfig.MAX_BATCH_SIZE, System.getProperty("deepmerge.bench.maxBatch", "64"));
            DeepMergeStreamsConfig config = DeepMergeStreamsConfig.load(null, Map.of(), props);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic(config.inputTopic(), 2, (short) 1),
                        new NewTopic(config.outputTopic(), 1, (short) 1), new NewTopic(config.dlqTopic(), 1, (short) 1)))
                        .all().get();
            }
            int total = alerts.size() * repeat;
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < total; i++) {
                    producer.send(new ProducerRecord<>(config.inputTopic(), Integer.toString(i).getBytes(StandardCharsets.UTF_8),
                            alerts.get(i % alerts.size())));
                }
            }
            ScoringMetrics metrics = new ScoringMetrics(new SimpleMeterRegistry());
            try (ScoringRuntime runtime = ScoringRuntime.open(config, config.contractOverrides());
                 KafkaStreams streams = new KafkaStreams(ScoringTopology.build(config, new ScoringTopology.Dependencies(
                         runtime.preparer(), runtime.scorer(), MergerScoreSerde.fromConfig(config).serializer(), metrics)),
                         config.streamsProperties());
                 KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(ScoringIntegrationIT.consumerProps(bootstrap),
                         new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                ScoringIntegrationIT.assignFromStart(consumer, List.of(config.outputTopic(), config.dlqTopic()));
                long t0 = System.nanoTime();
                streams.start();
                int read = 0;
                long first = -1;
                long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
                while (read < total && System.nanoTime() < deadline) {
                    int n = consumer.poll(Duration.ofMillis(200)).count();
                    if (n > 0 && first < 0) {
                        first = System.nanoTime();
                    }
                    read += n;
                }
                long end = System.nanoTime();
                System.out.printf("benchmark model=%s max.batch.size=%d max.wait.ms=%d: %d alerts (%d distinct) scored or dead-lettered in %.1f s from start"
                                + " (%.0f alerts/s); steady state after the first committed output: %.0f alerts/s;"
                                + " %d micro-batches, %d ONNX Runtime runs (mean %.1f images/run)%n",
                        which, config.maxBatchSize(), config.maxWaitMs(), read, alerts.size(), (end - t0) / 1e9, read / ((end - t0) / 1e9),
                        read / ((end - first) / 1e9), metrics.batches(), runtime.batcher().batchesRun(),
                        runtime.batcher().imagesScored() / (double) Math.max(1, runtime.batcher().batchesRun()));
                assertEquals(total, read);
                streams.close(Duration.ofSeconds(30));
            }
        }
    }
}
