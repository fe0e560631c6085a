package org.deepmerge.app.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.streams.KafkaStreams;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.avro.v1.ModelArtifact;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.core.model.ModelContracts;
import org.deepmerge.core.model.ModelIdentity;
import org.deepmerge.core.model.ModelTopic;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.hotswap.ModelArtifactInstaller.Outcome;
import org.deepmerge.streams.hotswap.ModelRolloutMetrics;
import org.deepmerge.streams.hotswap.ModelTopicFollower;
import org.deepmerge.streams.runtime.ScoringRuntime;
import org.deepmerge.streams.serde.MergerScoreSerde;
import org.deepmerge.streams.testing.Alerts;
import org.deepmerge.streams.testing.TestModels;
import org.deepmerge.streams.topology.ScoringMetrics;
import org.deepmerge.streams.topology.ScoringTopology;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model rollout end to end on a real in-JVM broker, driven through the {@code deepmerge models} commands: a scoring
 * topology serving model A (v1) while real ZTF alerts flow; B (v2) promoted mid-stream; rollback restores A; a model
 * that fails the warm-up and a tampered artifact are refused by {@code models promote} and, when forced through with
 * {@code --skip-verify}, by the scorer, which keeps serving A and counts {@code deepmerge.model.refused{reason}}.
 * Every alert is scored exactly once (read_committed, checked by id), and the scores name the model that made them.
 */
class ModelRolloutIT {
    private static final String NAME = "mean-sigmoid-test";

    @TempDir
    Path tmp;

    private String bootstrap;

    private Rollout.Run models(String... args) {
        return Rollout.models(bootstrap, args);
    }

    @Test
    @SuppressWarnings("try")
    void promoteSwitchesUnderLoadRollbackRestoresAndBadArtifactsAreRefused() throws Exception {
        Path a = TestModels.meanSigmoid(tmp.resolve("a.onnx"), 0.01f, "1");
        Path b = TestModels.meanSigmoid(tmp.resolve("b.onnx"), -0.01f, "2");
        Path nan = TestModels.meanSigmoid(tmp.resolve("nan.onnx"), Float.NaN, "3");
        Path d = TestModels.meanSigmoid(tmp.resolve("d.onnx"), 0.02f, "4");
        List<Path> alerts = Alerts.ztf();
        String shaA = ModelIdentity.sha256(a);
        try (KafkaClusterTestKit cluster = ScoringIntegrationIT.startCluster()) {
            bootstrap = cluster.bootstrapServers();
            ok(models("publish", "--model", a.toString(), "--promote"));
            ok(models("publish", "--model", b.toString()));
            String listed = ok(models("list")).output();
            assertTrue(listed.lines().anyMatch(l -> l.startsWith("*") && l.contains(shaA)), listed);
            assertTrue(listed.contains(ModelIdentity.sha256(b)), listed);

            DeepMergeStreamsConfig config = HotSwapIntegrationIT.config(bootstrap, tmp, a, "deepmerge-rollout");
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic(config.inputTopic(), 1, (short) 1),
                        new NewTopic(config.outputTopic(), 1, (short) 1),
                        new NewTopic(config.dlqTopic(), 1, (short) 1))).all().get();
            }
            MergerScoreSerde serde = MergerScoreSerde.fromConfig(config);
            BlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            ModelRolloutMetrics rollout = new ModelRolloutMetrics(registry);
            try (ScoringRuntime runtime = ScoringRuntime.open(config, config.contractOverrides());
                 ModelTopicFollower follower = runtime.followModelTopic(config.streamsProperties(), config);
                 KafkaStreams streams = new KafkaStreams(ScoringTopology.build(config, new ScoringTopology.Dependencies(
                         runtime.preparer(), runtime.scorer(), serde.serializer(), new ScoringMetrics(registry))),
                         config.streamsProperties());
                 KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                         ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                         new ByteArraySerializer(), new ByteArraySerializer());
                 KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(ScoringIntegrationIT.consumerProps(bootstrap),
                         new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                follower.addListener(rollout); // before the queue: counted when the test sees the outcome
                follower.addListener(outcomes::add);
                streams.start();
                ScoringIntegrationIT.assignFromStart(consumer, List.of(config.outputTopic()));
                // the catch-up outcome may come before the listener was added: wait for it, then start afresh
                Outcome first = Rollout.firstOutcome(follower::lastOutcome);
                outcomes.clear();
                assertEquals(Outcome.Status.ALREADY_RUNNING, first.status(), "the pointer names A, which serves: "
                        + first.message());

                // phase 1: A serves
                send(producer, config, alerts.subList(0, 20), 0);
                List<MergerScore> scores = new ArrayList<>(read(consumer, serde, 20));
                scores.forEach(s -> assertEquals("1", s.getModelVersion()));

                // phase 2: B promoted while alerts flow (paced on another thread)
                Thread sender = new Thread(() -> send(producer, config, alerts.subList(20, 60), 40));
                sender.start();
                Thread.sleep(300);
                ok(models("promote", NAME, "2"));
                Outcome promoted = next(outcomes);
                assertEquals(Outcome.Status.INSTALLED, promoted.status(), promoted.message());
                assertEquals("2", promoted.identity().version());
                sender.join();
                send(producer, config, alerts.subList(60, 64), 0); // sent after the switch: B for sure
                List<MergerScore> phase2 = read(consumer, serde, 44);
                int switchAt = assertSingleSwitch(phase2, "1", "2");
                System.err.println("phase 2: model switched after " + switchAt + " of " + phase2.size() + " alerts");
                assertTrue(switchAt > 0 && switchAt < 40, "the switch happened while the paced alerts flowed: A scored "
                        + switchAt + " of them");
                assertEquals("2", phase2.get(phase2.size() - 1).getModelVersion());
                scores.addAll(phase2);

                // phase 3: rollback restores A
                String rolled = ok(models("rollback", NAME)).output();
                assertTrue(rolled.contains("live pointer " + NAME + " -> 1"), rolled);
                Outcome back = next(outcomes);
                assertEquals(Outcome.Status.INSTALLED, back.status(), back.message());
                assertEquals(ModelIdentity.sha256(a), back.identity().sha256());
                send(producer, config, alerts.subList(64, 70), 0);
                List<MergerScore> phase3 = read(consumer, serde, 6);
                phase3.forEach(s -> assertEquals(shaA, s.getModelSha256()));
                scores.addAll(phase3);

                // phase 4: a model that fails the warm-up is refused by promote, and by the scorer when forced through
                Rollout.Run refused = models("publish", "--model", nan.toString(), "--promote");
                assertNotEquals(0, refused.code());
                assertTrue(refused.output().contains("check warmup"), refused.output());
                ok(models("publish", "--model", nan.toString(), "--promote", "--skip-verify"));
                Outcome warm = next(outcomes);
                assertEquals(Outcome.Status.REFUSED, warm.status(), warm.message());
                assertEquals("warmup", warm.check());
                assertEquals(1, rollout.refused("warmup"));

                // a tampered artifact (bytes of D, SHA-256 of A) under its version key: refused on SHA-256
                ModelArtifact tampered = ModelArtifact.newBuilder().setName(NAME).setVersion("4")
                        .setSha256(ModelIdentity.sha256(a)).setOnnx(ByteBuffer.wrap(Files.readAllBytes(d)))
                        .setModelCardJson("{}").setCreatedAt(Instant.now()).setProducer("test")
                        .setContract(ModelContracts.read(d, ContractOverrides.none()).toMetadata()).build();
                producer.send(new ProducerRecord<>(ModelTopic.DEFAULT_TOPIC, ModelTopic.versionKey(NAME, "4"),
                        ModelTopic.encode(tampered))).get();
                Rollout.Run shaRefused = models("promote", NAME, "4");
                assertTrue(shaRefused.code() != 0 && shaRefused.output().contains("check sha256"), shaRefused.output());
                ok(models("promote", NAME, "4", "--skip-verify"));
                Outcome sha = next(outcomes);
                assertEquals(Outcome.Status.REFUSED, sha.status(), sha.message());
                assertEquals("sha256", sha.check());
                assertEquals(1, rollout.refused("sha256"));
                assertEquals(2, rollout.installed(), "B, then A again");

                send(producer, config, alerts.subList(70, 80), 0);
                List<MergerScore> phase4 = read(consumer, serde, 10);
                phase4.forEach(s -> assertEquals(shaA, s.getModelSha256(), "A keeps serving"));
                scores.addAll(phase4);

                // every alert scored exactly once, and no more scores arrive
                assertEquals(List.of(), consumer.poll(Duration.ofSeconds(2)).records(config.outputTopic()).iterator()
                        .hasNext() ? List.of("extra score") : List.of());
                Set<String> ids = new HashSet<>();
                scores.forEach(s -> assertTrue(ids.add(s.getSourceId()), "scored twice: " + s.getSourceId()));
                assertEquals(80, ids.size());
                for (MergerScore s : scores) {
                    boolean isB = "2".equals(s.getModelVersion());
                    assertEquals(isB, s.getPMerger() < 0.5f, "B has a negative slope, A a positive one: " + s);
                }
                String list = ok(models("list", "--name", NAME)).output();
                assertTrue(list.contains("live pointer: 4"), list);
                streams.close(Duration.ofSeconds(30));
            }
        }
    }

    private static Rollout.Run ok(Rollout.Run r) {
        return Rollout.ok(r);
    }

    /**
     * The scores switch model once, from {@code before} to {@code after}.
     *
     * @return how many scores came before the switch
     */
    private static int assertSingleSwitch(List<MergerScore> scores, String before, String after) {
        int i = 0;
        while (i < scores.size() && before.equals(scores.get(i).getModelVersion())) {
            i++;
        }
        for (int j = i; j < scores.size(); j++) {
            assertEquals(after, scores.get(j).getModelVersion(), "score " + j + " after the switch at " + i);
        }
        return i;
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, DeepMergeStreamsConfig config, List<Path> files,
                             long pauseMs) {
        Rollout.send(producer, config.inputTopic(), files, pauseMs);
    }

    private static Outcome next(BlockingQueue<Outcome> outcomes) throws InterruptedException {
        return Rollout.next(outcomes);
    }

    private static List<MergerScore> read(KafkaConsumer<byte[], byte[]> consumer, MergerScoreSerde serde, int n) {
        return HotSwapIntegrationIT.read(consumer, serde, n);
    }
}
