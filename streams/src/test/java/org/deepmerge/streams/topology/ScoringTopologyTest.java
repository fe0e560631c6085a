package org.deepmerge.streams.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.deepmerge.avro.v1.Cutout;
import org.deepmerge.avro.v1.CutoutBand;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.core.testing.TestData;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.runtime.ScoringRuntime;
import org.deepmerge.streams.serde.MergerScoreSerde;
import org.deepmerge.streams.testing.Alerts;
import org.deepmerge.streams.testing.TestModels;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scoring topology under {@link TopologyTestDriver}, with the real core pipeline, a real ONNX Runtime
 * session (a tiny model written in code) and the real alerts: micro-batching by size and by wall-clock wait,
 * dead letters with their headers, and score timestamps.
 */
class ScoringTopologyTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path tmp;

    private ScoringRuntime runtime;
    private TopologyTestDriver driver;
    private ScoringMetrics metrics;
    private DeepMergeStreamsConfig config;
    private TestInputTopic<byte[], byte[]> in;
    private TestOutputTopic<String, MergerScore> scores;
    private TestOutputTopic<byte[], byte[]> deadLetters;

    private void start(int maxBatch, long maxWaitMs, Map<String, Object> extra) throws Exception {
        Path model = TestModels.meanSigmoid(tmp.resolve("model.onnx"));
        Map<String, Object> props = new HashMap<>();
        props.put(DeepMergeStreamsConfig.MODEL_PATH, model.toString());
        props.put(DeepMergeStreamsConfig.DEVICE, "cpu");
        props.put(DeepMergeStreamsConfig.INFERENCE_THREADS, "1");
        props.put(DeepMergeStreamsConfig.MAX_BATCH_SIZE, Integer.toString(maxBatch));
        props.put(DeepMergeStreamsConfig.MAX_WAIT_MS, Long.toString(maxWaitMs));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, tmp.resolve("state").toString());
        props.putAll(extra);
        config = DeepMergeStreamsConfig.load(null, Map.of(), props);
        runtime = ScoringRuntime.open(config, ContractOverrides.none());
        metrics = new ScoringMetrics(new SimpleMeterRegistry());
        MergerScoreSerde serde = MergerScoreSerde.fromConfig(config);
        Properties sp = config.streamsProperties();
        driver = new TopologyTestDriver(ScoringTopology.build(config,
                new ScoringTopology.Dependencies(runtime.preparer(), runtime.scorer(), serde.serializer(), metrics)), sp, T0);
        in = driver.createInputTopic(config.inputTopic(), new ByteArraySerializer(), new ByteArraySerializer());
        scores = driver.createOutputTopic(config.outputTopic(), new StringDeserializer(), serde.deserializer());
        deadLetters = driver.createOutputTopic(config.dlqTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
        if (runtime != null) {
            runtime.close();
        }
    }

    private int buffered() {
        KeyValueStore<Long, byte[]> store = driver.getKeyValueStore(config.storeName());
        int n = 0;
        try (KeyValueIterator<Long, byte[]> it = store.all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }

    private static byte[] key(Path p) {
        return p.getFileName().toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void flushesWhenTheBatchIsFullAndKeepsInputTimestamps() throws Exception {
        start(4, 3_600_000L, Map.of());
        List<Path> files = Alerts.ztf().subList(0, 8);
        Map<String, Instant> inputTime = new HashMap<>();
        for (int i = 0; i < 3; i++) {
            Instant ts = T0.minusSeconds(1000 - i);
            byte[] value = Alerts.bytes(files.get(i));
            in.pipeInput(new TestRecord<>(key(files.get(i)), value, ts));
            inputTime.put(runtime.pipeline().prepare(value).alert().sourceId(), ts);
        }
        assertTrue(scores.isEmpty(), "3 < max.batch.size=4: nothing scored yet");
        assertEquals(3, buffered());
        for (int i = 3; i < 8; i++) {
            Instant ts = T0.minusSeconds(1000 - i);
            byte[] value = Alerts.bytes(files.get(i));
            in.pipeInput(new TestRecord<>(key(files.get(i)), value, ts));
            inputTime.put(runtime.pipeline().prepare(value).alert().sourceId(), ts);
        }
        List<TestRecord<String, MergerScore>> out = scores.readRecordsToList();
        assertEquals(8, out.size(), "two full micro-batches of 4");
        assertEquals(0, buffered(), "scored entries are deleted from the buffer");
        assertEquals(2, metrics.batches());
        assertEquals(4.0, metrics.maxBatch());
        for (TestRecord<String, MergerScore> r : out) {
            assertEquals(r.key(), r.value().getSourceId());
            assertEquals(inputTime.get(r.key()), r.getRecordTime(), "score carries its input's timestamp");
            assertEquals(inputTime.get(r.key()), r.value().getIngestTimestamp());
            assertEquals("ZTF", r.value().getSurvey());
            assertEquals(runtime.identity().sha256(), r.value().getModelSha256());
            float[] image = runtime.pipeline().prepare(Alerts.bytes(files.stream()
                    .filter(f -> f.getFileName().toString().contains(r.key())).findFirst().orElseThrow())).image();
            assertEquals(TestModels.expected(image), r.value().getPMerger(), 1e-4, "p(merger) of " + r.key());
        }
        assertTrue(deadLetters.isEmpty());
        System.out.printf("changelog value bytes per buffered alert (ZTF, [1,75,75] float32 shuffled+deflated): mean %.0f"
                + " (raw float32 image alone: %d)%n", metrics.meanEntryBytes(), TestModels.SIZE * TestModels.SIZE * 4);
    }

    @Test
    void flushesWhenTheOldestEntryHasWaitedMaxWait() throws Exception {
        start(64, 1000L, Map.of());
        List<Path> files = Alerts.rubin().subList(0, 3);
        for (Path f : files) {
            in.pipeInput(key(f), Alerts.bytes(f));
        }
        driver.advanceWallClockTime(Duration.ofMillis(500));
        assertTrue(scores.isEmpty(), "oldest entry is 500 ms old < max.wait.ms=1000");
        assertEquals(3, buffered());
        driver.advanceWallClockTime(Duration.ofMillis(600));
        List<TestRecord<String, MergerScore>> out = scores.readRecordsToList();
        assertEquals(3, out.size(), "flushed by wall-clock punctuation");
        assertEquals(0, buffered());
        for (TestRecord<String, MergerScore> r : out) {
            assertEquals("LSST", r.value().getSurvey());
            assertEquals(r.key(), r.value().getSourceId());
        }
        driver.advanceWallClockTime(Duration.ofMillis(5000));
        assertTrue(scores.isEmpty(), "nothing scored twice");
    }

    @Test
    void badInputGoesToTheDeadLetterTopicWithOriginalBytesAndReasonHeaders() throws Exception {
        start(2, 3_600_000L, Map.of());
        byte[] garbage = "this is not an alert".getBytes(StandardCharsets.UTF_8);
        byte[] unknownSchema = ByteBuffer.allocate(5 + 16).put((byte) 0).putInt(9999).put(new byte[16]).array();
        byte[] nullCutout = withNullCutout(Alerts.bytes(Alerts.rubin().get(0)), "cutoutTemplate");
        byte[] jpeg = jpegCutout();
        List<byte[]> bad = List.of(garbage, unknownSchema, nullCutout, jpeg);
        List<String> reasons = List.of("UNKNOWN_FORMAT", "UNKNOWN_SCHEMA", "MISSING_CUTOUT", "NOT_FITS");
        RecordHeaders original = new RecordHeaders();
        original.add("producer", "test".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < bad.size(); i++) {
            in.pipeInput(new TestRecord<>(("bad-" + i).getBytes(StandardCharsets.UTF_8), bad.get(i), original, T0));
        }
        Path good = Alerts.ztf().get(0);
        in.pipeInput(key(good), Alerts.bytes(good));
        in.pipeInput(key(good), (byte[]) null);
        List<TestRecord<byte[], byte[]>> dl = deadLetters.readRecordsToList();
        assertEquals(5, dl.size());
        for (int i = 0; i < bad.size(); i++) {
            TestRecord<byte[], byte[]> r = dl.get(i);
            assertArrayEquals(("bad-" + i).getBytes(StandardCharsets.UTF_8), r.key(), "original key");
            assertArrayEquals(bad.get(i), r.value(), "original value bytes");
            assertEquals(reasons.get(i), DeadLetters.get(r.headers(), DeadLetters.REASON));
            assertEquals(DeepMergeException.class.getName(), DeadLetters.get(r.headers(), DeadLetters.EXCEPTION_CLASS));
            assertFalse(DeadLetters.get(r.headers(), DeadLetters.ERROR_MESSAGE).isBlank());
            assertEquals(config.inputTopic(), DeadLetters.get(r.headers(), DeadLetters.SOURCE_TOPIC));
            assertEquals("0", DeadLetters.get(r.headers(), DeadLetters.SOURCE_PARTITION));
            assertEquals(Integer.toString(i), DeadLetters.get(r.headers(), DeadLetters.SOURCE_OFFSET));
            assertEquals("test", DeadLetters.get(r.headers(), "producer"), "original headers kept");
            assertEquals(T0, r.getRecordTime());
        }
        TestRecord<byte[], byte[]> tomb = dl.get(4);
        assertEquals(DeadLetters.NULL_VALUE, DeadLetters.get(tomb.headers(), DeadLetters.REASON));
        assertEquals("5", DeadLetters.get(tomb.headers(), DeadLetters.SOURCE_OFFSET));
        assertEquals(1, buffered(), "the good alert waits in the buffer; bad ones never enter it");
        driver.advanceWallClockTime(Duration.ofHours(2));
        assertEquals(1, scores.readRecordsToList().size());
    }

    /** Rewrites an Avro container alert with one (nullable) cutout field set to null. */
    static byte[] withNullCutout(byte[] container, String field) throws Exception {
        try (DataFileStream<GenericRecord> s = new DataFileStream<>(new java.io.ByteArrayInputStream(container),
                new GenericDatumReader<>())) {
            GenericRecord r = s.next();
            assertNotNull(r.getSchema().getField(field), field);
            r.put(field, null);
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            try (DataFileWriter<GenericRecord> w = new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(r.getSchema()))) {
                w.create(r.getSchema(), bos);
                w.append(r);
            }
            return bos.toByteArray();
        }
    }

    /** A DeepMerge Cutout record (single-object encoding) whose stamp is a real SDSS JPEG, not FITS. */
    static byte[] jpegCutout() throws Exception {
        Path images = TestData.require("galaxies/gz1/images");
        Path jpeg;
        try (var s = Files.list(images)) {
            jpeg = s.filter(p -> p.toString().endsWith(".jpeg")).sorted().findFirst().orElseThrow();
        }
        Cutout c = Cutout.newBuilder().setSourceId("jpeg-1").setObjectId(null).setSurvey("SDSS").setRa(10).setDec(20)
                .setEpochMjd(null)
                .setBands(new ArrayList<>(List.of(CutoutBand.newBuilder().setBand("r").setKind("science")
                        .setPixelScaleArcsec(0.396).setStampData(ByteBuffer.wrap(Files.readAllBytes(jpeg))).build())))
                .build();
        ByteBuffer bb = c.toByteBuffer();
        byte[] out = new byte[bb.remaining()];
        bb.get(out);
        return out;
    }
}
