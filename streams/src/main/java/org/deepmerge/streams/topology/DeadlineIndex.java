package org.deepmerge.streams.topology;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.utils.Bytes;

/**
 * Keys of the {@code assemble} policy's deadline index: a second changelogged store whose keys are the object's
 * deadline (wall clock, ms, 8 bytes big-endian) followed by its assembly-store key ({@code SURVEY/objectId}, UTF-8),
 * with empty values. Kafka Streams key-value stores order {@link Bytes} keys by unsigned lexicographic comparison, so
 * for deadlines in {@code [0, Long.MAX_VALUE]} the index is ordered by deadline, then object; the timeout punctuation
 * reads the range {@link #from()} .. {@link #upTo(long)} and so only the objects that are due, and the oldest open
 * object (the one the cap evicts) is the first key.
 */
final class DeadlineIndex {
    /** The (empty) value of every index entry. */
    static final byte[] EMPTY = new byte[0];

    private DeadlineIndex() {
    }

    /**
     * @param deadlineWallMs deadline, ms since epoch, in {@code [0, Long.MAX_VALUE]} (negative values are clamped to 0)
     * @param objectKey      the assembly-store key
     * @return the index key
     */
    static Bytes key(long deadlineWallMs, String objectKey) {
        byte[] id = objectKey.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(8 + id.length).putLong(Math.max(0, deadlineWallMs)).put(id).array());
    }

    /** @return the lowest possible index key (deadline 0, empty object key) */
    static Bytes from() {
        return Bytes.wrap(new byte[8]);
    }

    /**
     * @param nowWallMs wall clock now, ms
     * @return the inclusive upper bound of the range of due entries: the bare 8-byte prefix of {@code nowWallMs + 1},
     *         which sorts after every key with a deadline &lt;= now and before every key with a later deadline
     */
    static Bytes upTo(long nowWallMs) {
        long bound = nowWallMs == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, nowWallMs + 1);
        return Bytes.wrap(ByteBuffer.allocate(8).putLong(bound).array());
    }

    /**
     * @param key an index key
     * @return its deadline, ms
     */
    static long deadline(Bytes key) {
        return ByteBuffer.wrap(key.get(), 0, 8).getLong();
    }

    /**
     * @param key an index key
     * @return its assembly-store key
     */
    static String objectKey(Bytes key) {
        byte[] k = key.get();
        return new String(Arrays.copyOfRange(k, 8, k.length), StandardCharsets.UTF_8);
    }
}
