package org.deepmerge.streams.topology;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scorer's uncaught-exception policy for Kafka Streams: a failed stream thread is replaced (its tasks resume from
 * the last committed offsets, so exactly-once holds), at most {@code maxReplacements} times within a sliding
 * {@code window}; one more failure within the window shuts this instance down ({@code SHUTDOWN_CLIENT}, Kafka
 * Streams state ERROR, {@code deepmerge serve} exits 1) with one ERROR line saying why, instead of replacing threads
 * forever while a fault (a full disk, a lost GPU, a bug) repeats.
 *
 * <p>Bad input never reaches it: every record a producer can send is scored or dead-lettered by the processor. Settings:
 * {@code deepmerge.fault.max.thread.replacements} and {@code deepmerge.fault.window.ms}. Thread-safe.
 */
public final class ThreadReplacementPolicy implements StreamsUncaughtExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ThreadReplacementPolicy.class);

    private final int maxReplacements;
    private final long windowMs;
    private final LongSupplier clockMs;
    private final Deque<Long> replacements = new ArrayDeque<>();

    /**
     * @param maxReplacements threads replaced at most this many times within the window, &gt;= 0 (0: the first failure
     *                        shuts the instance down)
     * @param window          the sliding window, &gt; 0
     */
    public ThreadReplacementPolicy(int maxReplacements, Duration window) {
        this(maxReplacements, window, System::currentTimeMillis);
    }

    /**
     * @param config {@code deepmerge.fault.max.thread.replacements} and {@code deepmerge.fault.window.ms}
     * @return the policy the configuration asks for
     */
    public static ThreadReplacementPolicy of(DeepMergeStreamsConfig config) {
        return new ThreadReplacementPolicy(config.faultMaxReplacements(), Duration.ofMillis(config.faultWindowMs()));
    }

    /**
     * @param maxReplacements as {@link #ThreadReplacementPolicy(int, Duration)}
     * @param window          the sliding window, &gt; 0
     * @param clockMs         wall clock, ms (tests pass their own)
     * @throws IllegalArgumentException for a negative count or a window that is not positive
     */
    public ThreadReplacementPolicy(int maxReplacements, Duration window, LongSupplier clockMs) {
        if (maxReplacements < 0 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("need max replacements >= 0 and a positive window, got "
                    + maxReplacements + " in " + window);
        }
        this.maxReplacements = maxReplacements;
        this.windowMs = window.toMillis();
        this.clockMs = clockMs;
    }

    @Override
    public synchronized StreamThreadExceptionResponse handle(Throwable exception) {
        long now = clockMs.getAsLong();
        while (!replacements.isEmpty() && replacements.peekFirst() <= now - windowMs) {
            replacements.pollFirst();
        }
        if (replacements.size() >= maxReplacements) {
            LOG.error("a stream thread failed again ({}); {} threads were already replaced in the last {} ms, the "
                    + "limit (deepmerge.fault.max.thread.replacements): shutting this instance down; its partitions "
                    + "move to the other instances, fix the cause before restarting it", describe(exception),
                    replacements.size(), windowMs, exception);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        replacements.addLast(now);
        LOG.error("a stream thread failed ({}); replacing it ({} of at most {} replacements in {} ms); its tasks resume "
                + "from their last committed offsets", describe(exception), replacements.size(), maxReplacements,
                windowMs, exception);
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e) : e + "; caused by " + root;
    }
}
