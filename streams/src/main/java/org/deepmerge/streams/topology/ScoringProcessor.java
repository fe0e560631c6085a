package org.deepmerge.streams.topology;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.deepmerge.avro.v1.Classification;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.model.ModelIdentity;
import org.deepmerge.core.pipeline.MergerScores;
import org.deepmerge.core.alert.FieldLimits;
import org.deepmerge.core.inference.Prediction;
import org.deepmerge.core.model.ModelContract;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scoring processor of one stream task: decode + preprocess each alert, buffer the image in a changelogged
 * store, flush micro-batches through the shared {@link BatchScorer}, forward one MergerScore per buffered
 * image, delete it from the buffer.
 *
 * <p>Loss-freedom: an alert's offset is committed once {@code process()} returned, so its image must already
 * be in the changelogged store then; the score is forwarded and the entry deleted in the same Kafka
 * transaction (exactly_once_v2), so after a crash either both happened or neither, and the restored store
 * still holds every unscored image.
 *
 * <p>Channel policy {@code assemble} ({@link Assembly}): a second changelogged store keeps, per object, the latest
 * stamp per model band ({@link ObjectBands}); an alert that completes the object's bands enqueues the image
 * assembled from them (keyed and timestamped as that alert), and a wall-clock punctuation enqueues, with missing
 * channels replicated, objects whose oldest stamp has waited the timeout and were never complete. Assembled
 * images go through the same batch buffer, micro-batching and forwarding as any other image.
 *
 * <p>The store is the buffer of record; the processor also keeps each image it enqueued as it was before encoding,
 * and scores that instead of decoding the store entry when the entry's bytes are still the ones it wrote (decoding
 * a 3x75x75 image, LZ4 and un-shuffling, was a tenth of the stream thread's time on real alerts). Entries restored
 * after a restart or a rebalance are decoded.
 *
 * <p>Outputs, to the sink {@link ScoringTopology#SINK_NAME}: scores with key = source id (UTF-8) and value = the
 * encoded MergerScore, timestamped with the input record's timestamp; dead letters with the original key, value and
 * headers plus {@link DeadLetters} headers. To the second sink {@link ScoringTopology#SHADOW_SINK_NAME}, while a shadow
 * model is set: one MergerScore naming the shadow model per buffered image it scored validly, from the same
 * micro-batch images, in the same transaction; a shadow failure only drops shadow records ({@link ShadowMetrics}).
 */
final class ScoringProcessor implements Processor<byte[], byte[], byte[], byte[]> {
    private static final Logger LOG = LoggerFactory.getLogger(ScoringProcessor.class);

    private final String storeName;
    private final ImagePreparer preparer;
    private final BatchScorer scorer;
    private final Serializer<MergerScore> scoreSerializer;
    private final String outputTopic;
    private final int maxBatchSize;
    private final long maxWaitMs;
    private final ScoringMetrics metrics;
    private final Assembly assembly;
    private final int maxDeadLetterValueBytes;
    private final Shadow shadow;

    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<Long, byte[]> buffer;
    private long nextSeq;
    private int count;
    private long oldestEnqueuedWall = Long.MAX_VALUE;
    private KeyValueStore<String, byte[]> assemblies;
    /** The assemble policy's deadline index ({@link DeadlineIndex}), one entry per open object. */
    private KeyValueStore<org.apache.kafka.common.utils.Bytes, byte[]> deadlines;
    /** Open objects of this task: entries of {@link #deadlines}. */
    private int openObjects;
    private boolean capWarned;
    /** This instance's own buffered images by store key, with the bytes written for them. */
    private final Map<Long, Written> written = new HashMap<>();
    /** Read by the gauges deepmerge.buffer.images and deepmerge.assembly.open.objects (from another thread: approximate). */
    private final java.util.function.IntSupplier bufferedGauge = () -> count;
    private final java.util.function.IntSupplier openObjectsGauge = () -> openObjects;

    /** An image this processor put into the buffer store, and the store value it wrote for it. */
    private record Written(byte[] encoded, PendingImage image) {
    }

    /**
     * Settings of the {@code assemble} channel policy.
     *
     * @param storeName      the changelogged store of {@link ObjectBands} keyed by {@code survey/objectId}
     * @param indexStoreName the changelogged deadline index ({@link DeadlineIndex})
     * @param preparer       decode and preprocess as separate steps
     * @param timeoutMs      how long (ms, wall clock) after its first stamp an object is due, whatever arrives later
     * @param maxObjects     most open objects per task (at least 1); a new object beyond it first evicts the
     *                       object with the earliest deadline, scored with what it has (as at its timeout)
     */
    record Assembly(String storeName, String indexStoreName, AlertPreparer preparer, long timeoutMs, int maxObjects) {
    }

    /**
     * Shadow scoring: the candidate that also scores every micro-batch, and the topic of its records.
     *
     * @param scorer the shadow scorer (no shadow set = it returns null)
     * @param topic  the shadow topic, for the serializer
     */
    record Shadow(ShadowScorer scorer, String topic) {
    }

    ScoringProcessor(String storeName, ImagePreparer preparer, BatchScorer scorer, Serializer<MergerScore> scoreSerializer,
                     String outputTopic, int maxBatchSize, long maxWaitMs, ScoringMetrics metrics, Assembly assembly,
                     int maxDeadLetterValueBytes, Shadow shadow) {
        this.shadow = shadow;
        this.maxDeadLetterValueBytes = maxDeadLetterValueBytes;
        this.assembly = assembly;
        this.storeName = storeName;
        this.preparer = preparer;
        this.scorer = scorer;
        this.scoreSerializer = scoreSerializer;
        this.outputTopic = outputTopic;
        this.maxBatchSize = maxBatchSize;
        this.maxWaitMs = maxWaitMs;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> ctx) {
        this.context = ctx;
        this.buffer = ctx.getStateStore(storeName);
        written.clear();
        count = 0;
        oldestEnqueuedWall = Long.MAX_VALUE;
        long maxSeq = -1;
        try (KeyValueIterator<Long, byte[]> it = buffer.all()) {
            while (it.hasNext()) {
                KeyValue<Long, byte[]> kv = it.next();
                maxSeq = Math.max(maxSeq, kv.key);
                count++;
                oldestEnqueuedWall = Math.min(oldestEnqueuedWall, PendingImage.decode(kv.value).enqueuedWallMs());
            }
        }
        nextSeq = maxSeq + 1;
        if (count > 0) {
            LOG.info("task {}: {} images restored into the batch buffer", ctx.taskId(), count);
        }
        long interval = Math.max(1, maxWaitMs / 4);
        ctx.schedule(Duration.ofMillis(interval), PunctuationType.WALL_CLOCK_TIME, this::onWallClock);
        if (assembly != null) {
            this.assemblies = ctx.getStateStore(assembly.storeName());
            this.deadlines = ctx.getStateStore(assembly.indexStoreName());
            capWarned = false;
            openObjects = countOrRebuildIndex();
            long every = Math.max(1, Math.min(assembly.timeoutMs() / 4, 60_000L));
            ctx.schedule(Duration.ofMillis(every), PunctuationType.WALL_CLOCK_TIME, this::onAssemblyTimeout);
        }
        metrics.register(bufferedGauge, assembly != null ? openObjectsGauge : null);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        metrics.received();
        if (assembly != null) {
            assemble(record);
            return;
        }
        PreparedInput prepared = decodeOrDeadLetter(record, value -> checkFieldLengths(preparer.prepare(value)));
        if (prepared != null) {
            enqueue(prepared, record.timestamp());
        }
    }

    /** One decoding step over a record value. */
    @FunctionalInterface
    private interface Decode<T> {
        T apply(byte[] value) throws DeepMergeException;
    }

    /**
     * Runs a decoding step on the record value. A null value (tombstone), a {@link DeepMergeException} or an
     * unexpected runtime error dead-letters the record with its reason instead.
     *
     * @return the step's result, or null when the record was dead-lettered
     */
    private <T> T decodeOrDeadLetter(Record<byte[], byte[]> record, Decode<T> step) {
        if (record.value() == null) {
            deadLetter(record, DeadLetters.NULL_VALUE, null, "record value is null (tombstone): nothing to score");
            return null;
        }
        try {
            return step.apply(record.value());
        } catch (DeepMergeException e) {
            deadLetter(record, e.reason().name(), e, e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("unexpected {} decoding a record; dead-lettered", e.getClass().getName(), e);
            deadLetter(record, DeadLetters.UNEXPECTED_ERROR, e, String.valueOf(e.getMessage()));
        }
        return null;
    }

    /**
     * Keeps over-long strings out of the buffer, the changelog and the score record: the Avro schemas bound no string,
     * and a 2 MB objectId would make the changelog entry and the score larger than a producer may send.
     *
     * @return {@code in}
     * @throws DeepMergeException FIELD_TOO_LONG naming the field and its size when a string the score record carries
     *                            is longer than {@link FieldLimits#MAX_FIELD_BYTES} UTF-8 bytes
     */
    static PreparedInput checkFieldLengths(PreparedInput in) throws DeepMergeException {
        FieldLimits.check("sourceId", in.sourceId());
        FieldLimits.check("objectId", in.objectId());
        FieldLimits.check("survey", in.survey());
        for (String b : in.bands()) {
            FieldLimits.check("band", b);
        }
        return in;
    }

    /** An alert decoded for the assemble policy and its image on its own. */
    private record Decoded(org.deepmerge.core.alert.Alert alert, PreparedInput alone) {
    }

    /**
     * The {@code assemble} policy: validate the alert on its own (bad input is dead-lettered exactly as under the
     * other policies), then merge its model-band stamps into its object's entry and enqueue the assembled image
     * once every model band is present. An alert without objectId, or without a stamp of any model band, is
     * enqueued alone (replicated channels).
     */
    private void assemble(Record<byte[], byte[]> record) {
        AlertPreparer ap = assembly.preparer();
        Decoded decoded = decodeOrDeadLetter(record, value -> {
            org.deepmerge.core.alert.Alert a = ap.read(value);
            return new Decoded(a, checkFieldLengths(ap.prepare(a)));
        });
        if (decoded == null) {
            return;
        }
        org.deepmerge.core.alert.Alert alert = decoded.alert();
        PreparedInput alone = decoded.alone();
        if (alert.objectId() == null) {
            enqueue(alone, record.timestamp());
            return;
        }
        String key = ObjectBands.key(alert.survey(), alert.objectId());
        byte[] stored = assemblies.get(key);
        List<String> channels = ap.channels();
        ObjectBands merged = ObjectBands.merge(stored == null ? null : ObjectBands.decode(stored), alert,
                ap.kindFor(alert.survey()), channels, record.timestamp(), context.currentSystemTimeMs());
        if (merged == null) {
            enqueue(alone, record.timestamp());
            return;
        }
        if (stored == null) {
            openObject(key, merged);
        }
        if (!merged.complete(channels)) {
            assemblies.put(key, merged.encode());
            return;
        }
        PreparedInput assembled;
        try {
            assembled = ap.prepare(merged.toAlert());
        } catch (DeepMergeException e) {
            deadLetter(record, e.reason().name(), e, "assembling object " + key + ": " + e.getMessage());
            return;
        }
        assemblies.put(key, merged.markScored().encode());
        enqueue(assembled, record.timestamp());
    }

    /**
     * Registers a new object in the deadline index. When the task already holds {@code maxObjects} open objects, the
     * ones with the earliest deadlines are closed first (scored with what they have, as at their timeout), so at
     * most {@code maxObjects} are ever open.
     */
    private void openObject(String key, ObjectBands entry) {
        while (openObjects >= assembly.maxObjects()) {
            org.apache.kafka.common.utils.Bytes oldest;
            try (KeyValueIterator<org.apache.kafka.common.utils.Bytes, byte[]> it = deadlines.all()) {
                if (!it.hasNext()) {
                    openObjects = 0;
                    break;
                }
                oldest = it.next().key;
            }
            if (!capWarned) {
                capWarned = true;
                LOG.warn("task {}: {} objects are assembling, the cap {}={}: the oldest objects are now scored early "
                                + "with what they have (incomplete); raise the cap or lower {} if this is routine",
                        context.taskId(), openObjects, org.deepmerge.streams.config.DeepMergeStreamsConfig.ASSEMBLE_MAX_OBJECTS,
                        assembly.maxObjects(), org.deepmerge.streams.config.DeepMergeStreamsConfig.ASSEMBLE_TIMEOUT_MS);
            }
            metrics.assembleClosed("cap");
            close(oldest);
        }
        deadlines.put(DeadlineIndex.key(entry.deadlineWallMs(assembly.timeoutMs()), key), DeadlineIndex.EMPTY);
        openObjects++;
    }

    /**
     * Closes every object whose deadline (first stamp + timeout) has passed: reads only the range of the deadline
     * index up to now, so the work is proportional to the number of due objects, not to the store size.
     */
    private void onAssemblyTimeout(long now) {
        List<org.apache.kafka.common.utils.Bytes> due = new ArrayList<>();
        try (KeyValueIterator<org.apache.kafka.common.utils.Bytes, byte[]> it =
                     deadlines.range(DeadlineIndex.from(), DeadlineIndex.upTo(now))) {
            while (it.hasNext()) {
                due.add(it.next().key);
            }
        }
        metrics.assembleIndexRead(due.size());
        for (org.apache.kafka.common.utils.Bytes k : due) {
            metrics.assembleClosed("timeout");
            close(k);
        }
    }

    /**
     * Removes one object from the assembly store and the deadline index, scoring it first, with the missing channels
     * replicated ({@code incomplete=true}), when no alert completed it.
     */
    private void close(org.apache.kafka.common.utils.Bytes indexKey) {
        String key = DeadlineIndex.objectKey(indexKey);
        byte[] stored = assemblies.get(key);
        deadlines.delete(indexKey);
        openObjects = Math.max(0, openObjects - 1);
        if (stored == null) {
            return;
        }
        ObjectBands entry = ObjectBands.decode(stored);
        if (!entry.scored()) {
            try {
                enqueue(assembly.preparer().prepare(entry.toAlert()), entry.recordTimestamp());
            } catch (DeepMergeException e) {
                LOG.warn("object {} closed but its stamps cannot be assembled ({}): dropped", key, e.getMessage());
            }
        }
        assemblies.delete(key);
    }

    /**
     * @return the number of entries of the deadline index; when it is empty but the assembly store is not (state
     *         written before the index existed), the index is first rebuilt from the store, once
     */
    private int countOrRebuildIndex() {
        int n = 0;
        try (KeyValueIterator<org.apache.kafka.common.utils.Bytes, byte[]> it = deadlines.all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        if (n > 0) {
            return n;
        }
        try (KeyValueIterator<String, byte[]> it = assemblies.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                long deadline = ObjectBands.decode(kv.value).deadlineWallMs(assembly.timeoutMs());
                deadlines.put(DeadlineIndex.key(deadline, kv.key), DeadlineIndex.EMPTY);
                n++;
            }
        }
        if (n > 0) {
            LOG.info("task {}: deadline index rebuilt for {} assembling objects", context.taskId(), n);
        }
        return n;
    }

    /**
     * Puts one image into the changelogged batch buffer; flushes when the micro-batch is full. A not-applicable input
     * (applicability gate) is not buffered and never reaches the model: its record ({@code applicable=false},
     * {@code pMerger} null, the reason) is forwarded at once, in the same transaction as the input's offset. It may
     * therefore overtake scores of earlier alerts still in the buffer; scores are keyed by source id, so no key's
     * order changes.
     */
    private void enqueue(PreparedInput prepared, long recordTimestamp) {
        long now = context.currentSystemTimeMs();
        if (!prepared.applicability().applicable()) {
            MergerScore score = MergerScores.notApplicable(prepared, new ModelIdentity(scorer.contract().modelName(),
                    scorer.contract().modelVersion(), scorer.modelSha256()), recordTimestamp, now);
            context.forward(new Record<>(prepared.sourceId().getBytes(StandardCharsets.UTF_8),
                    scoreSerializer.serialize(outputTopic, score), recordTimestamp), ScoringTopology.SINK_NAME);
            metrics.notApplicable(prepared.applicability().reason().name());
            return;
        }
        PendingImage.Source source = context.recordMetadata()
                .map(md -> new PendingImage.Source(md.topic(), md.partition(), md.offset()))
                .orElse(PendingImage.Source.UNKNOWN);
        PendingImage pending = new PendingImage(prepared, recordTimestamp, now, source);
        byte[] encoded = pending.encode();
        metrics.buffered(encoded.length);
        written.put(nextSeq, new Written(encoded, pending));
        buffer.put(nextSeq++, encoded);
        count++;
        oldestEnqueuedWall = Math.min(oldestEnqueuedWall, now);
        if (count >= maxBatchSize) {
            flush();
        }
    }

    @Override
    public void close() {
        written.clear();
        metrics.unregister(bufferedGauge, openObjectsGauge);
    }

    private void onWallClock(long now) {
        if (count > 0 && now - oldestEnqueuedWall >= maxWaitMs) {
            flush();
        }
    }

    /** Scores every buffered image, in micro-batches of at most maxBatchSize, in arrival order. */
    private void flush() {
        while (count > 0) {
            List<Long> keys = new ArrayList<>(Math.min(count, maxBatchSize));
            List<PendingImage> batch = new ArrayList<>(keys.size());
            try (KeyValueIterator<Long, byte[]> it = buffer.all()) {
                while (it.hasNext() && batch.size() < maxBatchSize) {
                    KeyValue<Long, byte[]> kv = it.next();
                    keys.add(kv.key);
                    Written own = written.remove(kv.key);
                    batch.add(own != null && Arrays.equals(own.encoded(), kv.value) ? own.image()
                            : PendingImage.decode(kv.value));
                }
            }
            if (batch.isEmpty()) {
                count = 0;
                break;
            }
            float[] images = images(batch);
            BatchScorer.ScoredBatch scored = score(images, batch.size());
            long scoredAt = context.currentSystemTimeMs();
            boolean[] liveScored = new boolean[batch.size()];
            ModelIdentity identity = new ModelIdentity(scored.contract().modelName(), scored.contract().modelVersion(),
                    scored.modelSha256());
            List<String> classNames = scored.contract().classNames();
            for (int i = 0; i < batch.size(); i++) {
                PendingImage p = batch.get(i);
                Prediction prediction = scored.predictions().get(i);
                try {
                    MergerScores.requireValidOutput(prediction, classNames, p.input().sourceId(), identity);
                } catch (DeepMergeException e) {
                    deadLetterAfterScoring(p, e);
                    continue;
                }
                MergerScore score = MergerScores.of(p.input(), prediction, classNames, identity, p.recordTimestamp(),
                        scoredAt);
                byte[] value = scoreSerializer.serialize(outputTopic, score);
                context.forward(new Record<>(p.input().sourceId().getBytes(StandardCharsets.UTF_8), value,
                        p.recordTimestamp()), ScoringTopology.SINK_NAME);
                liveScored[i] = true;
                metrics.scored(scoredAt - p.enqueuedWallMs());
            }
            if (shadow != null) {
                scoreShadow(batch, images, scored, identity, liveScored, scoredAt);
            }
            for (Long k : keys) {
                buffer.delete(k);
            }
            count -= batch.size();
            metrics.batch(batch.size());
        }
        count = 0;
        oldestEnqueuedWall = Long.MAX_VALUE;
    }

    /**
     * Dead-letters a buffered image whose model output is invalid (MODEL_OUTPUT_INVALID). Its input record was
     * consumed when it was buffered, so the dead letter is keyed by the source id, has no value, and points at the
     * input record with the source topic/partition/offset headers (unknown, -1, for images restored from entries
     * written before v4 and for images the assemble timeout made).
     */
    private void deadLetterAfterScoring(PendingImage p, DeepMergeException error) {
        String reason = error.reason().name();
        String message = error.getMessage();
        LOG.warn("dead-lettered ({}): {}", reason, message);
        metrics.deadLetter(reason);
        PendingImage.Source s = p.source();
        context.forward(new Record<byte[], byte[]>(p.input().sourceId().getBytes(StandardCharsets.UTF_8), null,
                p.recordTimestamp(), DeadLetters.headers(null, reason, error, message,
                        s.topic().isEmpty() ? null : s.topic(), s.partition(), s.offset())), ScoringTopology.SINK_NAME);
    }

    /** @return the batch's images {@code [n,C,H,W]} float32, concatenated: the live and the shadow model's input */
    private static float[] images(List<PendingImage> batch) {
        int per = batch.get(0).input().image().length;
        float[] images = new float[per * batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            float[] img = batch.get(i).input().image();
            if (img.length != per) {
                throw new StreamsException("buffered images differ in size (" + img.length + " vs " + per
                        + " floats): the model changed while images were buffered");
            }
            System.arraycopy(img, 0, images, i * per, per);
        }
        return images;
    }

    private BatchScorer.ScoredBatch score(float[] images, int n) {
        try {
            BatchScorer.ScoredBatch out = scorer.submit(images, n).get();
            if (out.predictions().size() != n) {
                throw new StreamsException("scorer returned " + out.predictions().size() + " predictions for "
                        + n + " images");
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StreamsException("interrupted while scoring a micro-batch of " + n, e);
        } catch (ExecutionException e) {
            throw new StreamsException("scoring a micro-batch of " + n + " images failed: "
                    + e.getCause().getMessage(), e.getCause());
        }
    }

    /**
     * Scores the micro-batch with the shadow model, if one is set, on the same images, and forwards one record per
     * valid shadow prediction to the shadow sink; each input the live model also scored validly is a comparison pair.
     * The shadow's errors and invalid outputs (and a record that does not serialize) are counted and logged by
     * {@link ShadowMetrics}, never thrown; only an error of the task's own producer on forwarding propagates, as it
     * would for the live scores.
     */
    private void scoreShadow(List<PendingImage> batch, float[] images, BatchScorer.ScoredBatch live, ModelIdentity liveId,
                        boolean[] liveScored, long scoredAt) {
        ShadowScorer.ShadowBatch s = shadow.scorer().score(images, batch.size(), liveId);
        if (s == null) {
            return;
        }
        ShadowMetrics m = shadow.scorer().metrics();
        if (s.predictions().size() != batch.size()) {
            m.failed("invalid_output", batch.size(), s.identity(), s.predictions().size() + " predictions for "
                    + batch.size() + " images");
            return;
        }
        List<String> classNames = s.contract().classNames();
        for (int i = 0; i < batch.size(); i++) {
            PendingImage p = batch.get(i);
            Prediction prediction = s.predictions().get(i);
            byte[] value;
            try {
                MergerScores.requireValidOutput(prediction, classNames, p.input().sourceId(), s.identity());
                value = scoreSerializer.serialize(shadow.topic(), MergerScores.of(p.input(), prediction, classNames,
                        s.identity(), p.recordTimestamp(), scoredAt));
            } catch (DeepMergeException e) {
                m.failed("invalid_output", 1, s.identity(), e.getMessage());
                continue;
            } catch (RuntimeException e) {
                m.failed("exception", 1, s.identity(), e.toString());
                continue;
            }
            // not caught: an error of the task's producer (e.g. fenced) must fail the task as for the live scores
            context.forward(new Record<>(p.input().sourceId().getBytes(StandardCharsets.UTF_8), value,
                    p.recordTimestamp()), ScoringTopology.SHADOW_SINK_NAME);
            m.scored();
            if (liveScored[i]) {
                m.compared(liveId, s.identity(), live.predictions().get(i).pMerger(), prediction.pMerger());
            }
        }
    }

    private void deadLetter(Record<byte[], byte[]> record, String reason, Throwable error, String message) {
        String topic = null;
        int partition = -1;
        long offset = -1;
        if (context.recordMetadata().isPresent()) {
            RecordMetadata md = context.recordMetadata().get();
            topic = md.topic();
            partition = md.partition();
            offset = md.offset();
        }
        metrics.deadLetter(reason);
        org.apache.kafka.common.header.Headers headers = DeadLetters.headers(record.headers(), reason, error, message,
                topic, partition, offset);
        byte[] value = record.value();
        byte[] key = record.key();
        String refused = RefusedDeadLetters.refusal(context.applicationId(), topic, partition, offset);
        if (refused != null) {
            // this input's dead letter was refused before (and its transaction aborted): one that cannot be refused
            headers = DeadLetters.headers(null, reason, error, message, topic, partition, offset);
            headers.add(DeadLetters.REFUSED, refused.getBytes(StandardCharsets.UTF_8));
            headers.add(DeadLetters.VALUE_TRUNCATED, Integer.toString(value == null ? 0 : value.length)
                    .getBytes(StandardCharsets.UTF_8));
            value = null;
            key = key != null && key.length > ScoringTopology.MAX_FIELD_BYTES ? null : key;
        } else if (value != null && value.length > maxDeadLetterValueBytes) {
            headers.add(DeadLetters.VALUE_TRUNCATED, Integer.toString(value.length).getBytes(StandardCharsets.UTF_8));
            value = Arrays.copyOf(value, maxDeadLetterValueBytes);
        }
        context.forward(record.withKey(key).withValue(value).withHeaders(headers), ScoringTopology.SINK_NAME);
    }
}
