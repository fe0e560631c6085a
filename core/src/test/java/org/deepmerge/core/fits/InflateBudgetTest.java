package org.deepmerge.core.fits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPOutputStream;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.testing.HostileInputs;
import org.junit.jupiter.api.Test;

/** The inflate budget shared by concurrent stamp decoders. */
class InflateBudgetTest {
    private static final long MIB = 1L << 20;

    private static byte[] gzip(byte[] b) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream z = new GZIPOutputStream(out)) {
                z.write(b);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void twoGzipBombsDecodedAtOnceNeverHoldMoreThanTheBudgetAndAreBothRejected() throws Exception {
        InflateBudget budget = new InflateBudget(InflateBudget.DEFAULT_BYTES);
        StampDecoder decoder = new StampDecoder(StampLimits.defaults(), budget);
        byte[] bomb = HostileInputs.gzipBomb();
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<DeepMergeException>> results = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                String where = "bomb " + i;
                results.add(pool.submit(() -> {
                    start.await();
                    return assertThrows(DeepMergeException.class, () -> decoder.decode(bomb, 1.0, where));
                }));
            }
            for (Future<DeepMergeException> r : results) {
                DeepMergeException e = r.get();
                assertEquals(Reason.STAMP_TOO_LARGE, e.reason(), e.getMessage());
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(budget.peak() <= budget.capacity(), "peak " + budget.peak());
        assertTrue(budget.peak() > 64 * MIB, "the bombs did grow their buffers: peak " + budget.peak());
        assertEquals(0, budget.inUse());
    }

    @Test
    void aStampWhoseBufferCannotGrowWithinWhatOthersLeaveIsRejectedNotAllocated() throws Exception {
        InflateBudget budget = new InflateBudget(128 * MIB);
        StampDecoder decoder = new StampDecoder(StampLimits.defaults(), budget);
        assertTrue(budget.acquire(100 * MIB), "another stamp holds 100 MiB");
        DeepMergeException e = assertThrows(DeepMergeException.class,
                () -> decoder.decode(HostileInputs.gzipBomb(), 1.0, "second bomb"));
        assertEquals(Reason.STAMP_TOO_LARGE, e.reason());
        assertTrue(e.getMessage().contains("inflate budget of " + (128 * MIB) + " bytes"), e.getMessage());
        assertEquals(100 * MIB, budget.inUse(), "the rejected stamp returned everything it took");
        assertTrue(budget.peak() <= budget.capacity());
        budget.release(100 * MIB);
        assertEquals(0, budget.inUse());
    }

    @Test
    void aStampWaitsForItsFirstBufferWhileOthersHoldTheBudgetThenDecodes() throws Exception {
        InflateBudget budget = new InflateBudget(8 * MIB);
        StampDecoder decoder = new StampDecoder(StampLimits.defaults(), budget);
        float[] pixels = new float[63 * 63];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = i % 63;
        }
        byte[] stamp = gzip(FitsBytes.image(-32, 63, 63).end().floats(pixels).bytes());
        assertTrue(budget.acquire(budget.capacity()), "others hold the whole budget");
        Thread[] worker = new Thread[1];
        CompletableFuture<Stamp> decoded = new CompletableFuture<>();
        worker[0] = new Thread(() -> {
            try {
                decoded.complete(decoder.decode(stamp, 1.0, "waiting stamp"));
            } catch (Throwable t) {
                decoded.completeExceptionally(t);
            }
        });
        worker[0].start();
        while (worker[0].getState() != Thread.State.WAITING && !decoded.isDone()) {
            Thread.onSpinWait();
        }
        assertFalse(decoded.isDone(), "decoded while the budget was fully held");
        budget.release(budget.capacity());
        Stamp s = decoded.get();
        assertEquals(63, s.width());
        assertEquals(0, budget.inUse());
    }

    @Test
    void requestsAboveTheWholeCapacityFailAtOnceAndReleasingMoreThanHeldIsABug() throws Exception {
        InflateBudget budget = new InflateBudget(MIB);
        assertFalse(budget.acquire(MIB + 1));
        assertFalse(budget.tryAcquire(MIB + 1));
        assertTrue(budget.tryAcquire(MIB));
        assertFalse(budget.tryAcquire(1));
        assertThrows(IllegalStateException.class, () -> budget.release(MIB + 1));
        budget.release(MIB);
        assertThrows(IllegalArgumentException.class, () -> new InflateBudget(0));
    }
}
