package org.deepmerge.streams.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.deepmerge.avro.v1.Cutout;
import org.deepmerge.avro.v1.CutoutBand;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.avro.v1.MorphologyStatistics;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.alert.CutoutRecords;
import org.deepmerge.core.fits.StampEncoder;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.core.pipeline.MergerScores;
import org.deepmerge.core.pipeline.PreparedImage;
import org.deepmerge.core.testing.TestData;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.runtime.ScoringRuntime;
import org.deepmerge.streams.serde.MergerScoreSerde;
import org.deepmerge.streams.testing.Alerts;
import org.deepmerge.streams.testing.DriverConfigs;
import org.deepmerge.streams.testing.TestModels;
import org.deepmerge.streams.testing.TestRegistry;
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
        start(TestModels.meanSigmoid(tmp.resolve("model.onnx")), maxBatch, maxWaitMs, extra);
    }

    private void start(Path model, int maxBatch, long maxWaitMs, Map<String, Object> extra) throws Exception {
        // these tests are about buffering and batching of real alerts, many of which the gate keeps from the model
        // under the test model's contract; gateKeepsNotApplicableAlertsOutOfTheBufferAndPublishesThemAtOnce turns it on
        Map<String, Object> props = new HashMap<>(Map.of(DeepMergeStreamsConfig.GATE_ENABLED, "false"));
        props.putAll(extra);
        config = DriverConfigs.of(tmp, model, maxBatch, maxWaitMs, props);
        runtime = ScoringRuntime.open(config, ContractOverrides.none());
        metrics = new ScoringMetrics(new SimpleMeterRegistry());
        MergerScoreSerde serde = MergerScoreSerde.fromConfig(config);
        Properties sp = config.streamsProperties();
        driver = new TopologyTestDriver(ScoringTopology.build(config,
                new ScoringTopology.Dependencies(runtime.preparer(), runtime.scorer(), serde.serializer(), metrics,
                        runtime.alertPreparer())), sp, T0);
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
    void gateKeepsNotApplicableAlertsOutOfTheBufferAndPublishesThemAtOnce() throws Exception {
        start(100, 3_600_000L, Map.of(DeepMergeStreamsConfig.GATE_ENABLED, "true"));
        int buffered = 0;
        int notApplicable = 0;
        for (Path f : Alerts.ztf()) {
            byte[] value = Alerts.bytes(f);
            boolean applicable = runtime.pipeline().prepare(value).applicable();
            in.pipeInput(new TestRecord<>(key(f), value, T0));
            if (applicable) {
                buffered++;
            } else {
                notApplicable++;
            }
            assertEquals(buffered, buffered(), f + ": only applicable alerts enter the buffer");
            assertEquals(notApplicable, scores.getQueueSize(), "not-applicable records are published at once");
        }
        assertTrue(notApplicable >= 22, "at least the 22 alerts on PS1 stars");
        assertEquals(notApplicable, metrics.notApplicableCount());
        for (TestRecord<String, MergerScore> r : scores.readRecordsToList()) {
            MergerScore s = r.value();
            assertEquals(false, s.getApplicable());
            assertEquals(null, s.getPMerger());
            assertEquals(null, s.getLogit());
            assertTrue(s.getReason() != null && !s.getReason().isBlank());
            assertTrue(s.getClassifications().isEmpty());
            assertEquals(runtime.pipeline().contract().modelName(), s.getModelName());
            assertEquals(64, s.getModelSha256().length(), "the model's SHA-256");
        }
        assertTrue(deadLetters.isEmpty());
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
        assertEquals(3.0, metrics.registry().get("deepmerge.buffer.images").gauge().value(), "the buffer gauge");
        assertEquals(3, metrics.alertsInCount());
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
        assertEquals(8, metrics.alertsInCount());
        assertEquals(0.0, metrics.registry().get("deepmerge.buffer.images").gauge().value());
        for (TestRecord<String, MergerScore> r : out) {
            assertEquals(r.key(), r.value().getSourceId());
            assertEquals(inputTime.get(r.key()), r.getRecordTime(), "score carries its input's timestamp");
            assertEquals(inputTime.get(r.key()), r.value().getIngestTimestamp());
            assertEquals("ZTF", r.value().getSurvey());
            assertEquals(runtime.identity().sha256(), r.value().getModelSha256());
            float[] image = runtime.pipeline().prepare(Alerts.bytes(files.stream()
                    .filter(f -> f.getFileName().toString().contains(r.key())).findFirst().orElseThrow())).image();
            assertEquals(TestModels.expected(image), r.value().getPMerger(), 1e-4, "p(merger) of " + r.key());
            assertNull(r.value().getMorphology(), "deepmerge.morphology is off by default");
        }
        assertTrue(deadLetters.isEmpty());
        System.out.printf("changelog value bytes per buffered alert (ZTF, [1,75,75] float32 shuffled+deflated): mean %.0f"
                + " (raw float32 image alone: %d)%n", metrics.meanEntryBytes(), TestModels.SIZE * TestModels.SIZE * 4);
    }

    @Test
    void morphologyTravelsInTheBufferEntryAndReachesEveryScore() throws Exception {
        start(1000, 1000L, Map.of(DeepMergeStreamsConfig.GATE_ENABLED, "true", DeepMergeStreamsConfig.MORPHOLOGY, "true"));
        Map<String, MorphologyStatistics> expected = new HashMap<>();
        List<Path> files = new ArrayList<>(Alerts.ztf());
        files.addAll(Alerts.rubin());
        for (Path f : files) {
            byte[] value = Alerts.bytes(f);
            PreparedImage p = runtime.pipeline().prepare(value);
            assertNotNull(p.morphology(), "the runtime's pipeline measures: " + f);
            expected.put(p.alert().sourceId(), MergerScores.statistics(p.morphology()));
            in.pipeInput(new TestRecord<>(key(f), value, T0));
        }
        int buffered = 0;
        try (KeyValueIterator<Long, byte[]> it = driver.<Long, byte[]>getKeyValueStore(config.storeName()).all()) {
            while (it.hasNext()) {
                PreparedInput entry = PendingImage.decode(it.next().value).input();
                assertEquals(expected.get(entry.sourceId()), MergerScores.statistics(entry.morphology()),
                        "the changelogged entry carries the morphology, not a second image: " + entry.sourceId());
                buffered++;
            }
        }
        assertTrue(buffered > 0 && buffered < files.size(), "applicable alerts wait, the others are published: "
                + buffered);
        driver.advanceWallClockTime(Duration.ofMillis(1500));
        List<MergerScore> out = scores.readValuesToList();
        assertEquals(files.size(), out.size());
        for (MergerScore s : out) {
            assertNotNull(s.getMorphology(), s.getSourceId());
            assertEquals(expected.get(s.getSourceId()), s.getMorphology(), s.getSourceId());
        }
        assertTrue(deadLetters.isEmpty());
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
    void aBufferEntryThatIsNotWhatTheProcessorWroteIsScoredFromTheStore() throws Exception {
        start(64, 1000L, Map.of());
        Path first = Alerts.ztf().get(0);
        Path other = Alerts.ztf().get(1);
        in.pipeInput(key(first), Alerts.bytes(first));
        KeyValueStore<Long, byte[]> store = driver.getKeyValueStore(config.storeName());
        long seq;
        try (KeyValueIterator<Long, byte[]> it = store.all()) {
            seq = it.next().key;
        }
        PreparedInput replacement = runtime.preparer().prepare(Alerts.bytes(other));
        store.put(seq, new PendingImage(replacement, T0.toEpochMilli(), T0.toEpochMilli()).encode());
        driver.advanceWallClockTime(Duration.ofMillis(1100));
        List<TestRecord<String, MergerScore>> out = scores.readRecordsToList();
        assertEquals(1, out.size());
        assertEquals(replacement.sourceId(), out.get(0).value().getSourceId(), "the store is the buffer of record");
        assertEquals(TestModels.expected(replacement.image()), out.get(0).value().getPMerger(), 1e-4);
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

    /** The first real ZTF alerts the pipeline prepares (gate off), in name order. */
    private List<Path> scorableZtf(int n) {
        List<Path> out = new ArrayList<>();
        for (Path f : Alerts.ztf()) {
            try {
                runtime.pipeline().prepare(Alerts.bytes(f));
                out.add(f);
            } catch (DeepMergeException e) {
                continue;
            }
            if (out.size() == n) {
                break;
            }
        }
        return out;
    }

    @Test
    void aValidAlertWithA70000CharacterObjectIdIsADeadLetterAndThePartitionMovesOn() throws Exception {
        start(3, 3_600_000L, Map.of());
        List<Path> valid = scorableZtf(10);
        byte[] poison = org.deepmerge.streams.testing.PoisonAlerts.withObjectId(Alerts.bytes(valid.get(0)),
                "ZTF" + "x".repeat(70_000));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < valid.size(); i++) {
            if (i == 4) {
                in.pipeInput(new TestRecord<>("poison".getBytes(StandardCharsets.UTF_8), poison, T0));
            }
            byte[] v = Alerts.bytes(valid.get(i));
            ids.add(runtime.pipeline().prepare(v).alert().sourceId());
            in.pipeInput(new TestRecord<>(key(valid.get(i)), v, T0));
        }
        driver.advanceWallClockTime(Duration.ofHours(2));
        List<String> scored = scores.readRecordsToList().stream().map(TestRecord::key).sorted().toList();
        assertEquals(ids.stream().sorted().toList(), scored, "every valid alert scored exactly once");
        List<TestRecord<byte[], byte[]>> dl = deadLetters.readRecordsToList();
        assertEquals(1, dl.size());
        assertEquals(DeepMergeException.Reason.FIELD_TOO_LONG.name(), DeadLetters.get(dl.get(0).headers(), DeadLetters.REASON));
        assertTrue(DeadLetters.get(dl.get(0).headers(), DeadLetters.ERROR_MESSAGE).contains("objectId"));
        assertEquals("4", DeadLetters.get(dl.get(0).headers(), DeadLetters.SOURCE_OFFSET));
        assertArrayEquals(poison, dl.get(0).value(), "below the dead-letter size limit: the original bytes");
        assertEquals(0, buffered());
    }

    @Test
    void aDeadLetterAboveTheSizeLimitCarriesAPrefixFlaggedTruncated() throws Exception {
        start(2, 3_600_000L, Map.of(DeepMergeStreamsConfig.DLQ_MAX_VALUE_BYTES, "1000"));
        byte[] big = org.deepmerge.streams.testing.PoisonAlerts.garbage(1_048_300);
        byte[] small = org.deepmerge.streams.testing.PoisonAlerts.garbage(1000);
        RecordHeaders original = new RecordHeaders();
        original.add("producer", "test".getBytes(StandardCharsets.UTF_8));
        in.pipeInput(new TestRecord<>("big".getBytes(StandardCharsets.UTF_8), big, original, T0));
        in.pipeInput(new TestRecord<>("small".getBytes(StandardCharsets.UTF_8), small, original, T0));
        List<TestRecord<byte[], byte[]>> dl = deadLetters.readRecordsToList();
        assertEquals(2, dl.size());
        TestRecord<byte[], byte[]> r = dl.get(0);
        assertArrayEquals(java.util.Arrays.copyOf(big, 1000), r.value(), "the first 1000 bytes");
        assertEquals("1048300", DeadLetters.get(r.headers(), DeadLetters.VALUE_TRUNCATED), "the original size");
        assertEquals("UNKNOWN_FORMAT", DeadLetters.get(r.headers(), DeadLetters.REASON));
        assertEquals("0", DeadLetters.get(r.headers(), DeadLetters.SOURCE_OFFSET));
        assertEquals(config.inputTopic(), DeadLetters.get(r.headers(), DeadLetters.SOURCE_TOPIC));
        assertEquals("test", DeadLetters.get(r.headers(), "producer"), "original headers kept");
        assertArrayEquals("big".getBytes(StandardCharsets.UTF_8), r.key());
        assertArrayEquals(small, dl.get(1).value(), "at the limit: whole");
        assertEquals(null, DeadLetters.get(dl.get(1).headers(), DeadLetters.VALUE_TRUNCATED));
    }

    @Test
    void nanModelOutputIsADeadLetterNotAScore() throws Exception {
        start(TestModels.meanSigmoid(tmp.resolve("nan.onnx"), Float.NaN, "nan"), 3, 3_600_000L, Map.of());
        List<Path> valid = scorableZtf(4);
        for (Path f : valid) {
            in.pipeInput(new TestRecord<>(key(f), Alerts.bytes(f), T0));
        }
        driver.advanceWallClockTime(Duration.ofHours(2));
        assertTrue(scores.isEmpty(), "a NaN p(merger) is not a score");
        List<TestRecord<byte[], byte[]>> dl = deadLetters.readRecordsToList();
        assertEquals(4, dl.size());
        for (int i = 0; i < dl.size(); i++) {
            TestRecord<byte[], byte[]> r = dl.get(i);
            assertEquals(DeepMergeException.Reason.MODEL_OUTPUT_INVALID.name(), DeadLetters.get(r.headers(), DeadLetters.REASON));
            assertTrue(DeadLetters.get(r.headers(), DeadLetters.ERROR_MESSAGE).contains("NaN"),
                    DeadLetters.get(r.headers(), DeadLetters.ERROR_MESSAGE));
            assertEquals(config.inputTopic(), DeadLetters.get(r.headers(), DeadLetters.SOURCE_TOPIC));
            assertEquals(Integer.toString(i), DeadLetters.get(r.headers(), DeadLetters.SOURCE_OFFSET));
            assertEquals(runtime.pipeline().prepare(Alerts.bytes(valid.get(i))).alert().sourceId(),
                    new String(r.key(), StandardCharsets.UTF_8), "keyed by source id");
        }
        assertEquals(0, metrics.scoredCount(), "not counted as scored");
        assertEquals(0, buffered());
    }

    private int assembling() {
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(ScoringTopology.assemblyStoreName(config));
        int n = 0;
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }

    private List<PendingImage> bufferedImages() {
        KeyValueStore<Long, byte[]> store = driver.getKeyValueStore(config.storeName());
        List<PendingImage> out = new ArrayList<>();
        try (KeyValueIterator<Long, byte[]> it = store.all()) {
            while (it.hasNext()) {
                out.add(PendingImage.decode(it.next().value));
            }
        }
        return out;
    }

    /** A 2-channel g,r model and the assemble policy. */
    private void startAssemble(int maxBatch, long maxWaitMs, long timeoutMs) throws Exception {
        Path model = TestModels.meanSigmoid(tmp.resolve("gr.onnx"), TestModels.SCALE, "1", List.of("g", "r"));
        start(model, maxBatch, maxWaitMs, Map.of(DeepMergeStreamsConfig.CHANNEL_POLICY, "assemble",
                DeepMergeStreamsConfig.ASSEMBLE_TIMEOUT_MS, Long.toString(timeoutMs)));
    }

    /** A 3-channel g,r,i model and the assemble policy with extra settings. */
    private void startAssembleGri(int maxBatch, long maxWaitMs, long timeoutMs, Map<String, Object> extra)
            throws Exception {
        Path model = TestModels.meanSigmoid(tmp.resolve("gri.onnx"), TestModels.SCALE, "1", List.of("g", "r", "i"));
        Map<String, Object> props = new HashMap<>(extra);
        props.put(DeepMergeStreamsConfig.CHANNEL_POLICY, "assemble");
        props.put(DeepMergeStreamsConfig.ASSEMBLE_TIMEOUT_MS, Long.toString(timeoutMs));
        start(model, maxBatch, maxWaitMs, props);
    }

    /**
     * Issue 19: a steady stream of one object's g and r stamps (a ZTF-like object that never gets an i stamp) used to
     * reset its timeout with every newer stamp, so it was never scored. The timeout counts from its first stamp.
     */
    @Test
    void assembleSteadyStreamIsScoredOnceByTheFirstStampDeadline() throws Exception {
        startAssembleGri(1, 1000L, 30_000L, Map.of());
        int sent = 0;
        for (int i = 0; i <= 12; i++) {
            String band = i % 2 == 0 ? "g" : "r";
            in.pipeInput(new TestRecord<>(("k" + i).getBytes(StandardCharsets.UTF_8),
                    oneBand("src-" + i, "obj-steady", band, 1 + i), T0.plusSeconds(5L * i)));
            sent++;
            driver.advanceWallClockTime(Duration.ofSeconds(5));
            if (i == 7) {
                // wall clock is now 40 s after the first stamp: deadline 30 s plus one punctuation interval (7.5 s)
                List<TestRecord<String, MergerScore>> out = scores.readRecordsToList();
                assertEquals(1, out.size(), "scored once by its first stamp's deadline, though stamps kept arriving");
                assertTrue(out.get(0).value().getIncomplete(), "no i stamp: incomplete");
                assertEquals("obj-steady", out.get(0).value().getObjectId());
                assertEquals("src-5", out.get(0).key(), "keyed as the latest alert before the deadline");
            }
        }
        assertEquals(13, sent);
        driver.advanceWallClockTime(Duration.ofHours(1));
        List<TestRecord<String, MergerScore>> rest = scores.readRecordsToList();
        // the punctuation runs every 7.5 s from T0: the first object (stamps at 0..25 s) closes at 30 s, the second
        // (first stamp at 30 s) at 60 s, the third (the alert at 60 s) at its own deadline, 90 s
        assertEquals(List.of("src-11", "src-12"), rest.stream().map(TestRecord::key).toList(),
                "each later object is scored once, by its own first stamp's deadline");
        assertEquals(0, assembling());
        assertTrue(deadLetters.isEmpty());
    }

    /** @return the deadline index's keys, in store order */
    private List<org.apache.kafka.common.utils.Bytes> deadlineIndex() {
        KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]> store =
                driver.getKeyValueStore(ScoringTopology.assemblyIndexStoreName(config));
        List<org.apache.kafka.common.utils.Bytes> keys = new ArrayList<>();
        try (KeyValueIterator<org.apache.kafka.common.utils.Bytes, byte[]> it = store.all()) {
            while (it.hasNext()) {
                keys.add(it.next().key);
            }
        }
        return keys;
    }

    /**
     * The timeout punctuation reads only the due objects from the deadline index (ordered by deadline), never the
     * whole store: after each punctuation the index holds exactly the objects not yet due, and the entries read so
     * far equal the objects closed.
     */
    @Test
    void assembleTimeoutReadsOnlyDueEntriesOfTheDeadlineIndex() throws Exception {
        startAssembleGri(64, 1000L, 20_000L, Map.of());
        for (int i = 0; i < 10; i++) {
            in.pipeInput(new TestRecord<>(("k" + i).getBytes(StandardCharsets.UTF_8),
                    oneBand("src-" + i, "obj-" + i, "g", 1 + i), T0.plusSeconds(i)));
            driver.advanceWallClockTime(Duration.ofSeconds(1));
        }
        assertEquals(10, deadlineIndex().size());
        assertEquals(0, metrics.assembleIndexReads(), "punctuations at 5 s and 10 s: nothing due (deadlines 20..29 s)");
        driver.advanceWallClockTime(Duration.ofSeconds(15)); // now 25 s: punctuations at 15, 20 and 25 s
        List<org.apache.kafka.common.utils.Bytes> left = deadlineIndex();
        assertEquals(4, left.size(), "objects first seen at 6..9 s are not due before 26..29 s");
        long now = T0.toEpochMilli() + 25_000L;
        for (org.apache.kafka.common.utils.Bytes k : left) {
            assertTrue(DeadlineIndex.deadline(k) > now, "only future deadlines left");
        }
        assertEquals("SIM/obj-6", DeadlineIndex.objectKey(left.get(0)), "ordered by deadline");
        assertEquals(6, metrics.assembleIndexReads(), "read exactly the 6 due entries, not the 10 in the store");
        assertEquals(4, assembling());
        driver.advanceWallClockTime(Duration.ofHours(1));
        driver.advanceWallClockTime(Duration.ofSeconds(2)); // the batch buffer's own punctuation flushes what they enqueued
        assertEquals(10, metrics.assembleIndexReads());
        assertEquals(10, scores.readRecordsToList().size(), "every object scored once, incomplete");
        assertEquals(0, assembling());
        assertTrue(deadlineIndex().isEmpty());
    }

    /**
     * Issue 19: the assembly store had no cap (3,000 single-band objects: 37 MB of changelog, no score). With a cap of
     * 100, no more than 100 objects are ever open, the objects closed by the cap are scored with what they have, and
     * every input ends scored or dead-lettered.
     */
    @Test
    void assembleCapsOpenObjectsAndClosesTheOldestScoredIncomplete() throws Exception {
        startAssembleGri(64, 1000L, 3_600_000L, Map.of(DeepMergeStreamsConfig.ASSEMBLE_MAX_OBJECTS, "100"));
        int n = 3000;
        for (int i = 0; i < n; i++) {
            in.pipeInput(new TestRecord<>(("k" + i).getBytes(StandardCharsets.UTF_8),
                    oneBand("src-" + i, "obj-" + i, i % 2 == 0 ? "g" : "r", 1 + i % 7), T0.plusMillis(i)));
            if (i % 10 == 0) {
                driver.advanceWallClockTime(Duration.ofMillis(10));
            }
            if (i % 250 == 0 || i == n - 1) {
                assertTrue(assembling() <= 100, "at most the cap open after input " + i + ": " + assembling());
                assertTrue(deadlineIndex().size() <= 100);
            }
        }
        assertEquals(100, assembling());
        assertEquals(100.0, metrics.registry().get("deepmerge.assembly.open.objects").gauge().value(), "the gauge");
        assertEquals(n - 100, metrics.assembleClosedCount("cap"));
        assertTrue(scores.readRecordsToList().stream().allMatch(r -> r.value().getIncomplete()));
        driver.advanceWallClockTime(Duration.ofHours(2));
        driver.advanceWallClockTime(Duration.ofSeconds(2)); // the batch buffer's own punctuation flushes what they enqueued
        assertEquals(100, metrics.assembleClosedCount("timeout"));
        assertEquals(0, assembling());
        assertTrue(deadlineIndex().isEmpty());
        assertTrue(deadLetters.isEmpty());
        assertEquals(n, metrics.scoredCount() + metrics.notApplicableCount(), "every input scored");
    }

    /**
     * A single-band Cutout record (single-object encoding) with a 75x75 science stamp at 1 arcsec/px whose pixels
     * depend on {@code seed}, so every band's stamp differs.
     */
    private static byte[] oneBand(String sourceId, String objectId, String band, int seed) {
        int n = TestModels.SIZE;
        float[] px = new float[n * n];
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                px[y * n + x] = seed * 10f + (seed % 2 == 0 ? x : y) + 0.5f * seed;
            }
        }
        byte[] fits = StampEncoder.encode(n, n, px, 1.0, 150.0, 2.0, false);
        return CutoutRecords.toSingleObject(CutoutRecords.cutout(sourceId, objectId, "SIM", 150.0, 2.0, 60000.0 + seed,
                List.of(CutoutRecords.band(band, "science", 1.0, fits))));
    }

    private static float[] channel(float[] image, int c) {
        int hw = TestModels.SIZE * TestModels.SIZE;
        return java.util.Arrays.copyOfRange(image, c * hw, (c + 1) * hw);
    }

    @Test
    void assembleDeadLettersOverLongStringsBeforeTheObjectStore() throws Exception {
        startAssemble(64, 1000L, 3_600_000L);
        // the assembly store (ObjectBands) also writes strings with writeUTF: long ones must never reach it
        in.pipeInput(new TestRecord<>("k-long".getBytes(StandardCharsets.UTF_8),
                oneBand("src-g", "o".repeat(70_000), "g", 1), T0));
        in.pipeInput(new TestRecord<>("k-band".getBytes(StandardCharsets.UTF_8),
                oneBand("src-b", "obj-2", "b".repeat(70_000), 1), T0));
        List<TestRecord<byte[], byte[]>> dl = deadLetters.readRecordsToList();
        assertEquals(2, dl.size());
        for (TestRecord<byte[], byte[]> r : dl) {
            assertEquals(DeepMergeException.Reason.FIELD_TOO_LONG.name(), DeadLetters.get(r.headers(), DeadLetters.REASON));
        }
        assertEquals(0, assembling());
        in.pipeInput(new TestRecord<>("k-g".getBytes(StandardCharsets.UTF_8), oneBand("src-g", "obj-1", "g", 1), T0));
        assertEquals(1, assembling(), "the partition moves on");
    }

    @Test
    void assembleScoresOnceWhenEveryModelBandIsPresentWithEachChannelFromItsBand() throws Exception {
        startAssemble(64, 1000L, 3_600_000L);
        byte[] g = oneBand("src-g", "obj-1", "g", 1);
        byte[] r = oneBand("src-r", "obj-1", "r", 2);
        Instant tg = T0.minusSeconds(100);
        Instant tr = T0.minusSeconds(50);
        in.pipeInput(new TestRecord<>("k-g".getBytes(StandardCharsets.UTF_8), g, tg));
        assertEquals(0, buffered(), "band g alone waits for band r");
        assertEquals(1, assembling());
        in.pipeInput(new TestRecord<>("k-r".getBytes(StandardCharsets.UTF_8), r, tr));
        List<PendingImage> pending = bufferedImages();
        assertEquals(1, pending.size(), "the r alert completes the object: one assembled image enqueued");
        PreparedInput assembled = pending.get(0).input();
        assertEquals("src-r", assembled.sourceId());
        assertEquals(List.of("g", "r"), assembled.bands());
        assertFalse(assembled.incomplete());
        float[] gAlone = runtime.pipeline().prepare(g).image();
        float[] rAlone = runtime.pipeline().prepare(r).image();
        assertArrayEquals(channel(gAlone, 0), channel(assembled.image(), 0), "channel g from the g stamp");
        assertArrayEquals(channel(rAlone, 1), channel(assembled.image(), 1), "channel r from the r stamp");
        assertFalse(java.util.Arrays.equals(channel(gAlone, 0), channel(rAlone, 1)), "the two bands differ");

        driver.advanceWallClockTime(Duration.ofMillis(1100));
        List<TestRecord<String, MergerScore>> out = scores.readRecordsToList();
        assertEquals(1, out.size(), "exactly one score, after the second band");
        MergerScore score = out.get(0).value();
        assertEquals("src-r", out.get(0).key());
        assertEquals("obj-1", score.getObjectId());
        assertEquals(List.of("g", "r"), score.getBands());
        assertFalse(score.getIncomplete());
        assertEquals(tr, out.get(0).getRecordTime(), "scored as the completing alert");
        assertEquals(TestModels.expected(assembled.image()), score.getPMerger(), 1e-4);
        driver.advanceWallClockTime(Duration.ofHours(2));
        assertTrue(scores.isEmpty(), "a scored object is evicted at the timeout without a second score");
        assertEquals(0, assembling());
        assertTrue(deadLetters.isEmpty());
    }

    @Test
    void assembleScoresALoneBandAtTheTimeoutFlaggedIncomplete() throws Exception {
        startAssemble(1, 1000L, 10_000L);
        byte[] g = oneBand("src-g", "obj-2", "g", 3);
        in.pipeInput(new TestRecord<>("k".getBytes(StandardCharsets.UTF_8), g, T0));
        driver.advanceWallClockTime(Duration.ofMillis(5000));
        assertTrue(scores.isEmpty(), "5 s < deepmerge.assemble.timeout.ms=10 s");
        assertEquals(1, assembling());
        driver.advanceWallClockTime(Duration.ofMillis(6000));
        List<TestRecord<String, MergerScore>> out = scores.readRecordsToList();
        assertEquals(1, out.size(), "scored with what is there at the timeout");
        MergerScore score = out.get(0).value();
        assertEquals("src-g", score.getSourceId());
        assertEquals(List.of("g", "g"), score.getBands(), "missing r channel replicated from g");
        assertTrue(score.getIncomplete());
        assertEquals(T0, out.get(0).getRecordTime());
        assertEquals(TestModels.expected(runtime.pipeline().prepare(g).image()), score.getPMerger(), 1e-4);
        assertEquals(0, assembling(), "removed after scoring");
        driver.advanceWallClockTime(Duration.ofHours(1));
        assertTrue(scores.isEmpty());
    }

    @Test
    void assembleScoresAnAlertWithoutObjectIdAloneAndDeadLettersBadInputAsBefore() throws Exception {
        startAssemble(1, 3_600_000L, 3_600_000L);
        in.pipeInput(new TestRecord<>("k".getBytes(StandardCharsets.UTF_8), oneBand("src-x", null, "r", 4), T0));
        List<TestRecord<String, MergerScore>> out = scores.readRecordsToList();
        assertEquals(1, out.size(), "no objectId: scored immediately");
        assertEquals("src-x", out.get(0).key());
        assertEquals(List.of("r", "r"), out.get(0).value().getBands());
        assertTrue(out.get(0).value().getIncomplete());
        assertEquals(0, assembling());

        byte[] garbage = "this is not an alert".getBytes(StandardCharsets.UTF_8);
        byte[] jpeg = jpegCutout();
        in.pipeInput(new TestRecord<>("bad-0".getBytes(StandardCharsets.UTF_8), garbage, T0));
        in.pipeInput(new TestRecord<>("bad-1".getBytes(StandardCharsets.UTF_8), jpeg, T0));
        in.pipeInput(new TestRecord<>("bad-2".getBytes(StandardCharsets.UTF_8), (byte[]) null, T0));
        List<TestRecord<byte[], byte[]>> dl = deadLetters.readRecordsToList();
        assertEquals(3, dl.size());
        assertEquals("UNKNOWN_FORMAT", DeadLetters.get(dl.get(0).headers(), DeadLetters.REASON));
        assertArrayEquals(garbage, dl.get(0).value(), "original value bytes");
        assertEquals("NOT_FITS", DeadLetters.get(dl.get(1).headers(), DeadLetters.REASON));
        assertArrayEquals(jpeg, dl.get(1).value());
        assertEquals(DeadLetters.NULL_VALUE, DeadLetters.get(dl.get(2).headers(), DeadLetters.REASON));
        assertEquals("2", DeadLetters.get(dl.get(1).headers(), DeadLetters.SOURCE_OFFSET));
        assertEquals(0, assembling(), "bad alerts never enter the assembly store");
        assertTrue(scores.isEmpty());
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

    /**
     * Registry failures dead-letter the alert with their own reason (UNKNOWN_SCHEMA only for an id the registry does
     * not have, IO_ERROR once the retries are spent, then at once from the negative cache) and the credentials, given in
     * the URL, appear in no dead-letter header.
     */
    @Test
    void registryFailuresDeadLetterWithTheirReasonAndNeverShowTheCredentials() throws Exception {
        String secret = "TopSecret-42";
        try (TestRegistry registry = TestRegistry.start()) {
            registry.requireBasicAuth("alice:" + secret);
            start(4, 3_600_000L, Map.of(
                    DeepMergeStreamsConfig.INPUT_REGISTRY_URL, registry.url().replace("://", "://alice:" + secret + "@"),
                    DeepMergeStreamsConfig.REGISTRY_MAX_ATTEMPTS, "2",
                    DeepMergeStreamsConfig.REGISTRY_RETRY_BACKOFF_MS, "1"));
            in.pipeInput(new TestRecord<>("a".getBytes(StandardCharsets.UTF_8), Alerts.rubinFakeAlertFramed(900), T0));
            in.pipeInput(new TestRecord<>("b".getBytes(StandardCharsets.UTF_8), Alerts.rubinFakeAlertFramed(903), T0));
            assertEquals(2, registry.requests(), "id 900 fetched with the credentials, 903 asked once (404)");
            registry.failWith(503);
            in.pipeInput(new TestRecord<>("c".getBytes(StandardCharsets.UTF_8), Alerts.rubinFakeAlertFramed(1000), T0));
            assertEquals(4, registry.requests(), "503 retried once");
            in.pipeInput(new TestRecord<>("d".getBytes(StandardCharsets.UTF_8), Alerts.rubinFakeAlertFramed(1000), T0));
            in.pipeInput(new TestRecord<>("e".getBytes(StandardCharsets.UTF_8), Alerts.rubinFakeAlertFramed(903), T0));
            in.pipeInput(new TestRecord<>("f".getBytes(StandardCharsets.UTF_8), Alerts.rubinFakeAlertFramed(900), T0));
            assertEquals(4, registry.requests(), "remembered failures and the cached schema ask nothing");

            List<TestRecord<byte[], byte[]>> dl = deadLetters.readRecordsToList();
            List<String> reasons = dl.stream().map(r -> DeadLetters.get(r.headers(), DeadLetters.REASON)).toList();
            assertEquals(List.of("MISSING_CUTOUT", "UNKNOWN_SCHEMA", "IO_ERROR", "IO_ERROR", "UNKNOWN_SCHEMA",
                    "MISSING_CUTOUT"), reasons);
            List<String> messages = dl.stream().map(r -> DeadLetters.get(r.headers(), DeadLetters.ERROR_MESSAGE)).toList();
            assertTrue(messages.get(2).contains("gave up after 2 attempts") && messages.get(2).contains("HTTP 503"),
                    messages.get(2));
            assertTrue(messages.get(3).startsWith("cached failure until "), messages.get(3));
            assertTrue(messages.get(4).startsWith("cached failure until "), messages.get(4));
            for (TestRecord<byte[], byte[]> r : dl) {
                r.headers().forEach(h -> assertFalse(new String(h.value(), StandardCharsets.UTF_8).contains(secret),
                        h.key() + ": " + new String(h.value(), StandardCharsets.UTF_8)));
            }
            assertTrue(messages.get(1).contains(registry.url() + "/schemas/ids/903"), messages.get(1));
        }
    }
}
