package org.deepmerge.streams.topology;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The inputs (topic, partition, offset) whose dead letter the producer or broker refused for good, remembered in this
 * JVM so that the retry writes a dead letter that cannot be refused.
 *
 * <p>Under exactly_once_v2 a refused record (e.g. {@code RecordTooLargeException} from a dead-letter topic whose
 * {@code max.message.bytes} is below {@code deepmerge.dlq.max.value.bytes}) makes the whole transaction abortable:
 * nothing of it commits, whatever a production exception handler answers, and the task re-reads the same input. The
 * {@link DeadLetterProductionExceptionHandler} records the input here; when the {@link ScoringProcessor} dead-letters
 * that input again it writes the dead letter without value and original headers (see {@link DeadLetters#REFUSED}), so
 * the partition moves on after one retry. At most {@link #CAPACITY} inputs are remembered (oldest forgotten first);
 * a restart forgets them all and costs one more retry per refused input. Thread-safe.
 */
public final class RefusedDeadLetters {
    /** Most inputs remembered. */
    public static final int CAPACITY = 10_000;

    private static final Map<String, String> REFUSED = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > CAPACITY;
        }
    };

    private RefusedDeadLetters() {
    }

    /**
     * @param applicationId the Kafka Streams application id (several applications may share a JVM and topic names)
     * @param topic         input topic
     * @param partition     input partition
     * @param offset        input offset
     * @param error         why the dead letter was refused
     */
    public static void record(String applicationId, String topic, int partition, long offset, String error) {
        if (topic == null || offset < 0) {
            return;
        }
        synchronized (REFUSED) {
            REFUSED.put(key(applicationId, topic, partition, offset), error);
        }
    }

    /**
     * @param applicationId the Kafka Streams application id
     * @param topic         input topic (null: unknown)
     * @param partition     input partition
     * @param offset        input offset
     * @return why this input's dead letter was refused before, or null when it was not
     */
    public static String refusal(String applicationId, String topic, int partition, long offset) {
        if (topic == null || offset < 0) {
            return null;
        }
        synchronized (REFUSED) {
            return REFUSED.get(key(applicationId, topic, partition, offset));
        }
    }

    private static String key(String applicationId, String topic, int partition, long offset) {
        return applicationId + "/" + topic + "-" + partition + "@" + offset;
    }
}
