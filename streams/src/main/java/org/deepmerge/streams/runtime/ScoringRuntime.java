package org.deepmerge.streams.runtime;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.alert.LocalSchemaDirectory;
import org.deepmerge.core.alert.RegistrySchemaResolver;
import org.deepmerge.core.alert.SchemaResolver;
import org.deepmerge.core.fits.StampLimits;
import org.deepmerge.core.inference.InferenceBatcher;
import org.deepmerge.core.inference.OnnxScorer;
import org.deepmerge.core.inference.Prediction;
import org.deepmerge.core.inference.ScorerOptions;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.pipeline.CutoutPipeline;
import org.deepmerge.core.pipeline.PreparedImage;
import org.deepmerge.core.preprocess.ChannelMapping;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.models.ScorerHolder;
import org.deepmerge.streams.config.DeepMergeStreamsConfig.ChannelPolicy;
import org.deepmerge.streams.topology.BatchScorer;
import org.deepmerge.streams.topology.ImagePreparer;
import org.deepmerge.streams.topology.PreparedInput;

/**
 * The JVM-wide scoring parts behind the topology: one ONNX Runtime session ({@link OnnxScorer}), the one shared
 * {@link InferenceBatcher} every stream thread submits to, and the core {@link CutoutPipeline} (decode, channel
 * mapping, FITS decoding, preprocessing to {@code [C,H,W]} float32). Owns the native session: close it after the
 * Kafka Streams instance.
 */
public final class ScoringRuntime implements AutoCloseable {
    private final OnnxScorer scorer;
    private final InferenceBatcher batcher;
    private final CutoutPipeline pipeline;

    private ScoringRuntime(OnnxScorer scorer, InferenceBatcher batcher, CutoutPipeline pipeline) {
        this.scorer = scorer;
        this.batcher = batcher;
        this.pipeline = pipeline;
    }

    /**
     * @param config    model path, device, threads, channel policy and mapping, input schema sources, batcher settings
     * @param overrides model-contract overrides for third-party ONNX files ({@link ContractOverrides#none()} otherwise)
     * @return the opened runtime
     * @throws DeepMergeException INVALID_CONFIG (no model path, bad channel mapping), IO_ERROR, INVALID_MODEL,
     *                            DEVICE_UNAVAILABLE
     */
    public static ScoringRuntime open(DeepMergeStreamsConfig config, ContractOverrides overrides) throws DeepMergeException {
        Path model = config.modelPath();
        if (model == null) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "no model: set " + DeepMergeStreamsConfig.MODEL_PATH
                    + " (or --model)");
        }
        ScorerOptions options = ScorerOptions.defaults().withDevice(config.device())
                .withThreads(config.inferenceThreads(), 0)
                .withDynamicBatchSize(config.inferenceMaxBatch());
        ChannelMapping mapping = ChannelMapping.parse(config.channelMapping());
        if (config.channelPolicy() == ChannelPolicy.SINGLE) {
            mapping = new ChannelMapping(mapping.kindBySurvey(), mapping.defaultKind(), false);
        } else if (config.channelPolicy() == ChannelPolicy.REPLICATE) {
            mapping = new ChannelMapping(mapping.kindBySurvey(), mapping.defaultKind(), true);
        } else {
            throw new DeepMergeException(Reason.INVALID_CONFIG, DeepMergeStreamsConfig.CHANNEL_POLICY
                    + "=assemble is not implemented yet; use replicate or single");
        }
        OnnxScorer scorer = OnnxScorer.open(model, options, overrides);
        try {
            InferenceBatcher batcher = InferenceBatcher.create(scorer, Duration.ofMillis(config.inferenceMaxDelayMs()));
            ModelContract contract = scorer.contract();
            CutoutPipeline pipeline = CutoutPipeline.create(contract, resolver(config), mapping, StampLimits.defaults());
            return new ScoringRuntime(scorer, batcher, pipeline);
        } catch (DeepMergeException | RuntimeException e) {
            scorer.close();
            throw e;
        }
    }

    /**
     * @param config schema directory and/or registry URL for Confluent-framed input
     * @return directory first, then registry; with neither, every schema id is UNKNOWN_SCHEMA
     * @throws DeepMergeException IO_ERROR / INVALID_CONFIG from the resolvers
     */
    static SchemaResolver resolver(DeepMergeStreamsConfig config) throws DeepMergeException {
        SchemaResolver dir = config.inputSchemaDir() == null ? null : new LocalSchemaDirectory(config.inputSchemaDir());
        SchemaResolver reg = config.inputRegistryUrl().isEmpty() ? null
                : new RegistrySchemaResolver(URI.create(config.inputRegistryUrl()));
        return id -> {
            if (dir != null) {
                try {
                    return dir.schemaById(id);
                } catch (DeepMergeException e) {
                    if (reg == null || e.reason() != Reason.UNKNOWN_SCHEMA) {
                        throw e;
                    }
                }
            }
            if (reg != null) {
                return reg.schemaById(id);
            }
            throw new DeepMergeException(Reason.UNKNOWN_SCHEMA, "Confluent schema id " + id
                    + " unknown: no input schema directory (" + DeepMergeStreamsConfig.INPUT_SCHEMA_DIR + ") or registry ("
                    + DeepMergeStreamsConfig.INPUT_REGISTRY_URL + ") configured");
        };
    }

    /** @return decode + preprocess via the core pipeline (thread-safe) */
    public ImagePreparer preparer() {
        return message -> toInput(pipeline.prepare(message));
    }

    /**
     * @param p a prepared image of the core pipeline
     * @return the topology's view of it
     */
    public static PreparedInput toInput(PreparedImage p) {
        Alert a = p.alert();
        return new PreparedInput(a.sourceId(), a.objectId(), a.survey(), a.ra(), a.dec(), a.epochMjd(), p.bands(),
                p.incomplete(), p.image());
    }

    /** @return the shared batcher as the topology's scorer */
    public BatchScorer scorer() {
        return new BatchScorer() {
            @Override
            public ModelContract contract() {
                return scorer.contract();
            }

            @Override
            public Future<ScoredBatch> submit(float[] images, int n) {
                return batcher.submit(images, n).thenApply(p -> new ScoredBatch(p, scorer.contract(),
                        scorer.identity().sha256()));
            }
        };
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

    /** @return the ONNX Runtime scorer */
    public OnnxScorer onnxScorer() {
        return scorer;
    }

    /** @return the shared batcher */
    public InferenceBatcher batcher() {
        return batcher;
    }

    /** Stops the batcher (failing queued requests), then releases the ONNX Runtime session. */
    @Override
    public void close() {
        batcher.close();
        scorer.close();
    }
}
