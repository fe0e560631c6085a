package org.deepmerge.streams.topology;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka Streams production exception handler (KIP-210; 4.x {@link ProductionExceptionHandler.Response} with
 * dead-letter records) for what the scoring processor could not keep from failing to send: a score or dead letter the
 * producer or broker refuses for good (e.g. {@code RecordTooLargeException} when {@code deepmerge.dlq.max.value.bytes}
 * is set above the producer's {@code max.request.size} or the topic's {@code max.message.bytes}) is replaced by a
 * small dead letter, so the partition moves on instead of failing the task at the same offset forever.
 *
 * <p>The replacement goes to {@code deepmerge.dlq.topic}: key and value dropped, headers {@link DeadLetters#REASON}
 * (the failed record's own reason when it was a dead letter, else {@link #PRODUCTION_FAILED}), the exception class and
 * message, the input record's topic/partition/offset (from the {@link ErrorHandlerContext}), {@link #FAILED_TOPIC}
 * and {@link DeadLetters#VALUE_TRUNCATED} = the dropped value's size. Retriable errors are retried; a failed write to
 * any other topic (the batch buffer's changelog) and a failure of a replacement itself fail the task, as Kafka's
 * default handler does: losing a changelog write would lose a buffered image.
 *
 * <p>Under at_least_once the replacement is written and the task carries on. Under exactly_once_v2 a record the
 * broker refuses makes the producer's transaction abortable, so nothing of it commits whatever this handler answers:
 * the handler also records the input in {@link RefusedDeadLetters}, the task fails and is retried (the
 * {@code REPLACE_THREAD} policy of {@code deepmerge serve}), and the retry writes the input's dead letter without its
 * value, which the broker accepts.
 *
 * <p>A shadow score ({@code deepmerge.shadow.topic}) that cannot be written is dropped with a WARN line (RESUME): shadow
 * scoring must not fail the task. (Under exactly_once_v2 a record the broker refuses still aborts the transaction;
 * shadow records are the size of the live ones, so the live record would be refused too.)
 *
 * <p>Configured by {@link DeepMergeStreamsConfig#streamsProperties()} ({@code production.exception.handler}), which
 * also passes {@code deepmerge.dlq.topic}, {@code deepmerge.output.topic} and {@code deepmerge.shadow.topic} to
 * {@link #configure}.
 */
public final class DeadLetterProductionExceptionHandler implements ProductionExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterProductionExceptionHandler.class);
    /** Reason of the replacement of a score that could not be written. */
    public static final String PRODUCTION_FAILED = "PRODUCTION_FAILED";
    /** Header of a replacement: the topic the failed record was going to. */
    public static final String FAILED_TOPIC = "deepmerge.failed.topic";

    private String dlqTopic;
    private String outputTopic;
    private String shadowTopic;
    private String applicationId;

    @Override
    public void configure(Map<String, ?> configs) {
        Object dlq = configs.get(DeepMergeStreamsConfig.DLQ_TOPIC);
        Object out = configs.get(DeepMergeStreamsConfig.OUTPUT_TOPIC);
        applicationId = String.valueOf(configs.get(org.apache.kafka.streams.StreamsConfig.APPLICATION_ID_CONFIG));
        dlqTopic = dlq == null ? String.valueOf(DeepMergeStreamsConfig.CONFIG.defaultValues().get(DeepMergeStreamsConfig.DLQ_TOPIC))
                : String.valueOf(dlq);
        outputTopic = out == null ? String.valueOf(DeepMergeStreamsConfig.CONFIG.defaultValues().get(DeepMergeStreamsConfig.OUTPUT_TOPIC))
                : String.valueOf(out);
        Object shadow = configs.get(DeepMergeStreamsConfig.SHADOW_TOPIC);
        shadowTopic = shadow == null || String.valueOf(shadow).isEmpty() ? outputTopic + ".shadow" : String.valueOf(shadow);
    }

    /**
     * @param context   the input record's location
     * @param record    the record that could not be sent
     * @param exception why
     * @return RETRY for retriable errors; RESUME with one replacement dead letter for a score or dead letter that
     *         failed for good; FAIL otherwise
     */
    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        if (exception instanceof RetriableException) {
            return Response.retry();
        }
        if (record.topic().equals(shadowTopic)) {
            LOG.warn("could not write a shadow score to {}: {}; dropped (shadow scores never fail the live scoring)",
                    record.topic(), exception.toString());
            return Response.resume();
        }
        boolean ours = record.topic().equals(dlqTopic) || record.topic().equals(outputTopic);
        if (!ours || record.headers().lastHeader(FAILED_TOPIC) != null) {
            LOG.error("could not write a record to {}; failing the task", record.topic(), exception);
            return Response.fail();
        }
        Location in = location(context, record);
        if (record.topic().equals(dlqTopic)) {
            RefusedDeadLetters.record(applicationId, in.topic(), in.partition(), in.offset(), exception.toString());
        }
        ProducerRecord<byte[], byte[]> replacement = replacement(context, record, exception, dlqTopic);
        LOG.warn("could not write a record to {} (input {}-{}@{}): {}; writing a dead letter without key and value"
                + " instead", record.topic(), in.topic(), in.partition(), in.offset(), exception.toString());
        return Response.resume(List.of(replacement));
    }

    /** An input record's location. */
    private record Location(String topic, int partition, long offset) {
    }

    /**
     * The input a failed record came from: a dead letter names it in its own headers (the context of an asynchronous
     * send error is not always the record's: it can be unknown or the record being processed when the error arrived);
     * otherwise the context's.
     */
    private static Location location(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record) {
        Headers h = record.headers();
        if (DeadLetters.isDeadLetter(h)) {
            try {
                String topic = DeadLetters.get(h, DeadLetters.SOURCE_TOPIC);
                return new Location(topic == null || topic.isEmpty() ? null : topic,
                        Integer.parseInt(DeadLetters.get(h, DeadLetters.SOURCE_PARTITION)),
                        Long.parseLong(DeadLetters.get(h, DeadLetters.SOURCE_OFFSET)));
            } catch (RuntimeException e) {
                // not one of ours: fall back to the context
            }
        }
        return context == null ? new Location(null, -1, -1) : new Location(context.topic(), context.partition(), context.offset());
    }

    /**
     * @param context   the input record's location, used when the failed record does not name it in its headers
     * @param record    the record that could not be sent
     * @param exception why
     * @param dlqTopic  the dead-letter topic
     * @return the small dead letter written instead: no key, no value, headers as in the class description
     */
    static ProducerRecord<byte[], byte[]> replacement(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
                                                      Exception exception, String dlqTopic) {
        Headers failed = record.headers();
        String reason = DeadLetters.isDeadLetter(failed) ? DeadLetters.get(failed, DeadLetters.REASON) : PRODUCTION_FAILED;
        String message = "could not write the " + (DeadLetters.isDeadLetter(failed) ? "dead letter" : "score")
                + " to " + record.topic() + ": " + exception;
        Location in = location(context, record);
        Headers h = DeadLetters.headers(null, reason, exception, message, in.topic(), in.partition(), in.offset());
        h.add(FAILED_TOPIC, record.topic().getBytes(StandardCharsets.UTF_8));
        h.add(DeadLetters.VALUE_TRUNCATED, Integer.toString(record.value() == null ? 0 : record.value().length)
                .getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(dlqTopic, null, record.timestamp(), null, null, h);
    }
}
