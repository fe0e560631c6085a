package org.deepmerge.streams.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

/** Issue 17, item 4: REPLACE_THREAD forever, no cap; now a bounded number of replacements in a sliding window. */
class ThreadReplacementPolicyTest {

    @Test
    void replacesUpToTheLimitWithinTheWindowThenShutsTheInstanceDown() {
        AtomicLong now = new AtomicLong(1_000_000);
        ThreadReplacementPolicy p = new ThreadReplacementPolicy(3, Duration.ofMinutes(10), now::get);
        RuntimeException boom = new RuntimeException("disk full", new java.io.IOException("No space left on device"));
        for (int i = 0; i < 3; i++) {
            assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, p.handle(boom));
            now.addAndGet(60_000);
        }
        assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, p.handle(boom), "a 4th failure within 10 minutes");
    }

    @Test
    void failuresOlderThanTheWindowNoLongerCount() {
        AtomicLong now = new AtomicLong(0);
        ThreadReplacementPolicy p = new ThreadReplacementPolicy(2, Duration.ofSeconds(60), now::get);
        assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, p.handle(new IllegalStateException("a")));
        now.set(30_000);
        assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, p.handle(new IllegalStateException("b")));
        now.set(60_000);
        assertEquals(StreamThreadExceptionResponse.REPLACE_THREAD, p.handle(new IllegalStateException("c")),
                "the first failure left the window");
        now.set(61_000);
        assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT, p.handle(new IllegalStateException("d")));
        assertEquals(StreamThreadExceptionResponse.SHUTDOWN_CLIENT,
                new ThreadReplacementPolicy(0, Duration.ofSeconds(1), now::get).handle(new IllegalStateException()),
                "0: no replacement at all");
        assertThrows(IllegalArgumentException.class, () -> new ThreadReplacementPolicy(-1, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new ThreadReplacementPolicy(1, Duration.ZERO));
    }
}
