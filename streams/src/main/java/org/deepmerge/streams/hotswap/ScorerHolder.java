package org.deepmerge.streams.hotswap;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.inference.InferenceBatcher;
import org.deepmerge.core.inference.OnnxScorer;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.ModelIdentity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active {@link OnnxScorer} of a running scorer process, swappable while batches are in flight (model hot-swap
 * from the compacted model topic, see {@link ModelTopicFollower} and docs/model-publishing.md).
 *
 * <p>Use: every micro-batch takes a lease, scores with the lease's scorer and closes the lease:
 * <pre>{@code
 * try (ScorerHolder.Lease lease = holder.acquire()) {
 *     List<Prediction> p = lease.scorer().score(images, n);   // images [n,C,H,W] float32
 *     ... stamp lease.identity() on the scores ...
 * }
 * }</pre>
 * A lease pins one model generation: scores and the identity stamped on them always come from the same model, even
 * if a swap happens during the batch. {@link #swap} installs a new scorer at once (new leases get it) and closes the
 * old scorer only when its last lease is closed (reference counting), so no ONNX Runtime session is freed while a
 * batch runs on it.
 *
 * <p>Only compatible models are swapped in: {@link #incompatibility} requires the same input, i.e. the same
 * channels (bands, in order), H, W, pixel scale, resample mode and normalisation. The stream buffers cutouts and
 * preprocesses them for the running contract, so a model that expects other input would score wrong tensors
 * without failing. Output kind, class names and batch size may change.
 *
 * <p>With a {@link BatcherFactory} every installed scorer gets its own {@link InferenceBatcher} (Triton-style merging
 * of the stream threads' flushes), reached through {@link Lease#batcher()} and closed with its scorer:
 * <pre>{@code
 * ScorerHolder holder = new ScorerHolder(scorer, s -> InferenceBatcher.create(s, Duration.ofMillis(2)));
 * try (ScorerHolder.Lease lease = holder.acquire()) {
 *     List<Prediction> p = lease.batcher().score(images, n);  // blocks until the merged run is done
 * }
 * }</pre>
 *
 * <p>Thread-safe; {@link #acquire()} is lock-free.
 */
public final class ScorerHolder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ScorerHolder.class);

    /**
     * Creates the inference batcher that serves one installed scorer, e.g.
     * {@code s -> InferenceBatcher.create(s, Duration.ofMillis(2))}.
     */
    @FunctionalInterface
    public interface BatcherFactory {
        /**
         * @param scorer the scorer the batcher runs on
         * @return a started batcher
         * @throws DeepMergeException INVALID_CONFIG when the batcher settings are invalid
         */
        InferenceBatcher create(OnnxScorer scorer) throws DeepMergeException;
    }

    /**
     * One installed scorer (with its batcher, if any) and its reference count (1 for the holder while current, +1
     * per open lease).
     */
    private static final class Generation {
        final OnnxScorer scorer;
        final InferenceBatcher batcher;
        final long epoch;
        final AtomicInteger refs = new AtomicInteger(1);
        /** The holder's generations not yet closed; this one leaves it when it closes. */
        final Set<Generation> open;

        Generation(OnnxScorer scorer, InferenceBatcher batcher, long epoch, Set<Generation> open) {
            this.scorer = scorer;
            this.batcher = batcher;
            this.epoch = epoch;
            this.open = open;
            open.add(this);
        }

        boolean retain() {
            for (int r = refs.get(); r > 0; r = refs.get()) {
                if (refs.compareAndSet(r, r + 1)) {
                    return true;
                }
            }
            return false;
        }

        void release() {
            int r = refs.decrementAndGet();
            if (r == 0) {
                LOG.info("closing model {} {} (sha256 {}, epoch {}): no batch uses it any more", scorer.identity().name(),
                        scorer.identity().version(), shortSha(scorer.identity()), epoch);
                if (batcher != null) {
                    batcher.close();
                }
                scorer.close();
                open.remove(this);
            } else if (r < 0) {
                throw new IllegalStateException("scorer generation " + epoch + " released more often than retained");
            }
        }
    }

    /**
     * A pinned model generation; close it when the batch is done (idempotent).
     */
    public static final class Lease implements AutoCloseable {
        private final Generation generation;
        private final AtomicBoolean closed = new AtomicBoolean();

        private Lease(Generation generation) {
            this.generation = generation;
        }

        /** @return the scorer; valid until this lease is closed */
        public OnnxScorer scorer() {
            return generation.scorer;
        }

        /** @return name, version and SHA-256 of the leased model, to stamp on scores */
        public ModelIdentity identity() {
            return generation.scorer.identity();
        }

        /**
         * The inference batcher of the leased scorer (holders built with a {@link BatcherFactory}). Wait for the
         * batch's future before closing the lease: the batcher is closed with its scorer.
         *
         * @return the batcher merging concurrent requests into full runs of {@link #scorer()}
         * @throws IllegalStateException when the holder was built without a batcher factory
         */
        public InferenceBatcher batcher() {
            if (generation.batcher == null) {
                throw new IllegalStateException("this ScorerHolder was built without a BatcherFactory");
            }
            return generation.batcher;
        }

        /** @return the leased model's contract (preprocessing and output reading) */
        public ModelContract contract() {
            return generation.scorer.contract();
        }

        /** @return the generation number: 0 for the initial model, +1 per swap */
        public long epoch() {
            return generation.epoch;
        }

        /** Releases the generation; the last release of a replaced generation closes its scorer. */
        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                generation.release();
            }
        }
    }

    private final Set<Generation> open = ConcurrentHashMap.newKeySet();
    private final AtomicReference<Generation> current;
    private final BatcherFactory batcherFactory;
    private final Object swapLock = new Object();
    private final java.util.List<java.util.function.Consumer<OnnxScorer>> swapListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean closed;

    /**
     * A holder without batchers: leases give the scorer only.
     *
     * @param initial the scorer to serve first; the holder owns it from now on (closes it)
     */
    public ScorerHolder(OnnxScorer initial) {
        this.batcherFactory = null;
        this.current = new AtomicReference<>(new Generation(Objects.requireNonNull(initial, "initial"), null, 0, open));
    }

    /**
     * A holder that gives every installed scorer its own {@link InferenceBatcher}, closed together with the scorer
     * once no lease uses it (so the shared batcher swaps with the model).
     *
     * @param initial the scorer to serve first; the holder owns it (and its batcher) from now on
     * @param batchers creates the batcher of each installed scorer
     * @throws DeepMergeException as the factory throws (the initial scorer is then closed)
     */
    public ScorerHolder(OnnxScorer initial, BatcherFactory batchers) throws DeepMergeException {
        this.batcherFactory = Objects.requireNonNull(batchers, "batchers");
        this.current = new AtomicReference<>(new Generation(Objects.requireNonNull(initial, "initial"),
                batcherFor(initial), 0, open));
    }

    private InferenceBatcher batcherFor(OnnxScorer scorer) throws DeepMergeException {
        if (batcherFactory == null) {
            return null;
        }
        try {
            return batcherFactory.create(scorer);
        } catch (DeepMergeException | RuntimeException e) {
            scorer.close();
            throw e;
        }
    }

    /**
     * Pins the current model for one batch.
     *
     * @return a lease; close it (try-with-resources)
     * @throws DeepMergeException INFERENCE_FAILED when the holder is closed
     */
    public Lease acquire() throws DeepMergeException {
        while (true) {
            if (closed) {
                throw new DeepMergeException(Reason.INFERENCE_FAILED, "scorer holder is closed: no model to score with");
            }
            Generation g = current.get();
            if (g.retain()) {
                return new Lease(g);
            }
            // g was replaced and fully released between get() and retain(): read the new current and retry
        }
    }

    /**
     * @param listener told of every model installed by {@link #swap} from now on, with the new scorer (on the
     *                 swapping thread, after the swap; read its identity and provider, never close it); a listener
     *                 that throws is logged and ignored
     */
    public void addSwapListener(java.util.function.Consumer<OnnxScorer> listener) {
        swapListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** @return the execution provider of the model new leases get, e.g. {@code CPUExecutionProvider} */
    public String executionProvider() {
        return current.get().scorer.executionProvider();
    }

    /** @return identity of the model new leases get */
    public ModelIdentity identity() {
        return current.get().scorer.identity();
    }

    /**
     * @return the identity of every model whose session is still open: the current one and any earlier one a batch
     *         still holds a lease on (e.g. so that its cached file is kept)
     */
    public Set<ModelIdentity> openModels() {
        Set<ModelIdentity> ids = new HashSet<>();
        for (Generation g : open) {
            ids.add(g.scorer.identity());
        }
        return ids;
    }

    /** @return contract of the model new leases get */
    public ModelContract contract() {
        return current.get().scorer.contract();
    }

    /** @return generation of the model new leases get: 0 initially, +1 per successful swap */
    public long epoch() {
        return current.get().epoch;
    }

    /**
     * Installs a new scorer if it is compatible with the current one. On success the holder owns {@code next} and
     * the previous scorer is closed once its last lease closes; on refusal {@code next} is closed.
     *
     * @param next the scorer to install
     * @return the new generation number
     * @throws DeepMergeException INVALID_MODEL naming the incompatibility (see {@link #incompatibility});
     *                            INFERENCE_FAILED when the holder is closed; as the batcher factory throws
     * @throws IllegalArgumentException when {@code next} is the scorer already installed
     */
    public long swap(OnnxScorer next) throws DeepMergeException {
        Objects.requireNonNull(next, "next");
        Generation old;
        Generation installed;
        synchronized (swapLock) {
            if (closed) {
                next.close();
                throw new DeepMergeException(Reason.INFERENCE_FAILED, "scorer holder is closed: cannot install model "
                        + next.identity().name() + " " + next.identity().version());
            }
            old = current.get();
            if (next == old.scorer) {
                throw new IllegalArgumentException("scorer " + next.identity().name() + " is already installed");
            }
            Optional<String> why = incompatibility(old.scorer.contract(), next.contract());
            if (why.isPresent()) {
                next.close();
                throw new DeepMergeException(Reason.INVALID_MODEL, "model " + next.identity().name() + " "
                        + next.identity().version() + " (sha256 " + shortSha(next.identity()) + ") is incompatible with "
                        + "the running model " + old.scorer.identity().name() + " " + old.scorer.identity().version()
                        + ": " + why.get() + "; restart the scorer with the new model instead");
            }
            installed = new Generation(next, batcherFor(next), old.epoch + 1, open);
            current.set(installed);
        }
        LOG.info("model swapped: {} {} (sha256 {}) -> {} {} (sha256 {}), epoch {}", old.scorer.identity().name(),
                old.scorer.identity().version(), shortSha(old.scorer.identity()), next.identity().name(),
                next.identity().version(), shortSha(next.identity()), installed.epoch);
        old.release();
        for (java.util.function.Consumer<OnnxScorer> l : swapListeners) {
            try {
                l.accept(next);
            } catch (RuntimeException e) {
                LOG.warn("model swap listener failed: {}", e.toString());
            }
        }
        return installed.epoch;
    }

    /**
     * Whether a candidate model can replace the running one without changing what the stream feeds it.
     *
     * @param running   contract of the running model
     * @param candidate contract of the candidate
     * @return empty when compatible, else every difference, e.g. "channels [g, r] != [F814W, F160W]"
     */
    public static Optional<String> incompatibility(ModelContract running, ModelContract candidate) {
        List<String> diffs = new ArrayList<>();
        if (!running.channels().equals(candidate.channels())) {
            diffs.add("channels " + candidate.channels() + " != " + running.channels());
        }
        if (running.height() != candidate.height() || running.width() != candidate.width()) {
            diffs.add("input H x W " + candidate.height() + "x" + candidate.width() + " px != " + running.height()
                    + "x" + running.width() + " px");
        }
        if (Double.compare(running.pixelScaleArcsec(), candidate.pixelScaleArcsec()) != 0) {
            diffs.add("pixel scale " + candidate.pixelScaleArcsec() + " arcsec/px != " + running.pixelScaleArcsec()
                    + " arcsec/px");
        }
        if (running.resample() != candidate.resample()) {
            diffs.add("resample " + candidate.resample() + " != " + running.resample());
        }
        if (!running.normalisation().equals(candidate.normalisation())) {
            diffs.add("normalisation " + candidate.normalisation().spec() + " != " + running.normalisation().spec());
        }
        return diffs.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", diffs));
    }

    /**
     * Stops handing out leases; the current scorer is closed when its last lease closes (at once if none is open).
     * Idempotent.
     */
    @Override
    public void close() {
        Generation g;
        synchronized (swapLock) {
            if (closed) {
                return;
            }
            closed = true;
            g = current.get();
        }
        g.release();
    }

    private static String shortSha(ModelIdentity id) {
        return id.sha256().length() > 12 ? id.sha256().substring(0, 12) : id.sha256();
    }
}
