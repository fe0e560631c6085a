package org.deepmerge.streams.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.deepmerge.avro.v1.ModelArtifact;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.alert.SchemaResolver;
import org.deepmerge.core.fits.StampLimits;
import org.deepmerge.core.inference.Device;
import org.deepmerge.core.inference.InferenceBatcher;
import org.deepmerge.core.inference.OnnxScorer;
import org.deepmerge.core.inference.Prediction;
import org.deepmerge.core.inference.ScorerOptions;
import org.deepmerge.core.gate.GateConfig;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.ModelContracts;
import org.deepmerge.core.model.ModelIdentity;
import org.deepmerge.core.pipeline.CutoutPipeline;
import org.deepmerge.core.pipeline.PreparedImage;
import org.deepmerge.core.preprocess.ChannelMapping;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.topology.ScoringTopology;
import org.deepmerge.streams.topology.ScoringMetrics;
import org.deepmerge.streams.serde.MergerScoreSerde;
import io.micrometer.core.instrument.MeterRegistry;
import org.deepmerge.streams.hotswap.ModelArtifactInstaller;
import org.deepmerge.streams.hotswap.ModelTopicFollower;
import org.deepmerge.streams.hotswap.ScorerHolder;
import org.deepmerge.streams.hotswap.ShadowSlot;
import org.deepmerge.streams.topology.ShadowMetrics;
import org.deepmerge.streams.topology.ShadowScorer;
import org.deepmerge.streams.config.DeepMergeStreamsConfig.ChannelPolicy;
import org.deepmerge.streams.topology.BatchScorer;
import org.deepmerge.streams.topology.AlertPreparer;
import org.deepmerge.streams.topology.ImagePreparer;
import org.deepmerge.streams.topology.PreparedInput;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JVM-wide scoring parts behind the topology: the ONNX Runtime session ({@link OnnxScorer}) in a hot-swappable
 * {@link ScorerHolder}, the one shared {@link InferenceBatcher} of the current model that every stream thread submits
 * to, and the core {@link CutoutPipeline} (decode, channel mapping, FITS decoding, preprocessing to {@code [C,H,W]}
 * float32). Owns the native sessions: close it after the Kafka Streams instance.
 */
public final class ScoringRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ScoringRuntime.class);
    private final ScorerHolder holder;
    private final CutoutPipeline pipeline;
    private final ChannelMapping mapping;
    private final ScorerOptions options;
    /** {@code deepmerge.model.cache.dir}: where installed models (and, in {@code shadow/}, the shadow) are copied. */
    private final Path modelCacheDir;
    private final ShadowSlot shadow = new ShadowSlot();
    /** Where every batcher of this runtime (one per installed model) reports its runs; set by {@link #metrics}. */
    private final java.util.concurrent.atomic.AtomicReference<InferenceBatcher.RunObserver> runObserver;
    private volatile boolean warmed;

    private ScoringRuntime(ScorerHolder holder, CutoutPipeline pipeline, ChannelMapping mapping, ScorerOptions options,
                           Path modelCacheDir,
                           java.util.concurrent.atomic.AtomicReference<InferenceBatcher.RunObserver> runObserver) {
        this.runObserver = runObserver;
        this.modelCacheDir = modelCacheDir;
        this.mapping = mapping;
        this.holder = holder;
        this.pipeline = pipeline;
        this.options = options;
    }

    /**
     * @param config    model path, device, threads, channel policy and mapping, input schema sources, batcher settings
     * @param overrides model-contract overrides for third-party ONNX files ({@link ContractOverrides#none()} otherwise)
     * @return the opened runtime
     * @throws DeepMergeException INVALID_MODEL (no model path and no default model embedded in the jar),
     *                            INVALID_CONFIG (bad channel mapping; under the assemble channel policy, model
     *                            bands no alert survey can complete, see {@link AssembleBands#check}), IO_ERROR,
     *                            DEVICE_UNAVAILABLE
     */
    public static ScoringRuntime open(DeepMergeStreamsConfig config, ContractOverrides overrides) throws DeepMergeException {
        Path model = DefaultModel.resolve(config.modelPath());
        ScorerOptions options = ScorerOptions.defaults().withDevice(config.device())
                .withThreads(config.inferenceThreads(), 0)
                .withSpinWait(config.inferenceSpinWait())
                .withPinning(config.inferencePinnedBatches())
                .withDynamicBatchSize(config.inferenceMaxBatch());
        ChannelMapping mapping = ChannelMapping.parse(config.channelMapping());
        if (config.channelPolicy() == ChannelPolicy.SINGLE) {
            mapping = new ChannelMapping(mapping.kindBySurvey(), mapping.defaultKind(), false);
        } else {
            // replicate, and assemble: an object's missing bands are filled by replication at the timeout
            mapping = new ChannelMapping(mapping.kindBySurvey(), mapping.defaultKind(), true);
        }
        OnnxScorer scorer = OnnxScorer.open(model, options, overrides);
        if (config.channelPolicy() == ChannelPolicy.ASSEMBLE) {
            try {
                AssembleBands.check(scorer.contract().channels()).forEach(LOG::warn);
            } catch (DeepMergeException e) {
                scorer.close();
                throw e;
            }
        }
        warnAboutPadding(scorer, config);
        Duration delay = Duration.ofMillis(config.inferenceMaxDelayMs());
        java.util.concurrent.atomic.AtomicReference<InferenceBatcher.RunObserver> observer =
                new java.util.concurrent.atomic.AtomicReference<>();
        InferenceBatcher.RunObserver delegate = (n, nanos) -> {
            InferenceBatcher.RunObserver o = observer.get();
            if (o != null) {
                o.ran(n, nanos);
            }
        };
        ScorerHolder holder = new ScorerHolder(scorer, s -> InferenceBatcher.create(s, delay).observedBy(delegate));
        try {
            CutoutPipeline pipeline = CutoutPipeline.create(scorer.contract(), resolver(config), mapping,
                    StampLimits.defaults(), GateConfig.defaults().withEnabled(config.gateEnabled()))
                    .withMorphology(config.morphology());
            return new ScoringRuntime(holder, pipeline, mapping, options, config.modelCacheDir(), observer);
        } catch (DeepMergeException | RuntimeException e) {
            holder.close();
            throw e;
        }
    }

    /**
     * The cost of serving a fixed-batch model on CPU: {@link OnnxScorer} pads every ONNX Runtime run to the model's
     * N, so a micro-batch of M &lt; N images costs N images of arithmetic. Measured on 2 cores with the DeepMerge
     * PyTorch export (N = 256) and micro-batches of 64: the model's thread used 56.0 CPU-s for 40,000 real ZTF alerts,
     * against 12.6 CPU-s with the same model made dynamic-batch (docs/benchmarks.md, sixth round). On CUDA the
     * padding runs in parallel on the device and pinned sizes are the norm, so no warning is given there.
     *
     * @param scorer     the opened scorer
     * @param microBatch most images one stream thread's micro-batch holds ({@code deepmerge.max.batch.size})
     * @return the warning text when the scorer runs on CPU with a fixed batch N &gt; microBatch; empty otherwise
     */
    public static Optional<String> paddingWarning(OnnxScorer scorer, int microBatch) {
        if (!scorer.fixedBatch() || scorer.device() != Device.CPU || scorer.maxBatch() <= microBatch) {
            return Optional.empty();
        }
        return Optional.of(String.format(Locale.ROOT,
                "model %s has a fixed batch dimension N = %d and runs on CPU: every ONNX Runtime run computes %d images"
                        + " whatever the number pending, and a micro-batch holds at most %d (%s), so up to %.0f%% of"
                        + " the model's CPU time goes on padding. Export the model with a symbolic batch dimension on"
                        + " its input and outputs (torch.onnx.export dynamic_axes, see docs/model-contract.md), or set"
                        + " %s to %d.",
                scorer.identity().name(), scorer.maxBatch(), scorer.maxBatch(), microBatch,
                DeepMergeStreamsConfig.MAX_BATCH_SIZE, 100.0 * (scorer.maxBatch() - microBatch) / scorer.maxBatch(),
                DeepMergeStreamsConfig.MAX_BATCH_SIZE, scorer.maxBatch()));
    }

    /** Logs {@link #paddingWarning} at WARN for a model opened at start or installed from the model topic. */
    private static void warnAboutPadding(OnnxScorer scorer, DeepMergeStreamsConfig config) {
        paddingWarning(scorer, config.maxBatchSize()).ifPresent(LOG::warn);
    }

    /**
     * @param config schema directory and/or registry URL for Confluent-framed input
     * @return directory first, then registry; with neither, every schema id is UNKNOWN_SCHEMA
     * @throws DeepMergeException IO_ERROR / INVALID_CONFIG from the resolvers
     */
    static SchemaResolver resolver(DeepMergeStreamsConfig config) throws DeepMergeException {
        return SchemaResolver.directoryThenRegistry(config.inputSchemaDir(), config.inputRegistry().orElse(null),
                "no input schema directory (" + DeepMergeStreamsConfig.INPUT_SCHEMA_DIR + ") or registry ("
                        + DeepMergeStreamsConfig.INPUT_REGISTRY_URL + ") configured");
    }

    /**
     * Everything {@link ScoringTopology#addTo} needs from this runtime, in one call: decode and preprocess, the shared
     * (hot-swappable) scorer, the score serializer the configuration asks for and the meters.
     *
     * @param config   the configuration this runtime was opened with ({@code deepmerge.output.encoding} and registry)
     * @param registry where the scorer's meters go (e.g. the application's Prometheus registry)
     * @return the topology's dependencies
     */
    public ScoringTopology.Dependencies dependencies(DeepMergeStreamsConfig config, MeterRegistry registry) {
        return new ScoringTopology.Dependencies(preparer(), scorer(), MergerScoreSerde.fromConfig(config).serializer(),
                metrics(registry), alertPreparer(), shadowScorer(new ShadowMetrics(registry, config.shadowThreshold(),
                config.shadowWindow())));
    }

    /**
     * The topology's shadow scorer over this runtime's {@link #shadowSlot()}: each micro-batch leases the shadow model
     * (if the model topic names one, see {@link #followModelTopic}) and scores the live model's images with it on the
     * calling stream thread; a shadow with the live model's SHA-256 is not run (e.g. after a rollback to it, or a
     * promotion the scorer refused). A run that throws is counted ({@code deepmerge.shadow.failed{reason=exception}}, per image)
     * and logged once per shadow model; the batch's live scores are unaffected.
     *
     * @param metrics the shadow meters
     * @return the shadow scorer
     */
    public ShadowScorer shadowScorer(ShadowMetrics metrics) {
        return new ShadowScorer() {
            @Override
            public ShadowBatch score(float[] images, int n, ModelIdentity live) {
                Optional<ScorerHolder.Lease> leased = shadow.acquire();
                metrics.shadowModel(leased.map(ScorerHolder.Lease::identity).orElse(null));
                if (leased.isEmpty()) {
                    return null;
                }
                try (ScorerHolder.Lease lease = leased.get()) {
                    if (lease.identity().sha256().equalsIgnoreCase(live.sha256())) {
                        metrics.shadowIsLive(lease.identity());
                        return null;
                    }
                    long t0 = System.nanoTime();
                    List<Prediction> p = lease.scorer().score(images, n);
                    metrics.inference(System.nanoTime() - t0);
                    return new ShadowBatch(p, lease.contract(), lease.identity());
                } catch (DeepMergeException | RuntimeException e) {
                    metrics.failed("exception", n, leased.get().identity(), e.toString());
                    return null;
                }
            }

            @Override
            public ShadowMetrics metrics() {
                return metrics;
            }
        };
    }

    /**
     * Makes an ONNX file the shadow candidate without a model topic (e.g. {@code deepmerge bench pipeline
     * --shadow-model}). The file becomes the {@link ModelArtifact} that {@code deepmerge models publish} would write
     * (name and version from its metadata, else the file name and {@code unversioned}; the SHA-256 of its bytes; its
     * contract), and {@link ModelArtifactInstaller#installShadow(ModelArtifact, ShadowSlot)} checks it exactly as it
     * checks the candidate a {@code <name>#shadow} pointer names: safe name and version, SHA-256, opens with the
     * contract in its metadata (no overrides, so the file must carry its contract), the warm-up on the probe batch, and
     * input compatibility with the live model. Its copy goes to {@code <deepmerge.model.cache.dir>/shadow/}; a shadow
     * already set is replaced. It must not have the live model's SHA-256 (a shadow is never run against itself, see
     * {@link #shadowScorer}); for a shadow of the same cost use a copy with other metadata, e.g. re-versioned by
     * {@code deepmerge-train publish}.
     *
     * @param onnx the candidate's ONNX file
     * @return the shadow model's name, version and SHA-256
     * @throws DeepMergeException IO_ERROR when the file cannot be read; INVALID_MODEL when it is the live model's bytes,
     *                            when its contract does not
     *                            resolve, or with the installer's reason when a check refuses it (the message names the
     *                            check, one of {@link ModelArtifactInstaller.Outcome#CHECKS}); the previous shadow, if
     *                            any, keeps running
     */
    public ModelIdentity installShadow(Path onnx) throws DeepMergeException {
        ModelContract contract = ModelContracts.read(onnx, ContractOverrides.none());
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(onnx);
        } catch (IOException e) {
            throw new DeepMergeException(DeepMergeException.Reason.IO_ERROR, "cannot read shadow model " + onnx + ": "
                    + e, e);
        }
        String sha256 = ModelIdentity.sha256(bytes);
        if (sha256.equalsIgnoreCase(holder.identity().sha256())) {
            throw new DeepMergeException(DeepMergeException.Reason.INVALID_MODEL, "shadow model " + onnx + " is the live "
                    + "model (sha256 " + sha256 + "): a shadow is never run against itself; for a shadow of the same "
                    + "size use a re-versioned copy (deepmerge-train publish --model FILE --name N --version V-shadow "
                    + "--models-dir DIR)");
        }
        ModelArtifact artifact = ModelArtifact.newBuilder().setName(contract.modelName())
                .setVersion(contract.modelVersion()).setSha256(sha256)
                .setOnnx(ByteBuffer.wrap(bytes)).setModelCardJson("{}").setCreatedAt(Instant.now())
                .setProducer("ScoringRuntime.installShadow").setContract(new LinkedHashMap<>(contract.toMetadata()))
                .build();
        ModelArtifactInstaller.Outcome o = new ModelArtifactInstaller(holder, modelCacheDir, options)
                .installShadow(artifact, shadow);
        if (o.status() == ModelArtifactInstaller.Outcome.Status.REFUSED) {
            throw new DeepMergeException(o.reason(), "shadow model " + onnx + " refused (check " + o.check() + "): "
                    + o.message());
        }
        return o.identity();
    }

    /** @return the shadow candidate's slot, filled by the model-topic follower from {@code <name>#shadow} */
    public ShadowSlot shadowSlot() {
        return shadow;
    }

    /**
     * The topology's meters in {@code registry}, bound to this runtime: every ONNX Runtime run of the shared inference
     * batcher is recorded ({@code deepmerge.inference.run}, {@code deepmerge.inference.batch.size}) and
     * {@code deepmerge.model.info} names the live model, following hot-swaps. Call it once per runtime (a later call
     * moves the inference meters to the new registry).
     *
     * @param registry where the meters go (e.g. the application's Prometheus registry)
     * @return the meters, for {@link ScoringTopology.Dependencies}
     */
    public ScoringMetrics metrics(MeterRegistry registry) {
        ScoringMetrics metrics = new ScoringMetrics(registry);
        metrics.liveModel(holder.identity(), holder.executionProvider());
        holder.addSwapListener(s -> metrics.liveModel(s.identity(), s.executionProvider()));
        runObserver.set(metrics::inferenceRun);
        return metrics;
    }

    /**
     * Runs the current model once on a zero image, so that the first alerts do not pay for the session's first run
     * (memory arenas, lazy kernels; on CUDA the algorithm search of pinned sizes happens at open), and proves the model
     * answers before the application reports ready. Logs one INFO line.
     *
     * @return how long the run took
     * @throws DeepMergeException INFERENCE_FAILED when the model fails on it or the runtime is closed
     */
    public Duration warmUp() throws DeepMergeException {
        long t0 = System.nanoTime();
        try (ScorerHolder.Lease lease = holder.acquire()) {
            lease.scorer().score(new float[lease.contract().imageSize()], 1);
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            warmed = true;
            LOG.info("model {} {} (sha256 {}) warmed up on {} in {} ms", lease.identity().name(),
                    lease.identity().version(), lease.identity().sha256().substring(0, Math.min(12,
                            lease.identity().sha256().length())), lease.scorer().executionProvider(), took.toMillis());
            return took;
        }
    }

    /** @return whether {@link #warmUp} succeeded and the runtime is not closed: a model is loaded and answers */
    public boolean warmed() {
        return warmed;
    }

    /** @return decode + preprocess via the core pipeline (thread-safe) */
    public ImagePreparer preparer() {
        return message -> toInput(pipeline.prepare(message));
    }

    /**
     * @return decode and preprocess as separate steps via the core pipeline, for the {@code assemble} channel
     *         policy (thread-safe)
     */
    public AlertPreparer alertPreparer() {
        return new AlertPreparer() {
            @Override
            public Alert read(byte[] message) throws DeepMergeException {
                return pipeline.reader().read(message);
            }

            @Override
            public PreparedInput prepare(Alert alert) throws DeepMergeException {
                return toInput(pipeline.prepare(alert));
            }

            @Override
            public String kindFor(String survey) {
                return mapping.kindFor(survey);
            }

            @Override
            public List<String> channels() {
                return pipeline.contract().channels();
            }
        };
    }

    /**
     * @param p a prepared image of the core pipeline
     * @return the topology's view of it
     */
    public static PreparedInput toInput(PreparedImage p) {
        Alert a = p.alert();
        return new PreparedInput(a.sourceId(), a.objectId(), a.survey(), a.ra(), a.dec(), a.epochMjd(), p.bands(),
                p.incomplete(), p.image(), p.applicability(), p.morphology());
    }

    /** @return the current model's shared batcher as the topology's scorer (follows hot-swaps) */
    public BatchScorer scorer() {
        return fromHolder(holder);
    }

    /**
     * The topology's scorer over a hot-swappable {@link ScorerHolder} (model topic): each micro-batch leases the
     * current model generation and its batcher, and the scores carry that generation's identity even when a swap
     * happens while the batch runs. The holder must have been built with a batcher factory.
     *
     * @param holder the scorer holder
     * @return the scorer
     */
    public static BatchScorer fromHolder(ScorerHolder holder) {
        return new BatchScorer() {
            @Override
            public ModelContract contract() {
                return holder.contract();
            }

            @Override
            public String modelSha256() {
                return holder.identity().sha256();
            }

            @Override
            public Future<ScoredBatch> submit(float[] images, int n) {
                ScorerHolder.Lease lease;
                try {
                    lease = holder.acquire();
                } catch (DeepMergeException e) {
                    return CompletableFuture.failedFuture(e);
                }
                CompletableFuture<List<Prediction>> f;
                try {
                    f = lease.batcher().submit(images, n);
                } catch (RuntimeException e) {
                    lease.close();
                    throw e;
                }
                return f.whenComplete((r, e) -> lease.close())
                        .thenApply(p -> new ScoredBatch(p, lease.contract(), lease.identity().sha256()));
            }
        };
    }

    /** @return the core pipeline */
    public CutoutPipeline pipeline() {
        return pipeline;
    }

    /**
     * Starts hot-swapping new versions of the running model (same name; same input contract, else refused and
     * logged) from the compacted model topic {@code deepmerge.model.topic}, and installing the shadow candidate its
     * {@code <name>#shadow} pointer names into {@link #shadowSlot()} (input-compatible, else refused).
     *
     * @param clientProps Kafka client settings (bootstrap, TLS/SASL); only consumer settings are used
     * @param config      model topic and cache directory
     * @return the running follower; close it before this runtime
     * @throws DeepMergeException INVALID_CONFIG when no bootstrap servers or no model topic are given
     */
    public ModelTopicFollower followModelTopic(Properties clientProps, DeepMergeStreamsConfig config)
            throws DeepMergeException {
        Properties consumer = new Properties();
        for (String k : clientProps.stringPropertyNames()) {
            if (ConsumerConfig.configNames().contains(k)) {
                consumer.put(k, clientProps.get(k));
            }
        }
        return new ModelTopicFollower(consumer, config.modelTopic(), identity().name(),
                new ModelArtifactInstaller(holder, config.modelCacheDir(), options,
                        s -> warnAboutPadding(s, config)),
                Duration.ofSeconds(1), shadow);
    }

    /** @return the holder of the current model (swap target of the model-topic follower) */
    public ScorerHolder holder() {
        return holder;
    }

    /** @return the scorer options new models are opened with */
    public ScorerOptions options() {
        return options;
    }

    /** @return identity (name, version, SHA-256) of the current model */
    public ModelIdentity identity() {
        return holder.identity();
    }

    /**
     * @return the current model's shared batcher (for its counters)
     * @throws DeepMergeException INFERENCE_FAILED when the runtime is closed
     */
    public InferenceBatcher batcher() throws DeepMergeException {
        try (ScorerHolder.Lease lease = holder.acquire()) {
            return lease.batcher();
        }
    }

    /**
     * Closes the holder and the shadow slot: the current (and shadow) model's batcher and session are released once no
     * batch uses them.
     */
    @Override
    public void close() {
        warmed = false;
        shadow.close();
        holder.close();
    }
}
