package org.deepmerge.streams.hotswap;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.inference.OnnxScorer;
import org.deepmerge.core.model.ModelIdentity;

/**
 * The shadow candidate of a scorer: at most one verified model that scores every micro-batch beside the live model
 * (docs/operations.md, "Shadow scoring"). Set and cleared by {@link ModelArtifactInstaller#installShadow} and
 * {@link ModelArtifactInstaller#clearShadow} (the follower, on the {@code <name>#shadow} pointer); leased by the
 * stream threads. Each installed shadow lives in a {@link ScorerHolder} of its own, so a batch that leased it finishes
 * on it and its ONNX Runtime session is closed only when the last lease closes, whether it was replaced or cleared.
 *
 * <p>Thread-safe.
 */
public final class ShadowSlot implements AutoCloseable {
    private record Installed(ScorerHolder holder, Path file) {
    }

    private final AtomicReference<Installed> current = new AtomicReference<>();
    private volatile boolean closed;

    /**
     * @return a lease on the shadow model for one batch (close it), or empty when there is none
     */
    public Optional<ScorerHolder.Lease> acquire() {
        while (true) {
            Installed i = current.get();
            if (i == null) {
                return Optional.empty();
            }
            try {
                return Optional.of(i.holder().acquire());
            } catch (DeepMergeException closed) {
                if (current.get() == i) {
                    return Optional.empty();
                }
                // replaced between get() and acquire(): lease the new shadow
            }
        }
    }

    /** @return the shadow model's identity, or empty when there is none */
    public Optional<ModelIdentity> identity() {
        Installed i = current.get();
        return i == null ? Optional.empty() : Optional.of(i.holder().identity());
    }

    /**
     * Makes a scorer the shadow; the previous shadow is closed once no batch uses it. The installer calls it after
     * verifying the scorer and checking its input against the live model's; a caller of its own must do the same.
     *
     * @param scorer the verified scorer; the slot owns it from now on
     * @param file   its ONNX file, or null (the previous shadow's file is returned for deletion)
     * @return the previous shadow's file, or null
     */
    public synchronized Path set(OnnxScorer scorer, Path file) {
        if (closed) {
            scorer.close();
            return null;
        }
        Installed old = current.getAndSet(new Installed(new ScorerHolder(scorer), file));
        if (old == null) {
            return null;
        }
        old.holder().close();
        return old.file();
    }

    /**
     * Removes the shadow; it is closed once no batch uses it.
     *
     * @return its ONNX file, or null when there was none
     */
    public synchronized Path clear() {
        Installed old = current.getAndSet(null);
        if (old == null) {
            return null;
        }
        old.holder().close();
        return old.file();
    }

    /** Clears the shadow and refuses any later one. Idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
        clear();
    }
}
