package org.deepmerge.streams.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.inference.Device;
import org.deepmerge.core.inference.InferenceBatcher;
import org.deepmerge.core.inference.OnnxScorer;
import org.deepmerge.core.inference.ScorerOptions;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.core.model.OutputKind;
import org.deepmerge.core.testing.TestData;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.hotswap.ScorerHolder;
import org.deepmerge.streams.testing.TestModels;
import org.deepmerge.streams.topology.BatchScorer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScoringRuntimeTest {
    private static final ScorerOptions CPU = ScorerOptions.defaults().withDevice(Device.CPU).withThreads(1, 1);

    @TempDir
    Path tmp;

    /** Scores name the model generation that produced them, across a hot-swap. */
    @Test
    void holderScorerAttributesEachBatchToItsModel() throws Exception {
        Path a = TestModels.meanSigmoid(tmp.resolve("a.onnx"), 0.01f, "1");
        Path b = TestModels.meanSigmoid(tmp.resolve("b.onnx"), -0.02f, "2");
        float[] images = new float[2 * TestModels.SIZE * TestModels.SIZE];
        Arrays.fill(images, 50f);
        try (ScorerHolder holder = new ScorerHolder(OnnxScorer.open(a, CPU, ContractOverrides.none()),
                s -> InferenceBatcher.create(s, Duration.ofMillis(1)))) {
            BatchScorer scorer = ScoringRuntime.fromHolder(holder);
            BatchScorer.ScoredBatch first = scorer.submit(images, 2).get();
            assertEquals("1", first.contract().modelVersion());
            assertEquals(1.0 / (1.0 + Math.exp(-0.5)), first.predictions().get(0).pMerger(), 1e-5);
            holder.swap(OnnxScorer.open(b, CPU, ContractOverrides.none()));
            BatchScorer.ScoredBatch second = scorer.submit(images, 2).get();
            assertEquals("2", second.contract().modelVersion());
            assertNotEquals(first.modelSha256(), second.modelSha256());
            assertEquals(1.0 / (1.0 + Math.exp(1.0)), second.predictions().get(1).pMerger(), 1e-5);
        }
    }

    @Test
    void openRefusesMissingModelAndAcceptsAssemblePolicy() throws Exception {
        if (!org.deepmerge.streams.runtime.DefaultModel.available()) {
            DeepMergeException e = assertThrows(DeepMergeException.class, () -> ScoringRuntime.open(
                    DeepMergeStreamsConfig.load(null, Map.of(), Map.of()), ContractOverrides.none()));
            assertEquals(DeepMergeException.Reason.INVALID_MODEL, e.reason(), e.getMessage());
        } else {
            try (ScoringRuntime r = ScoringRuntime.open(DeepMergeStreamsConfig.load(null, Map.of(), Map.of()),
                    ContractOverrides.none())) {
                assertEquals("deepmerge-default", r.identity().name(), "no model path: the embedded default model");
                assertEquals(java.util.List.of("any"), r.scorer().contract().channels());
            }
        }
        Path a = TestModels.meanSigmoid(tmp.resolve("a.onnx"));
        try (ScoringRuntime r = ScoringRuntime.open(DeepMergeStreamsConfig.load(null, Map.of(),
                Map.of(DeepMergeStreamsConfig.MODEL_PATH, a.toString(), DeepMergeStreamsConfig.CHANNEL_POLICY, "assemble")),
                ContractOverrides.none())) {
            assertEquals(java.util.List.of("r"), r.alertPreparer().channels());
            assertEquals("template", r.alertPreparer().kindFor("ZTF"));
        }
    }

    /**
     * A fixed-batch model on CPU whose N exceeds the micro-batch is warned about (with N, the micro-batch and the
     * setting to change); the same model made dynamic-batch, or micro-batches as large as N, are not.
     */
    @Test
    void paddingWarningNamesFixedBatchLargerThanMicroBatch() throws Exception {
        Path fixed = TestData.require("models/deepmerge-da-pytorch-untrained.onnx");
        ContractOverrides third = ContractOverrides.none().withOutputName("52").withOutputKind(OutputKind.LOGITS);
        try (OnnxScorer s = OnnxScorer.open(fixed, CPU, third)) {
            String w = ScoringRuntime.paddingWarning(s, 64).orElseThrow();
            assertTrue(w.contains("N = 256") && w.contains("at most 64") && w.contains("75%")
                    && w.contains(DeepMergeStreamsConfig.MAX_BATCH_SIZE), w);
            assertTrue(ScoringRuntime.paddingWarning(s, 256).isEmpty(), "micro-batches of N: nothing padded at full load");
        }
        Path dynamic = TestModels.meanSigmoid(tmp.resolve("dynamic.onnx"));
        try (OnnxScorer s = OnnxScorer.open(dynamic, CPU.withDynamicBatchSize(16), ContractOverrides.none())) {
            assertFalse(s.fixedBatch());
            assertTrue(ScoringRuntime.paddingWarning(s, 1).isEmpty(), "a dynamic-batch model runs at the pending size");
        }
    }

    /**
     * The meters bound to a runtime: the warm-up makes it ready, every run of the shared batcher is timed, and the
     * model-info gauge names the live model (one row), following a hot-swap.
     */
    @Test
    void metricsFollowTheBatcherAndTheLiveModel() throws Exception {
        Path a = TestModels.meanSigmoid(tmp.resolve("a.onnx"), 0.01f, "1");
        Path b = TestModels.meanSigmoid(tmp.resolve("b.onnx"), -0.02f, "2");
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        try (ScoringRuntime r = ScoringRuntime.open(DeepMergeStreamsConfig.load(null, Map.of(), Map.of(
                DeepMergeStreamsConfig.MODEL_PATH, a.toString(), DeepMergeStreamsConfig.DEVICE, "cpu")),
                ContractOverrides.none())) {
            assertFalse(r.warmed());
            assertTrue(r.warmUp().toNanos() > 0);
            assertTrue(r.warmed());
            org.deepmerge.streams.topology.ScoringMetrics m = r.metrics(registry);
            java.util.function.Supplier<java.util.List<String>> versions = () -> registry.find("deepmerge.model.info")
                    .gauges().stream().map(g -> g.getId().getTag("version") + "/" + g.getId().getTag("provider")
                            + "/" + g.getId().getTag("sha256") + "=" + g.value()).toList();
            assertEquals(java.util.List.of("1/CPUExecutionProvider/" + r.identity().sha256() + "=1.0"), versions.get());
            assertEquals(0, m.inferenceRuns(), "the warm-up is not an inference run of the stream");
            float[] images = new float[3 * TestModels.SIZE * TestModels.SIZE];
            r.scorer().submit(images, 3).get();
            assertEquals(1, m.inferenceRuns());
            assertEquals(3.0, registry.get("deepmerge.inference.batch.size").summary().totalAmount());
            r.holder().swap(OnnxScorer.open(b, CPU, ContractOverrides.none()));
            assertEquals(java.util.List.of("2/CPUExecutionProvider/" + r.identity().sha256() + "=1.0"), versions.get());
            r.scorer().submit(images, 3).get();
            assertEquals(2, m.inferenceRuns(), "the new model's batcher reports to the same meters");
        }
    }
}
