package org.deepmerge.streams.topology;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The dead-letter record contract: a record that cannot be scored is written to the dead-letter topic with
 * its original key and value bytes and original headers, plus these UTF-8 headers.
 */
public final class DeadLetters {
    /** The {@code DeepMergeException.Reason} name, or {@link #UNEXPECTED_ERROR} for a bug-class exception. */
    public static final String REASON = "deepmerge.reason";
    /** Longest {@link #ERROR_MESSAGE} written, characters; a longer message is cut and ends with "...". */
    public static final int MAX_MESSAGE_CHARS = 2000;
    /** Fully qualified class name of the exception (of its cause, for wrapped failures: the top level). */
    public static final String EXCEPTION_CLASS = "deepmerge.exception.class";
    /** The exception message: what was wrong and where. */
    public static final String ERROR_MESSAGE = "deepmerge.error.message";
    public static final String SOURCE_TOPIC = "deepmerge.source.topic";
    /** Source partition, decimal. */
    public static final String SOURCE_PARTITION = "deepmerge.source.partition";
    /** Source offset, decimal. */
    public static final String SOURCE_OFFSET = "deepmerge.source.offset";
    /**
     * Present when the dead letter's value is only a prefix of the original value (which was larger than
     * {@code deepmerge.dlq.max.value.bytes}): the original value's size in bytes, decimal. The original record is at
     * {@link #SOURCE_TOPIC}/{@link #SOURCE_PARTITION}/{@link #SOURCE_OFFSET} of the input topic.
     */
    public static final String VALUE_TRUNCATED = "deepmerge.value.truncated";
    /**
     * Present on a dead letter written again after the producer or broker refused the first one (see
     * {@link RefusedDeadLetters}): why it was refused. Such a dead letter has no value, no original headers, and no key
     * when the original key was longer than 1 KiB; {@link #VALUE_TRUNCATED} gives the original value's size.
     */
    public static final String REFUSED = "deepmerge.dlq.refused";
    /** Reason value for a RuntimeException thrown while decoding (a decoder bug, still never stops the stream). */
    public static final String UNEXPECTED_ERROR = "UNEXPECTED_ERROR";
    /** Reason value for a record with a null value (tombstone). */
    public static final String NULL_VALUE = "NULL_VALUE";

    private DeadLetters() {
    }

    /**
     * @param original  the input record's headers (kept)
     * @param reason    reason name
     * @param error     the exception, or null
     * @param message   error message (cut to {@link #MAX_MESSAGE_CHARS} characters)
     * @param topic     source topic (may be null when unknown)
     * @param partition source partition (-1 when unknown)
     * @param offset    source offset (-1 when unknown)
     * @return a new header set: the original headers plus the deepmerge.* ones (replacing any earlier deepmerge.*)
     */
    public static Headers headers(Headers original, String reason, Throwable error, String message,
                                  String topic, int partition, long offset) {
        RecordHeaders h = new RecordHeaders();
        if (original != null) {
            for (Header x : original) {
                if (!x.key().startsWith("deepmerge.")) {
                    h.add(x);
                }
            }
        }
        h.add(REASON, utf8(reason));
        h.add(EXCEPTION_CLASS, utf8(error == null ? "" : error.getClass().getName()));
        String m = message == null ? "" : message;
        h.add(ERROR_MESSAGE, utf8(m.length() > MAX_MESSAGE_CHARS ? m.substring(0, MAX_MESSAGE_CHARS) + "..." : m));
        h.add(SOURCE_TOPIC, utf8(topic == null ? "" : topic));
        h.add(SOURCE_PARTITION, utf8(Integer.toString(partition)));
        h.add(SOURCE_OFFSET, utf8(Long.toString(offset)));
        return h;
    }

    /** @param headers record headers @return true when they mark a dead letter */
    public static boolean isDeadLetter(Headers headers) {
        return headers != null && headers.lastHeader(REASON) != null;
    }

    /** @param headers record headers @param key header key @return the last value as UTF-8, or null */
    public static String get(Headers headers, String key) {
        Header h = headers.lastHeader(key);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
