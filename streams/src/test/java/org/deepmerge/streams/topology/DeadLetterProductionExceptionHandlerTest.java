package org.deepmerge.streams.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.Response;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.Result;
import org.apache.kafka.streams.processor.TaskId;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.junit.jupiter.api.Test;

/** The production exception handler's answers, called as Kafka Streams calls it. */
class DeadLetterProductionExceptionHandlerTest {

    /** The context of an asynchronous send error, which need not be the failed record's input. */
    private static ErrorHandlerContext context(String topic, int partition, long offset) {
        return new ErrorHandlerContext() {
            public String topic() {
                return topic;
            }

            public int partition() {
                return partition;
            }

            public long offset() {
                return offset;
            }

            public Headers headers() {
                return new RecordHeaders();
            }

            public String processorNodeId() {
                return ScoringTopology.SINK_NAME;
            }

            public TaskId taskId() {
                return new TaskId(0, 0);
            }

            public long timestamp() {
                return 0;
            }

            public byte[] sourceRawKey() {
                return null;
            }

            public byte[] sourceRawValue() {
                return null;
            }
        };
    }

    private static DeadLetterProductionExceptionHandler handler() {
        DeadLetterProductionExceptionHandler h = new DeadLetterProductionExceptionHandler();
        h.configure(Map.of(DeepMergeStreamsConfig.DLQ_TOPIC, "dlq", DeepMergeStreamsConfig.OUTPUT_TOPIC, "scores",
                "application.id", "handler-test"));
        return h;
    }

    @Test
    void aRefusedDeadLetterIsReplacedByASmallOneAndItsInputRemembered() {
        Headers h = DeadLetters.headers(null, "UNKNOWN_FORMAT", null, "garbage", "alerts", 2, 77L);
        ProducerRecord<byte[], byte[]> dead = new ProducerRecord<>("dlq", null, 5L, new byte[] {1}, new byte[300_000], h);
        Response r = handler().handleError(context(null, -1, -1), dead, new RecordTooLargeException("too large"));
        assertEquals(Result.RESUME, r.result());
        List<ProducerRecord<byte[], byte[]>> out = r.deadLetterQueueRecords();
        assertEquals(1, out.size());
        ProducerRecord<byte[], byte[]> d = out.get(0);
        assertEquals("dlq", d.topic());
        assertNull(d.key());
        assertNull(d.value());
        assertEquals("UNKNOWN_FORMAT", DeadLetters.get(d.headers(), DeadLetters.REASON), "the failed dead letter's reason");
        assertEquals("77", DeadLetters.get(d.headers(), DeadLetters.SOURCE_OFFSET), "from the dead letter, not the context");
        assertEquals("alerts", DeadLetters.get(d.headers(), DeadLetters.SOURCE_TOPIC));
        assertEquals("dlq", DeadLetters.get(d.headers(), DeadLetterProductionExceptionHandler.FAILED_TOPIC));
        assertEquals("300000", DeadLetters.get(d.headers(), DeadLetters.VALUE_TRUNCATED));
        assertEquals(RecordTooLargeException.class.getName(), DeadLetters.get(d.headers(), DeadLetters.EXCEPTION_CLASS));
        assertEquals(RecordTooLargeException.class.getName() + ": too large", RefusedDeadLetters.refusal("handler-test", "alerts", 2, 77L));
        assertNull(RefusedDeadLetters.refusal("handler-test", "alerts", 2, 78L));
        assertNull(RefusedDeadLetters.refusal("another-app", "alerts", 2, 77L), "per application");
    }

    @Test
    void aRefusedScoreBecomesAProductionFailedDeadLetter() {
        ProducerRecord<byte[], byte[]> score = new ProducerRecord<>("scores", new byte[] {1}, new byte[10]);
        Response r = handler().handleError(context("alerts", 0, 9L), score, new RecordTooLargeException("too large"));
        assertEquals(Result.RESUME, r.result());
        ProducerRecord<byte[], byte[]> d = r.deadLetterQueueRecords().get(0);
        assertEquals(DeadLetterProductionExceptionHandler.PRODUCTION_FAILED, DeadLetters.get(d.headers(), DeadLetters.REASON));
        assertEquals("9", DeadLetters.get(d.headers(), DeadLetters.SOURCE_OFFSET));
    }

    @Test
    void retriableErrorsRetryAndOtherTopicsAndReplacementsFail() {
        ProducerRecord<byte[], byte[]> changelog = new ProducerRecord<>("app-buffer-changelog", new byte[8], new byte[10]);
        assertEquals(Result.FAIL, handler().handleError(context("alerts", 0, 1), changelog,
                new RecordTooLargeException("x")).result(), "losing a changelog write would lose a buffered image");
        assertEquals(Result.RETRY, handler().handleError(context("alerts", 0, 1), changelog,
                new NotLeaderOrFollowerException("x")).result());
        ProducerRecord<byte[], byte[]> replacement = DeadLetterProductionExceptionHandler.replacement(context("alerts", 0, 1),
                new ProducerRecord<>("scores", new byte[1], new byte[1]), new RecordTooLargeException("x"), "dlq");
        assertEquals(Result.FAIL, handler().handleError(context("alerts", 0, 1), replacement,
                new RecordTooLargeException("x")).result(), "no replacement of a replacement");
    }

    @Test
    void aShadowScoreThatCannotBeWrittenIsDroppedNotReplaced() {
        ProducerRecord<byte[], byte[]> shadow = new ProducerRecord<>("scores.shadow", new byte[] {1}, new byte[10]);
        Response r = handler().handleError(context("alerts", 0, 3L), shadow, new RecordTooLargeException("too large"));
        assertEquals(Result.RESUME, r.result(), "shadow scoring never fails the task");
        assertEquals(List.of(), r.deadLetterQueueRecords(), "and writes no dead letter for the live input");
    }
}
