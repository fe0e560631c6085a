package org.deepmerge.core.fits;

import java.util.Arrays;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * Bytes of gzip inflate buffers that all threads of a process may hold at once, so that stamps decoded concurrently
 * cannot add up: each gzip stamp is capped alone ({@link StampLimits#maxDecompressedBytes()}, 65 MiB by default, up to
 * ~97 MiB of buffers while the output buffer doubles), and two decode threads each inflating a bomb used to need
 * twice that at once (an OutOfMemoryError at a 256 MiB heap).
 *
 * <p>Rules, chosen so that no thread ever waits while holding bytes (two growing stamps waiting for each other would
 * deadlock):
 * <ul>
 *   <li>a stamp's first buffer {@link #acquire waits} until enough bytes are free (a thread that holds nothing);</li>
 *   <li>growing a buffer {@link #tryAcquire does not wait}: when the bytes are not free, the stamp is rejected
 *       (STAMP_TOO_LARGE, naming the budget) rather than allocated beyond the budget;</li>
 *   <li>every byte acquired is {@link #release released} when the stamp is inflated or rejected.</li>
 * </ul>
 * The sum held never exceeds {@link #capacity()}. A stamp within the limits always completes when it is the only one
 * inflating, if the capacity is at least twice {@link StampLimits#maxDecompressedBytes()} (the old and the new buffer
 * while growing); {@link #DEFAULT_BYTES} is twice the default limit. Thread-safe.
 */
public final class InflateBudget {
    /**
     * Default capacity, bytes: 130 MiB, twice the default {@link StampLimits#maxDecompressedBytes()}, so that the
     * largest stamp the default limits accept (4096 x 4096 float32, gzipped) always completes when decoded alone.
     */
    public static final long DEFAULT_BYTES = 2 * StampLimits.DEFAULT_MAX_BYTES;

    private static final InflateBudget SHARED = new InflateBudget(DEFAULT_BYTES);

    private final long capacity;
    private long inUse;
    private long peak;

    /**
     * @param capacity bytes all holders together may hold, &gt; 0
     * @throws IllegalArgumentException when capacity &lt;= 0
     */
    public InflateBudget(long capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("inflate budget must be > 0 bytes, got " + capacity);
        }
        this.capacity = capacity;
    }

    /** @return the process-wide budget of {@link #DEFAULT_BYTES} that decoders share unless given their own */
    public static InflateBudget shared() {
        return SHARED;
    }

    /**
     * For a caller that holds nothing from this budget: waits until {@code bytes} are free, then takes them.
     *
     * @param bytes bytes wanted, &gt;= 0
     * @return true when taken; false at once when {@code bytes} exceed the whole capacity (they never could be)
     * @throws InterruptedException when interrupted while waiting (nothing taken)
     */
    public synchronized boolean acquire(long bytes) throws InterruptedException {
        check(bytes);
        if (bytes > capacity) {
            return false;
        }
        while (inUse + bytes > capacity) {
            wait();
        }
        take(bytes);
        return true;
    }

    /**
     * For a caller that may already hold bytes: takes {@code bytes} only if they are free now, without waiting.
     *
     * @param bytes bytes wanted, &gt;= 0
     * @return true when taken
     */
    public synchronized boolean tryAcquire(long bytes) {
        check(bytes);
        if (inUse + bytes > capacity) {
            return false;
        }
        take(bytes);
        return true;
    }

    /**
     * @param bytes bytes taken earlier by {@link #acquire} or {@link #tryAcquire}, returned now
     * @throws IllegalStateException when more is released than is held
     */
    public synchronized void release(long bytes) {
        check(bytes);
        if (bytes > inUse) {
            throw new IllegalStateException("releasing " + bytes + " bytes of the inflate budget, but " + inUse + " are held");
        }
        inUse -= bytes;
        notifyAll();
    }

    /** @return bytes held now */
    public synchronized long inUse() {
        return inUse;
    }

    /** @return the most bytes held at once since this budget was created (never above {@link #capacity()}) */
    public synchronized long peak() {
        return peak;
    }

    /** @return bytes all holders together may hold */
    public long capacity() {
        return capacity;
    }

    private void take(long bytes) {
        inUse += bytes;
        peak = Math.max(peak, inUse);
    }

    private static void check(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative byte count " + bytes);
        }
    }

    @Override
    public synchronized String toString() {
        return "inflate budget of " + capacity + " bytes (" + inUse + " in use)";
    }

    /**
     * @param where   names the stamp in error messages
     * @param gzBytes the stamp's compressed size, for error messages
     * @return the buffers of one stamp being inflated; close it (try-with-resources) to return every byte
     */
    Lease lease(String where, int gzBytes) {
        return new Lease(where, gzBytes);
    }

    /** The buffers of one stamp being inflated, allocated within the budget; one thread. */
    final class Lease implements AutoCloseable {
        private final String where;
        private final int gzBytes;
        private long held;

        private Lease(String where, int gzBytes) {
            this.where = where;
            this.gzBytes = gzBytes;
        }

        /** The first buffer: waits for the bytes (nothing is held yet). */
        byte[] allocate(int bytes) throws DeepMergeException {
            if (held != 0) {
                return take(bytes, null);
            }
            try {
                if (!acquire(bytes)) {
                    throw over(bytes);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DeepMergeException(Reason.STAMP_TOO_LARGE, where + ": interrupted waiting for the "
                        + InflateBudget.this, e);
            }
            held += bytes;
            return new byte[bytes];
        }

        /** A bigger (or trimmed) copy: taken without waiting, the old buffer's bytes returned after the copy. */
        byte[] copyOf(byte[] old, int bytes) throws DeepMergeException {
            return take(bytes, old);
        }

        private byte[] take(int bytes, byte[] old) throws DeepMergeException {
            if (!tryAcquire(bytes)) {
                throw over(bytes);
            }
            held += bytes;
            byte[] copy = old == null ? new byte[bytes] : Arrays.copyOf(old, bytes);
            if (old != null) {
                held -= old.length;
                release(old.length);
            }
            return copy;
        }

        private DeepMergeException over(long wanted) {
            return new DeepMergeException(Reason.STAMP_TOO_LARGE, where + ": gzip stamp of " + gzBytes + " bytes needs a "
                    + wanted + "-byte inflate buffer (holding " + held + "), more than is free in the "
                    + InflateBudget.this + " shared by the decode threads (concurrent large stamps or gzip bombs?)");
        }

        /** Returns every byte held: the stamp is inflated (its result is no longer counted) or rejected. */
        @Override
        public void close() {
            release(held);
            held = 0;
        }
    }
}
