package org.deepmerge.core.inference;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Merges concurrent scoring requests from many threads (e.g. all Kafka Streams stream threads) into full ONNX
 * Runtime batches, like Triton Inference Server's dynamic batcher: a single worker thread drains a queue, and when
 * the batch is not yet full it waits at most {@code maxDelay} for more requests before running what it has.
 * Requests are never split across runs unless one request alone exceeds the batch (the scorer then chunks it);
 * a request that would overflow the current batch starts the next one.
 *
 * <p>Futures complete on the worker thread: attach only cheap callbacks, or use the {@code *Async} stages.
 * {@link #close()} stops the worker after the run in progress and fails every request not yet run with a
 * {@link DeepMergeException} (INFERENCE_FAILED, "inference batcher closed ..."). The batcher does not own the
 * scorer: close the scorer after the batcher.
 */
public final class InferenceBatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceBatcher.class);
    private static final long IDLE_POLL_MS = 50;

    private record Request(float[] images, int n, CompletableFuture<List<Prediction>> future) {
    }

    /** Told of every ONNX Runtime run the batcher completes (e.g. to record its duration as a metric). */
    @FunctionalInterface
    public interface RunObserver {
        /**
         * Called on the batcher's worker thread after each successful run: keep it cheap and never throw.
         *
         * @param images images in the run (the merged requests)
         * @param nanos  wall-clock time of the run, ns (scorer call only: no queueing)
         */
        void ran(int images, long nanos);
    }

    private final OnnxScorer scorer;
    private final int maxBatch;
    private final long maxDelayNanos;
    private final int imageSize;
    private final BlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private final Object lock = new Object();
    private final Thread worker;
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong images = new AtomicLong();
    private float[] assembled = new float[0];
    private volatile boolean closed;
    private volatile RunObserver observer;

    /**
     * @param scorer   the shared scorer
     * @param maxBatch most images per run, &gt;= 1 (usually {@link OnnxScorer#maxBatch()})
     * @param maxDelay longest wait for more requests when the batch is not full, &gt;= 0 (e.g. 2 ms)
     * @throws DeepMergeException INVALID_CONFIG when maxBatch &lt; 1 or maxDelay is negative
     */
    public InferenceBatcher(OnnxScorer scorer, int maxBatch, Duration maxDelay) throws DeepMergeException {
        if (maxBatch < 1) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "inference batcher max batch " + maxBatch + " must be >= 1");
        }
        if (maxDelay.isNegative()) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "inference batcher max delay " + maxDelay + " must be >= 0");
        }
        this.scorer = scorer;
        this.maxBatch = maxBatch;
        this.maxDelayNanos = maxDelay.toNanos();
        this.imageSize = scorer.contract().imageSize();
        this.worker = new Thread(this::run, "deepmerge-inference-batcher");
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /**
     * @param scorer   the shared scorer; batches up to its {@link OnnxScorer#maxBatch()}
     * @param maxDelay longest wait for more requests when the batch is not full
     * @return a started batcher
     * @throws DeepMergeException INVALID_CONFIG when maxDelay is negative
     */
    public static InferenceBatcher create(OnnxScorer scorer, Duration maxDelay) throws DeepMergeException {
        return new InferenceBatcher(scorer, scorer.maxBatch(), maxDelay);
    }

    /**
     * Queues n images for scoring. The array is read when the batch runs: do not modify it until the future completes.
     *
     * @param images n images {@code [n,C,H,W]} float32 from index 0
     * @param n      number of images, &gt;= 0
     * @return the predictions in input order; fails with DeepMergeException (WRONG_SHAPE, INFERENCE_FAILED, or
     *         INFERENCE_FAILED "closed")
     */
    public CompletableFuture<List<Prediction>> submit(float[] images, int n) {
        CompletableFuture<List<Prediction>> f = new CompletableFuture<>();
        if (n < 0 || (long) n * imageSize > images.length) {
            f.completeExceptionally(new DeepMergeException(Reason.WRONG_SHAPE, "submit(" + n + " images) needs "
                    + (long) n * imageSize + " floats, got " + images.length));
            return f;
        }
        if (n == 0) {
            f.complete(List.of());
            return f;
        }
        synchronized (lock) {
            if (closed) {
                f.completeExceptionally(closedException());
            } else {
                queue.add(new Request(images, n, f));
            }
        }
        return f;
    }

    /**
     * Blocking variant of {@link #submit}.
     *
     * @param images n images {@code [n,C,H,W]} float32 from index 0
     * @param n      number of images
     * @return the predictions in input order
     * @throws DeepMergeException as the future would fail
     * @throws InterruptedException when interrupted while waiting
     */
    public List<Prediction> score(float[] images, int n) throws DeepMergeException, InterruptedException {
        try {
            return submit(images, n).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof DeepMergeException) {
                throw (DeepMergeException) e.getCause();
            }
            throw new DeepMergeException(Reason.INFERENCE_FAILED, "inference failed: " + e.getCause(), e.getCause());
        }
    }

    /**
     * @param observer told of every completed run from now on (replaces any earlier one); null = none
     * @return this batcher
     */
    public InferenceBatcher observedBy(RunObserver observer) {
        this.observer = observer;
        return this;
    }

    /** @return ONNX Runtime runs requested so far (each may be chunked further by the scorer) */
    public long batchesRun() {
        return batches.get();
    }

    /** @return images scored so far */
    public long imagesScored() {
        return images.get();
    }

    /** @return the largest batch this batcher assembles, images */
    public int maxBatch() {
        return maxBatch;
    }

    private void run() {
        Request carry = null;
        try {
            while (!closed) {
                Request first = carry != null ? carry : queue.poll(IDLE_POLL_MS, TimeUnit.MILLISECONDS);
                carry = null;
                if (first == null) {
                    continue;
                }
                List<Request> batch = new ArrayList<>();
                batch.add(first);
                int total = first.n();
                long deadline = System.nanoTime() + maxDelayNanos;
                while (total < maxBatch) {
                    long remaining = deadline - System.nanoTime();
                    Request r = remaining > 0 ? queue.poll(remaining, TimeUnit.NANOSECONDS) : queue.poll();
                    if (r == null) {
                        break;
                    }
                    if (total + r.n() > maxBatch) {
                        carry = r;
                        break;
                    }
                    batch.add(r);
                    total += r.n();
                }
                runBatch(batch, total);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (carry != null) {
                carry.future().completeExceptionally(closedException());
            }
            failPending();
        }
    }

    private void runBatch(List<Request> batch, int total) {
        try {
            long start = System.nanoTime();
            List<Prediction> all;
            if (batch.size() == 1) {
                all = scorer.score(batch.get(0).images(), total);
            } else {
                int need = total * imageSize;
                if (assembled.length < need) {
                    assembled = new float[need];
                }
                int at = 0;
                for (Request r : batch) {
                    System.arraycopy(r.images(), 0, assembled, at, r.n() * imageSize);
                    at += r.n() * imageSize;
                }
                all = scorer.score(assembled, total);
            }
            batches.incrementAndGet();
            images.addAndGet(total);
            RunObserver o = observer;
            if (o != null) {
                try {
                    o.ran(total, System.nanoTime() - start);
                } catch (RuntimeException e) {
                    LOG.debug("inference run observer failed", e);
                }
            }
            int at = 0;
            for (Request r : batch) {
                r.future().complete(List.copyOf(all.subList(at, at + r.n())));
                at += r.n();
            }
        } catch (DeepMergeException | RuntimeException e) {
            LOG.warn("inference batch of {} images failed: {}", total, e.getMessage());
            for (Request r : batch) {
                r.future().completeExceptionally(e);
            }
        }
    }

    private void failPending() {
        for (Request r = queue.poll(); r != null; r = queue.poll()) {
            r.future().completeExceptionally(closedException());
        }
    }

    private static DeepMergeException closedException() {
        return new DeepMergeException(Reason.INFERENCE_FAILED, "inference batcher closed before this request ran");
    }

    /** Stops the worker after the run in progress and fails every request not yet run. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
        }
        try {
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failPending();
    }
}
