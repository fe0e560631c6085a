package org.deepmerge.streams.hotswap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.deepmerge.avro.v1.ModelArtifact;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.inference.OnnxScorer;
import org.deepmerge.core.inference.ScorerOptions;
import org.deepmerge.core.inference.TinyOnnx;
import org.deepmerge.core.model.ModelIdentity;
import org.deepmerge.core.model.ModelTopic;
import org.deepmerge.streams.hotswap.ModelArtifactInstaller.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the model follower does with each model-topic record, without Kafka: {@link ModelArtifactInstaller} on real
 * Avro-encoded {@link ModelArtifact}s and real ONNX Runtime sessions.
 */
class ModelFollowerInstallerTest {
    @TempDir
    Path dir;

    private Path model(String version, String channels) throws Exception {
        return TinyOnnx.write(dir.resolve("src-" + version + ".onnx"), TinyOnnx.Head.SIGMOID, -1,
                ScorerHolderTest.metadata("tiny", version, channels));
    }

    private static ModelArtifact artifact(Path onnx, String version, String sha) throws Exception {
        return org.deepmerge.streams.testing.TestModels.artifact(onnx, "tiny", version, sha);
    }

    private static byte[] encode(ModelArtifact a) throws Exception {
        return ModelTopic.encode(a);
    }

    private static long cacheFiles(Path cache) throws Exception {
        if (!Files.isDirectory(cache)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(cache)) {
            return s.count();
        }
    }

    @Test
    void installsVerifiedCompatibleModelAndSkipsTheRunningOne() throws Exception {
        Path v1 = model("1", "g,r");
        Path v2 = model("2", "g,r");
        Path cache = dir.resolve("cache");
        try (ScorerHolder holder = new ScorerHolder(OnnxScorer.open(v1, ScorerOptions.defaults(), null))) {
            List<OnnxScorer> installed = new ArrayList<>();
            ModelArtifactInstaller installer = new ModelArtifactInstaller(holder, cache, ScorerOptions.defaults(),
                    installed::add);

            Outcome same = installer.install(encode(artifact(v1, "1", ModelIdentity.sha256(v1))));
            assertEquals(Outcome.Status.ALREADY_RUNNING, same.status(), same.message());
            assertEquals(0, holder.epoch());
            assertTrue(installed.isEmpty(), "nothing new was installed");

            String sha2 = ModelIdentity.sha256(v2);
            Outcome o = installer.install(encode(artifact(v2, "2", sha2)));
            assertEquals(Outcome.Status.INSTALLED, o.status(), o.message());
            assertNull(o.reason());
            assertEquals(1, o.epoch());
            assertEquals(sha2, holder.identity().sha256());
            assertEquals("2", holder.identity().version());
            Path cached = cache.resolve("tiny-2-" + sha2.substring(0, 12) + ".onnx");
            assertTrue(Files.isRegularFile(cached), "cached ONNX file " + cached);
            assertEquals(sha2, ModelIdentity.sha256(cached));
            try (ScorerHolder.Lease l = holder.acquire()) {
                assertEquals(1, l.scorer().score(new float[32], 1).size());
                assertEquals(List.of(l.scorer()), installed, "the hook saw the scorer that now serves");
            }
        }
    }

    /** @return where the installer caches this version of model "tiny" (its naming) */
    private static Path cached(Path cache, Path onnx, String version) throws Exception {
        return cache.resolve("tiny-" + version + "-" + ModelIdentity.sha256(onnx).substring(0, 12) + ".onnx");
    }

    @Test
    void keepsTheLiveAndThePreviousCacheFileAndDeletesOlderOnesItWroteUnlessInUse() throws Exception {
        Path cache = Files.createDirectories(dir.resolve("cache"));
        Path readme = Files.writeString(cache.resolve("README.txt"), "not the installer's");
        Path byHand = Files.copy(model("0", "g,r"), cache.resolve("copied-by-hand.onnx"));
        Path[] src = new Path[8];
        for (int v = 1; v < src.length; v++) {
            src[v] = model(Integer.toString(v), "g,r");
        }
        try (ScorerHolder holder = new ScorerHolder(OnnxScorer.open(src[1], ScorerOptions.defaults(), null))) {
            ModelArtifactInstaller installer = new ModelArtifactInstaller(holder, cache, ScorerOptions.defaults());
            for (int v = 2; v <= 4; v++) {
                Outcome o = installer.install(encode(artifact(src[v], Integer.toString(v), ModelIdentity.sha256(src[v]))));
                assertEquals(Outcome.Status.INSTALLED, o.status(), o.message());
            }
            // superseded cache files used to pile up: version 2 is neither live (4) nor the rollback (3)
            assertFalse(Files.exists(cached(cache, src[2], "2")), "the oldest cache file is deleted");
            assertTrue(Files.isRegularFile(cached(cache, src[3], "3")), "the previous model is kept for a rollback");
            assertTrue(Files.isRegularFile(cached(cache, src[4], "4")), "the live model is kept");
            assertTrue(Files.exists(readme) && Files.exists(byHand) && Files.exists(src[1]),
                    "files the installer did not write are never deleted");

            // a batch still running on version 4 keeps its file, even two versions later
            try (ScorerHolder.Lease running = holder.acquire()) {
                assertEquals("4", running.identity().version());
                for (int v = 5; v <= 6; v++) {
                    Outcome o = installer.install(encode(artifact(src[v], Integer.toString(v), ModelIdentity.sha256(src[v]))));
                    assertEquals(Outcome.Status.INSTALLED, o.status(), o.message());
                }
                assertTrue(Files.isRegularFile(cached(cache, src[4], "4")), "in use by a batch");
                assertFalse(Files.exists(cached(cache, src[3], "3")));
            }
            Outcome o = installer.install(encode(artifact(src[7], "7", ModelIdentity.sha256(src[7]))));
            assertEquals(Outcome.Status.INSTALLED, o.status(), o.message());
            assertFalse(Files.exists(cached(cache, src[4], "4")), "deleted once no batch uses it");
            assertFalse(Files.exists(cached(cache, src[5], "5")));
            assertTrue(Files.isRegularFile(cached(cache, src[6], "6")) && Files.isRegularFile(cached(cache, src[7], "7")));
            assertEquals(4, cacheFiles(cache), "live, previous and the two files that are not the installer's");
        }
    }

    @Test
    void refusesAModelThatFailsTheWarmUpAndCountsIt() throws Exception {
        Path v1 = org.deepmerge.streams.testing.TestModels.meanSigmoid(dir.resolve("a.onnx"), 0.01f, "1");
        Path nan = org.deepmerge.streams.testing.TestModels.meanSigmoid(dir.resolve("nan.onnx"), Float.NaN, "2");
        Path cache = dir.resolve("cache");
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        ModelRolloutMetrics metrics = new ModelRolloutMetrics(registry);
        try (ScorerHolder holder = new ScorerHolder(OnnxScorer.open(v1, ScorerOptions.defaults(), null))) {
            ModelArtifactInstaller installer = new ModelArtifactInstaller(holder, cache, ScorerOptions.defaults());
            ModelArtifact bad = ModelArtifact.newBuilder(artifact(nan, "2", ModelIdentity.sha256(nan)))
                    .setName("mean-sigmoid-test").build();
            Outcome o = installer.install(encode(bad));
            metrics.accept(o);
            assertEquals(Outcome.Status.REFUSED, o.status(), o.message());
            assertEquals("warmup", o.check());
            assertTrue(o.message().contains("probe image 0 (zeros) scored p(merger) = NaN"), o.message());
            assertEquals("1", holder.identity().version(), "the running model keeps serving");
            assertEquals(0, cacheFiles(cache), "the refused file is deleted");
            assertEquals(1, metrics.refused("warmup"));
            assertEquals(0, metrics.refused("sha256"));
            assertEquals(Outcome.CHECKS.size(), registry.find(ModelRolloutMetrics.REFUSED).counters().size(),
                    "every reason is registered (at 0) up front");

            ModelArtifactInstaller.Refused r = org.junit.jupiter.api.Assertions.assertThrows(
                    ModelArtifactInstaller.Refused.class,
                    () -> ModelArtifactInstaller.verify(bad, dir.resolve("verify"), ScorerOptions.defaults()));
            assertEquals("warmup", r.check());
            ModelArtifact good = ModelArtifact.newBuilder(artifact(v1, "1", ModelIdentity.sha256(v1)))
                    .setName("mean-sigmoid-test").build();
            ModelArtifactInstaller.Verified v = ModelArtifactInstaller.verify(good, dir.resolve("verify"),
                    ScorerOptions.defaults());
            v.scorer().close();
            assertTrue(Files.isRegularFile(v.file()));
        }
    }

    @Test
    void refusesShaMismatchWithoutTouchingTheRunningModel() throws Exception {
        Path v1 = model("1", "g,r");
        Path v2 = model("2", "g,r");
        Path cache = dir.resolve("cache");
        try (ScorerHolder holder = new ScorerHolder(OnnxScorer.open(v1, ScorerOptions.defaults(), null))) {
            ModelArtifactInstaller installer = new ModelArtifactInstaller(holder, cache, ScorerOptions.defaults());
            String wrong = ModelIdentity.sha256(v1);
            Outcome o = installer.install(encode(artifact(v2, "2", wrong)));
            assertEquals(Outcome.Status.REFUSED, o.status());
            assertEquals(Reason.INVALID_MODEL, o.reason());
            assertTrue(o.message().contains("SHA-256 mismatch") && o.message().contains(ModelIdentity.sha256(v2)), o.message());
            assertEquals("sha256", o.check());
            assertEquals(0, holder.epoch());
            assertEquals(ModelIdentity.sha256(v1), holder.identity().sha256());
            assertEquals(0, cacheFiles(cache), "nothing written for a record that does not verify");
        }
    }

    @Test
    void refusesIncompatibleContractAndDeletesItsCacheFile() throws Exception {
        Path v1 = model("1", "g,r");
        Path other = model("2", "r,i");
        Path cache = dir.resolve("cache");
        try (ScorerHolder holder = new ScorerHolder(OnnxScorer.open(v1, ScorerOptions.defaults(), null))) {
            ModelArtifactInstaller installer = new ModelArtifactInstaller(holder, cache, ScorerOptions.defaults());
            Outcome o = installer.install(encode(artifact(other, "2", ModelIdentity.sha256(other))));
            assertEquals(Outcome.Status.REFUSED, o.status());
            assertEquals(Reason.INVALID_MODEL, o.reason());
            assertTrue(o.message().contains("incompatible") && o.message().contains("channels [r, i] != [g, r]"), o.message());
            assertEquals("incompatible", o.check());
            assertEquals("1", holder.identity().version());
            assertEquals(0, cacheFiles(cache));
        }
    }

    @Test
    void refusesRecordsThatAreNotModelsOrLieAboutTheirContract() throws Exception {
        Path v1 = model("1", "g,r");
        Path v2 = model("2", "g,r");
        try (ScorerHolder holder = new ScorerHolder(OnnxScorer.open(v1, ScorerOptions.defaults(), null))) {
            ModelArtifactInstaller installer = new ModelArtifactInstaller(holder, dir.resolve("cache"), ScorerOptions.defaults());

            Outcome garbage = installer.install(new byte[] {1, 2, 3, 4, 5});
            assertEquals(Outcome.Status.REFUSED, garbage.status());
            assertEquals(Reason.INVALID_MODEL, garbage.reason());

            byte[] notOnnx = "not an onnx file".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ModelArtifact broken = artifact(v2, "2", ModelIdentity.sha256(notOnnx));
            broken.setOnnx(ByteBuffer.wrap(notOnnx));
            Outcome bad = installer.install(encode(broken));
            assertEquals(Outcome.Status.REFUSED, bad.status());
            assertEquals(Reason.INVALID_MODEL, bad.reason());
            assertTrue(bad.message().contains("cannot open model tiny 2"), bad.message());

            ModelArtifact lying = artifact(v2, "2", ModelIdentity.sha256(v2));
            lying.getContract().put("deepmerge.input.channels", "u,g");
            Outcome lie = installer.install(encode(lying));
            assertEquals(Outcome.Status.REFUSED, lie.status());
            assertTrue(lie.message().contains("deepmerge.input.channels"), lie.message());

            ModelArtifact unsafe = artifact(v2, "../2", ModelIdentity.sha256(v2));
            assertEquals(Outcome.Status.REFUSED, installer.install(unsafe).status());
            assertEquals(0, holder.epoch());
        }
    }

    @Test
    void followerConsumerSettingsAreGroupLessReadCommittedAndNeverAutoCreate() {
        Properties in = new Properties();
        in.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9092");
        in.put(ConsumerConfig.GROUP_ID_CONFIG, "scorers");
        in.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        in.put("security.protocol", "SSL");
        Properties p = ModelTopicFollower.consumerProperties(in);
        assertFalse(p.containsKey(ConsumerConfig.GROUP_ID_CONFIG));
        assertEquals("read_committed", p.get(ConsumerConfig.ISOLATION_LEVEL_CONFIG));
        assertEquals("false", p.get(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG));
        assertEquals("false", p.get(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG));
        assertEquals("SSL", p.get("security.protocol"), "TLS/SASL settings pass through");
    }
}
