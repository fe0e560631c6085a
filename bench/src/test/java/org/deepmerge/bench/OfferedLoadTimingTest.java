package org.deepmerge.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deepmerge.bench.cli.BenchCommandAccess;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, item 5: the offered-load latency was timed from the actual send time, so a sender held up hid the delay
 * it caused (coordinated omission); the JIT warm-up was not flagged.
 */
class OfferedLoadTimingTest {

    @Test
    void pacedRecordsAreStampedWithTheirDueTimeWhateverTheSendTime() {
        long wall0 = 1_700_000_000_000L;
        assertEquals(wall0, PipelineBenchmark.intended(wall0, 0, 250));
        assertEquals(wall0 + 1000, PipelineBenchmark.intended(wall0, 250, 250), "record 250 at 250/s is due 1 s in");
        assertEquals(wall0 + 40_000, PipelineBenchmark.intended(wall0, 10_000, 250));
        assertNull(PipelineBenchmark.intended(wall0, 5, 0), "unpaced: the producer's own time");
    }

    @Test
    void aTimedPartMostlySpentCompilingIsFlagged() {
        assertTrue(BenchCommandAccess.jitWarning(18.8, 40.0, "500").orElseThrow().contains("raise --warmup (now 500)"));
        assertTrue(BenchCommandAccess.jitWarning(0.5, 40.0, "20000").isEmpty());
        assertTrue(BenchCommandAccess.jitWarning(-1, 40.0, "20000").isEmpty(), "no JIT accounting: nothing to say");
    }
}
