package org.deepmerge.streams.hotswap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.deepmerge.avro.v1.ModelArtifact;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.inference.OnnxScorer;
import org.deepmerge.core.inference.Prediction;
import org.deepmerge.core.inference.ScorerOptions;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.ModelIdentity;
import org.deepmerge.core.model.ModelTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs a {@link ModelArtifact} (one record of the model topic) into a {@link ScorerHolder}, Kafka-free so the
 * hot-swap rules are testable on their own. Steps, each refusing with a clear reason:
 * <ol>
 *   <li>the artifact's name and version are file-name safe ({@code [A-Za-z0-9._-]+});</li>
 *   <li>the SHA-256 of the {@code onnx} bytes equals the record's {@code sha256} (corruption, tampering);</li>
 *   <li>a model with that SHA-256 is already running: nothing to do ({@link Outcome.Status#ALREADY_RUNNING});</li>
 *   <li>the bytes are written to {@code <cacheDir>/<name>-<version>-<sha12>.onnx} (temporary file + atomic move);</li>
 *   <li>a new {@link OnnxScorer} opens it (contract from the file's metadata_props, name and version from the record);</li>
 *   <li>the contract keys in the record equal those the scorer resolved from the file;</li>
 *   <li>warm-up: the new scorer scores a probe batch ({@link #probeBatch}: an all-zero image and a fixed pseudo-random
 *       one) and must return one finite probability in [0, 1] per image;</li>
 *   <li>{@link ScorerHolder#swap} checks input compatibility and swaps atomically;</li>
 *   <li>superseded cache files are deleted: of the files in the cache directory named as this installer names them
 *       ({@code <name>-<version>-<12 hex digits>.onnx}), every one but the new model's, the previous model's (kept for
 *       a rollback) and those of any model a batch still uses ({@link ScorerHolder#openModels()}). Other files are
 *       never touched.</li>
 * </ol>
 * A refused artifact's cache file is deleted; the running model keeps serving. Steps 1, 2 and 4 to 7 are also
 * {@link #verify}, which {@code deepmerge models promote} runs before it makes a version live. The cache directory belongs to the
 * instance(s) following one model: instances that serve different models must not share it.
 */
public final class ModelArtifactInstaller {
    private static final Logger LOG = LoggerFactory.getLogger(ModelArtifactInstaller.class);
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    /** The cache files this installer writes, {@code <name>-<version>-<sha12>.onnx}; group 1 is the SHA-256 prefix. */
    private static final Pattern CACHE_FILE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*-([0-9a-f]{12})\\.onnx");
    private static final int SHA_PREFIX = 12;

    /**
     * What happened to one artifact.
     *
     * @param status   installed, already running, or refused
     * @param identity name, version and SHA-256 the record declared (SHA as declared, also when it did not verify)
     * @param epoch    holder generation after the step
     * @param reason   why it was refused (null unless REFUSED)
     * @param message  human-readable summary
     * @param check    the check that refused it (one of {@link #CHECKS}; null unless REFUSED): the {@code reason} tag
     *                 of the {@code deepmerge.model.refused} counter
     */
    public record Outcome(Status status, ModelIdentity identity, long epoch, Reason reason, String message,
                          String check) {
        /**
         * The checks an artifact can fail: {@code undecodable} (not a ModelArtifact), {@code name} (unsafe name or
         * version), {@code sha256} (bytes do not hash to the record's SHA-256), {@code cache} (cannot write the
         * file), {@code open} (ONNX Runtime cannot open it or its contract does not resolve), {@code contract} (the
         * record's contract differs from the file's), {@code warmup} (the probe batch fails or gives a probability
         * that is not finite or outside [0, 1]), {@code incompatible} (other input than the running model), and
         * {@code not_found} (the live pointer names an artifact the topic does not hold).
         */
        public static final List<String> CHECKS = List.of("undecodable", "name", "sha256", "cache", "open", "contract",
                "warmup", "incompatible", "not_found");

        /**
         * @return one line for operators, e.g. {@code installed deepmerge-default 2.0.0 (sha256 0cd99267c88d, epoch 1)}
         *         or {@code refused (check warmup, INVALID_MODEL): ...}
         */
        @Override
        public String toString() {
            String model = identity == null ? "" : " " + identity.name() + " " + identity.version() + " (sha256 "
                    + identity.sha256().substring(0, Math.min(12, identity.sha256().length())) + ", epoch " + epoch + ")";
            return switch (status) {
                case REFUSED -> "refused" + model + " (check " + check + ", " + reason + "): " + message;
                case INSTALLED -> "installed" + model;
                case ALREADY_RUNNING -> "already running" + model;
                case CLEARED -> "cleared" + (message == null ? "" : ": " + message);
            };
        }

        /** Result kinds. */
        public enum Status {
            /** The artifact's model now serves new batches. */
            INSTALLED,
            /** The same bytes (same SHA-256) already serve; nothing changed. */
            ALREADY_RUNNING,
            /** The artifact was rejected; the running model keeps serving. */
            REFUSED,
            /** The shadow pointer was removed: shadow scoring stopped (shadow outcomes only). */
            CLEARED
        }
    }

    private final ScorerHolder holder;
    private final Path cacheDir;
    private final ScorerOptions options;
    private final Consumer<OnnxScorer> onInstalled;

    /**
     * @param holder   where compatible models are swapped in
     * @param cacheDir local directory for received ONNX files (created if missing)
     * @param options  device, threads, dynamic batch size for the new scorers (as for the initial one)
     */
    public ModelArtifactInstaller(ScorerHolder holder, Path cacheDir, ScorerOptions options) {
        this(holder, cacheDir, options, s -> { });
    }

    /**
     * @param holder      where compatible models are swapped in
     * @param cacheDir    local directory for received ONNX files (created if missing)
     * @param options     device, threads, dynamic batch size for the new scorers (as for the initial one)
     * @param onInstalled called with each newly installed scorer, after the swap (e.g. to warn about its batch size)
     */
    public ModelArtifactInstaller(ScorerHolder holder, Path cacheDir, ScorerOptions options,
                                  Consumer<OnnxScorer> onInstalled) {
        this.holder = Objects.requireNonNull(holder, "holder");
        this.cacheDir = Objects.requireNonNull(cacheDir, "cacheDir");
        this.options = Objects.requireNonNull(options, "options");
        this.onInstalled = Objects.requireNonNull(onInstalled, "onInstalled");
    }

    /**
     * Decodes a record value ({@link ModelTopic#decode}: Avro single-object encoding of {@link ModelArtifact}) and
     * installs it.
     *
     * @param value the Kafka record value
     * @return the outcome; a value that is not a ModelArtifact is REFUSED with UNKNOWN_SCHEMA (other single-object
     *         schema) or INVALID_MODEL (undecodable)
     */
    public Outcome install(byte[] value) {
        ModelArtifact artifact;
        try {
            artifact = ModelTopic.decode(value);
        } catch (DeepMergeException e) {
            return refused(null, e.reason(), e.getMessage(), "undecodable");
        }
        return install(artifact);
    }

    /**
     * Verifies and installs one artifact.
     *
     * @param artifact a decoded model-topic record
     * @return the outcome (never throws for a bad artifact: refusals are outcomes, also logged at WARN)
     */
    public Outcome install(ModelArtifact artifact) {
        ModelIdentity declared = new ModelIdentity(artifact.getName(), artifact.getVersion(), artifact.getSha256());
        try {
            byte[] onnx = checkIdentity(artifact);
            if (holder.identity().sha256().equalsIgnoreCase(artifact.getSha256())) {
                return new Outcome(Outcome.Status.ALREADY_RUNNING, declared, holder.epoch(), null, "model "
                        + artifact.getName() + " " + artifact.getVersion() + " (sha256 "
                        + artifact.getSha256().substring(0, 12) + ") is already running", null);
            }
            Verified v = openAndWarmUp(artifact, onnx, cacheDir, options);
            String previous = holder.identity().sha256();
            long epoch;
            try {
                epoch = holder.swap(v.scorer());
            } catch (DeepMergeException e) {
                deleteQuietly(v.file());
                throw new Refused("incompatible", e.reason(), e.getMessage());
            }
            String msg = "installed model " + artifact.getName() + " " + artifact.getVersion() + " (sha256 "
                    + artifact.getSha256().substring(0, 12) + ") from " + v.file() + ", epoch " + epoch;
            LOG.info(msg);
            deleteSuperseded(v.file(), previous);
            onInstalled.accept(v.scorer());
            return new Outcome(Outcome.Status.INSTALLED, declared, epoch, null, msg, null);
        } catch (Refused r) {
            return refused(declared, r.reason, r.getMessage(), r.check);
        }
    }

    /** Subdirectory of the cache directory that holds the shadow model's file. */
    public static final String SHADOW_DIR = "shadow";

    /**
     * Verifies an artifact as the shadow candidate and puts it into the slot: the checks of {@link #verify}, then
     * input compatibility with the live model ({@link ScorerHolder#incompatibility}: same channels, H, W, pixel scale,
     * resample mode and normalisation, so that it scores the very tensors prepared for the live model). Its file goes
     * to {@code <cacheDir>/shadow/}; the replaced shadow's file is deleted.
     *
     * @param value a model-topic record value (the artifact the shadow pointer names)
     * @param slot  the scorer's shadow slot
     * @return INSTALLED, ALREADY_RUNNING (that SHA-256 is the shadow already) or REFUSED with its check (logged at
     *         WARN; the previous shadow, if any, keeps running)
     */
    public Outcome installShadow(byte[] value, ShadowSlot slot) {
        ModelArtifact artifact;
        try {
            artifact = ModelTopic.decode(value);
        } catch (DeepMergeException e) {
            return refused(null, e.reason(), "shadow: " + e.getMessage(), "undecodable");
        }
        return installShadow(artifact, slot);
    }

    /**
     * {@link #installShadow(byte[], ShadowSlot)} of an artifact already decoded (or made from a file, see
     * {@code ScoringRuntime#installShadow(Path)}): the same checks, the same slot and cache file.
     *
     * @param artifact the shadow candidate
     * @param slot     the scorer's shadow slot
     * @return INSTALLED, ALREADY_RUNNING or REFUSED with its check (logged at WARN; the previous shadow, if any, keeps
     *         running)
     */
    public Outcome installShadow(ModelArtifact artifact, ShadowSlot slot) {
        ModelIdentity declared = new ModelIdentity(artifact.getName(), artifact.getVersion(), artifact.getSha256());
        try {
            byte[] onnx = checkIdentity(artifact);
            if (slot.identity().filter(id -> id.sha256().equalsIgnoreCase(artifact.getSha256())).isPresent()) {
                return new Outcome(Outcome.Status.ALREADY_RUNNING, declared, holder.epoch(), null, "shadow model "
                        + artifact.getName() + " " + artifact.getVersion() + " is already the shadow", null);
            }
            Verified v = openAndWarmUp(artifact, onnx, cacheDir.resolve(SHADOW_DIR), options);
            java.util.Optional<String> why = ScorerHolder.incompatibility(holder.contract(), v.scorer().contract());
            if (why.isPresent()) {
                v.scorer().close();
                deleteQuietly(v.file());
                throw new Refused("incompatible", Reason.INVALID_MODEL, "model " + artifact.getName() + " "
                        + artifact.getVersion() + " does not take the live model's input: " + why.get());
            }
            Path old = slot.set(v.scorer(), v.file());
            if (old != null && !old.equals(v.file())) {
                deleteQuietly(old);
            }
            String msg = "shadow model " + artifact.getName() + " " + artifact.getVersion() + " (sha256 "
                    + prefix(artifact.getSha256()) + ") installed beside live " + holder.identity().name() + " "
                    + holder.identity().version();
            LOG.info(msg);
            return new Outcome(Outcome.Status.INSTALLED, declared, holder.epoch(), null, msg, null);
        } catch (Refused r) {
            return refused(declared, r.reason, "shadow: " + r.getMessage(), r.check);
        }
    }

    /**
     * Stops shadow scoring: empties the slot (the shadow's session closes when its last batch is done) and deletes
     * its file.
     *
     * @param slot the scorer's shadow slot
     * @return CLEARED naming the removed shadow (null identity when there was none)
     */
    public Outcome clearShadow(ShadowSlot slot) {
        ModelIdentity id = slot.identity().orElse(null);
        Path old = slot.clear();
        if (old != null) {
            deleteQuietly(old);
        }
        String msg = id == null ? "no shadow model" : "shadow model " + id.name() + " " + id.version() + " cleared";
        LOG.info(msg);
        return new Outcome(Outcome.Status.CLEARED, id, holder.epoch(), null, msg, null);
    }

    /**
     * An artifact that passed {@link #verify}: its scorer, open, and its file.
     *
     * @param scorer the opened, warmed-up scorer (the caller owns it)
     * @param file   the ONNX file it was opened from
     */
    public record Verified(OnnxScorer scorer, Path file) {
    }

    /** A check an artifact failed. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        private final String check;
        private final Reason reason;

        Refused(String check, Reason reason, String message) {
            super(message);
            this.check = check;
            this.reason = reason;
        }

        /** @return the check that failed, one of {@link Outcome#CHECKS} */
        public String check() {
            return check;
        }

        /** @return the error kind */
        public Reason reason() {
            return reason;
        }
    }

    /**
     * Every check but compatibility with a running model: safe name and version, SHA-256, the file opens, the
     * record's contract is the file's, the warm-up on the probe batch. What {@code deepmerge models promote} runs
     * before it makes a version live; the scorers run it again before they install it.
     *
     * @param artifact an artifact
     * @param dir      where to write the ONNX file ({@code <name>-<version>-<sha12>.onnx})
     * @param options  scorer options (device, threads)
     * @return the opened scorer and its file (close the scorer; the file is the caller's)
     * @throws Refused naming the check that failed (the file is deleted)
     */
    public static Verified verify(ModelArtifact artifact, Path dir, ScorerOptions options) throws Refused {
        return openAndWarmUp(artifact, checkIdentity(artifact), dir, options);
    }

    /**
     * @param nameOrVersion a model name or version
     * @return true when it is file-name safe ({@code [A-Za-z0-9][A-Za-z0-9._-]*}), as every artifact's must be
     */
    public static boolean safeName(String nameOrVersion) {
        return nameOrVersion != null && SAFE.matcher(nameOrVersion).matches();
    }

    /** Steps 1 and 2: safe names, bytes hash to the record's SHA-256. @return the ONNX bytes */
    private static byte[] checkIdentity(ModelArtifact artifact) throws Refused {
        if (!SAFE.matcher(artifact.getName()).matches() || !SAFE.matcher(artifact.getVersion()).matches()) {
            throw new Refused("name", Reason.INVALID_MODEL, "model name '" + artifact.getName() + "' / version '"
                    + artifact.getVersion() + "' must match " + SAFE.pattern());
        }
        ByteBuffer buf = artifact.getOnnx().duplicate();
        byte[] onnx = new byte[buf.remaining()];
        buf.get(onnx);
        String actual = ModelIdentity.sha256(onnx);
        if (!actual.equalsIgnoreCase(artifact.getSha256())) {
            throw new Refused("sha256", Reason.INVALID_MODEL, "SHA-256 mismatch for model " + artifact.getName() + " "
                    + artifact.getVersion() + ": record says " + artifact.getSha256() + ", the " + onnx.length
                    + " ONNX bytes hash to " + actual);
        }
        return onnx;
    }

    /** Steps 4 to 6 and the warm-up. */
    private static Verified openAndWarmUp(ModelArtifact artifact, byte[] onnx, Path dir, ScorerOptions options)
            throws Refused {
        Path file = dir.resolve(artifact.getName() + "-" + artifact.getVersion() + "-" + prefix(artifact.getSha256())
                + ".onnx");
        try {
            write(dir, file, onnx);
        } catch (DeepMergeException e) {
            throw new Refused("cache", e.reason(), e.getMessage());
        }
        OnnxScorer scorer;
        try {
            scorer = OnnxScorer.open(file, options, ContractOverrides.none()
                    .withModelName(artifact.getName()).withModelVersion(artifact.getVersion()));
        } catch (DeepMergeException e) {
            deleteQuietly(file);
            throw new Refused("open", e.reason(), "cannot open model " + artifact.getName() + " "
                    + artifact.getVersion() + " from the model topic: " + e.getMessage());
        }
        String mismatch = contractMismatch(artifact.getContract(), scorer.contract());
        String warm = mismatch == null ? warmUp(scorer) : null;
        if (mismatch != null || warm != null) {
            scorer.close();
            deleteQuietly(file);
            throw mismatch != null
                    ? new Refused("contract", Reason.INVALID_MODEL, "the contract in the record of model "
                    + artifact.getName() + " " + artifact.getVersion() + " differs from the ONNX file's: " + mismatch)
                    : new Refused("warmup", Reason.INVALID_MODEL, "model " + artifact.getName() + " "
                    + artifact.getVersion() + " failed the warm-up on a probe batch: " + warm);
        }
        return new Verified(scorer, file);
    }

    /**
     * @param contract a model contract
     * @return a probe batch of two {@code [C,H,W]} images: all zeros, and fixed pseudo-random values in [0, 1)
     */
    public static float[] probeBatch(ModelContract contract) {
        int size = contract.imageSize();
        float[] images = new float[2 * size];
        java.util.Random r = new java.util.Random(16);
        for (int i = size; i < images.length; i++) {
            images[i] = r.nextFloat();
        }
        return images;
    }

    /** @return null when the scorer gives one finite probability in [0, 1] per probe image, else what went wrong */
    static String warmUp(OnnxScorer scorer) {
        try {
            List<Prediction> p = scorer.score(probeBatch(scorer.contract()), 2);
            for (int i = 0; i < p.size(); i++) {
                float v = p.get(i).pMerger();
                if (!(v >= 0f && v <= 1f)) {
                    return "probe image " + i + " (" + (i == 0 ? "zeros" : "noise") + ") scored p(merger) = " + v;
                }
            }
            return p.size() == 2 ? null : p.size() + " predictions for 2 probe images";
        } catch (DeepMergeException | RuntimeException e) {
            return e.getMessage();
        }
    }

    /** @return null when every contract key the record carries resolves to the same value from the file */
    private static String contractMismatch(Map<String, String> recorded, ModelContract resolved) {
        if (recorded == null || recorded.isEmpty()) {
            return null;
        }
        Map<String, String> fromFile = resolved.toMetadata();
        Map<String, String> diffs = new TreeMap<>();
        for (String key : ModelContract.CONTRACT_KEYS) {
            String r = recorded.get(key);
            if (r != null && !r.equals(fromFile.get(key))) {
                diffs.put(key, "record '" + r + "' vs file '" + fromFile.get(key) + "'");
            }
        }
        return diffs.isEmpty() ? null : diffs.toString();
    }

    private static void write(Path dir, Path file, byte[] onnx) throws DeepMergeException {
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, file.getFileName().toString(), ".part");
            Files.write(tmp, onnx);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (tmp != null) {
                deleteQuietly(tmp);
            }
            throw new DeepMergeException(Reason.IO_ERROR, "cannot write model cache file " + file + ": " + e, e);
        }
    }

    /**
     * Deletes the cache files of this installer's naming except {@code live}, the file of the model that served
     * before it ({@code previousSha256}, the rollback) and those of models still open (a batch may still use one).
     */
    private void deleteSuperseded(Path live, String previousSha256) {
        Set<String> keep = new HashSet<>();
        keep.add(prefix(previousSha256));
        for (ModelIdentity id : holder.openModels()) {
            keep.add(prefix(id.sha256()));
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(cacheDir)) {
            for (Path f : files) {
                Matcher m = CACHE_FILE.matcher(f.getFileName().toString());
                if (m.matches() && !f.equals(live) && !keep.contains(m.group(1))
                        && Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    deleteQuietly(f);
                    LOG.info("deleted superseded model cache file {}", f);
                }
            }
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
            LOG.warn("cannot list the model cache directory {} to delete superseded files: {}", cacheDir, e.toString());
        }
    }

    private static String prefix(String sha256) {
        String lower = sha256.toLowerCase(java.util.Locale.ROOT);
        return lower.length() > SHA_PREFIX ? lower.substring(0, SHA_PREFIX) : lower;
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", p, e.toString());
        }
    }

    private Outcome refused(ModelIdentity declared, Reason reason, String message, String check) {
        LOG.warn("model artifact refused ({}, check {}): {}; still serving {} {}", reason, check, message,
                holder.identity().name(), holder.identity().version());
        return new Outcome(Outcome.Status.REFUSED, declared, holder.epoch(), reason, message, check);
    }

    /**
     * @param declared the artifact the live pointer names
     * @param message  why it cannot be installed
     * @return a REFUSED outcome with check {@code not_found} (logged), the running model unchanged
     */
    Outcome notFound(ModelIdentity declared, String message) {
        return refused(declared, Reason.INVALID_MODEL, message, "not_found");
    }
}
