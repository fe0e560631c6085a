package org.deepmerge.app.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.streams.KafkaStreams;
import org.deepmerge.avro.v1.Cutout;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.alert.CutoutRecords;
import org.deepmerge.core.model.ShadowComparison;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.hotswap.ModelArtifactInstaller.Outcome;
import org.deepmerge.streams.hotswap.ModelRolloutMetrics;
import org.deepmerge.streams.hotswap.ModelTopicFollower;
import org.deepmerge.streams.runtime.KafkaStartup;
import org.deepmerge.streams.runtime.ScoringRuntime;
import org.deepmerge.streams.serde.MergerScoreSerde;
import org.deepmerge.streams.testing.Alerts;
import org.deepmerge.streams.testing.TestModels;
import org.deepmerge.streams.topology.ScoringTopology;
import org.deepmerge.streams.topology.ShadowMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shadow scoring end to end on a real in-JVM broker with the 87 real ZTF alerts (applicability gate on), driven
 * through the {@code deepmerge models} commands: A live; an input-incompatible candidate and one that fails the
 * warm-up refused by {@code models shadow}; B set as shadow; every alert scored exactly once on the output topic
 * naming A and every applicable one exactly once on the shadow topic naming B (read_committed, by id); the scorer's
 * comparison meters equal what {@code models compare} reads back; {@code models shadow --clear} stops the shadow
 * records while the live scores go on; B set again while inputs flow shadow-scores every applicable input from its
 * install on, each once.
 */
class ShadowScoringIT {
    private static final String NAME = "mean-sigmoid-test";

    @TempDir
    Path tmp;

    private String bootstrap;

    private Rollout.Run models(String... args) {
        return Rollout.models(bootstrap, args);
    }

    @Test
    @SuppressWarnings("try")
    void shadowScoresLandOnTheirOwnTopicAndCompareAgreesWithTheMeters() throws Exception {
        Path a = TestModels.meanSigmoid(tmp.resolve("a.onnx"), 0.01f, "1");
        Path b = TestModels.meanSigmoid(tmp.resolve("b.onnx"), 0.02f, "2");
        Path nan = TestModels.meanSigmoid(tmp.resolve("nan.onnx"), Float.NaN, "3");
        Path gr = TestModels.meanSigmoid(tmp.resolve("gr.onnx"), 0.01f, "4", List.of("g", "r"));
        List<Path> alerts = Alerts.ztf();
        try (KafkaClusterTestKit cluster = ScoringIntegrationIT.startCluster()) {
            bootstrap = cluster.bootstrapServers();
            Rollout.ok(models("publish", "--model", a.toString(), "--promote"));
            for (Path p : List.of(b, nan, gr)) {
                Rollout.ok(models("publish", "--model", p.toString(), "--skip-verify"));
            }
            DeepMergeStreamsConfig config = HotSwapIntegrationIT.config(bootstrap, tmp, a, "deepmerge-shadow",
                    Map.of(DeepMergeStreamsConfig.GATE_ENABLED, "true"));
            KafkaStartup.createTopicsIfMissing(config.streamsProperties(), List.of(config.inputTopic(),
                    config.outputTopic(), config.dlqTopic(), config.shadowTopic()).stream()
                    .map(t -> new NewTopic(t, 1, (short) 1)).toList(), Duration.ofSeconds(30));

            // refused by the command, nothing written
            Rollout.Run incompatible = models("shadow", NAME, "4");
            assertNotEquals(0, incompatible.code());
            assertTrue(incompatible.output().contains("check incompatible") && incompatible.output().contains(
                    "channels [g, r] != [r]"), incompatible.output());
            Rollout.Run warmup = models("shadow", NAME, "3");
            assertTrue(warmup.code() != 0 && warmup.output().contains("check warmup"), warmup.output());

            MergerScoreSerde serde = MergerScoreSerde.fromConfig(config);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            BlockingQueue<Outcome> shadowOutcomes = new LinkedBlockingQueue<>();
            try (ScoringRuntime runtime = ScoringRuntime.open(config, config.contractOverrides());
                 ModelTopicFollower follower = runtime.followModelTopic(config.streamsProperties(), config)) {
                ScoringTopology.Dependencies deps = runtime.dependencies(config, registry);
                ShadowMetrics meters = deps.shadow().metrics();
                ModelRolloutMetrics shadowRollout = ModelRolloutMetrics.shadow(registry);
                try (KafkaStreams streams = new KafkaStreams(ScoringTopology.build(config, deps),
                        config.streamsProperties());
                     KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                             ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                             new ByteArraySerializer(), new ByteArraySerializer());
                     KafkaConsumer<byte[], byte[]> live = consumer(config.outputTopic());
                     KafkaConsumer<byte[], byte[]> shadow = consumer(config.shadowTopic())) {
                    assertEquals(Outcome.Status.ALREADY_RUNNING, Rollout.firstOutcome(follower::lastOutcome).status());
                    follower.addShadowListener(shadowRollout);
                    follower.addShadowListener(shadowOutcomes::add);
                    streams.start();

                    // B becomes the shadow before the alerts flow
                    Rollout.ok(models("shadow", NAME, "2"));
                    Outcome installed = Rollout.next(shadowOutcomes);
                    assertEquals(Outcome.Status.INSTALLED, installed.status(), installed.message());
                    assertEquals("2", installed.identity().version());
                    String listed = Rollout.ok(models("list", "--name", NAME)).output();
                    assertTrue(listed.contains(NAME + " shadow pointer: 2"), listed);

                    Rollout.send(producer, config.inputTopic(), alerts, 0);
                    Map<String, MergerScore> liveById = byId(HotSwapIntegrationIT.read(live, serde, alerts.size()));
                    assertEquals(alerts.size(), liveById.size(), "every alert scored exactly once");
                    liveById.values().forEach(s -> assertEquals("1", s.getModelVersion(), "A is live: " + s));
                    Set<String> applicable = new HashSet<>();
                    liveById.forEach((id, s) -> {
                        if (s.getApplicable()) {
                            applicable.add(id);
                        }
                    });
                    assertTrue(applicable.size() > 0 && applicable.size() < alerts.size(), applicable.size()
                            + " applicable: the gate keeps some real alerts from the model");
                    Map<String, MergerScore> shadowById = byId(HotSwapIntegrationIT.read(shadow, serde,
                            applicable.size()));
                    assertEquals(applicable, shadowById.keySet(), "every applicable alert exactly once on the shadow "
                            + "topic, no other");
                    shadowById.values().forEach(s -> assertEquals("2", s.getModelVersion(), "B is the shadow: " + s));
                    assertFalse(shadow.poll(Duration.ofSeconds(2)).iterator().hasNext(), "no further shadow record");

                    // the meters and models compare agree
                    ShadowComparison.Summary m = meters.summary();
                    assertEquals(applicable.size(), m.pairs());
                    assertEquals(1.0, m.spearman(), 1e-9, "0.02 and 0.01 slopes rank every input alike");
                    assertEquals(1.0, m.agreement(), 1e-12);
                    String text = Rollout.ok(models("compare", "--output-topic", config.outputTopic(),
                            "--shadow-topic", config.shadowTopic())).output();
                    System.err.println("models compare:\n" + text);
                    assertTrue(text.contains("n                  " + m.pairs()), text);
                    assertTrue(text.contains("spearman           1.0000"), text);
                    Rollout.Run typo = models("compare", "--output-topic", config.outputTopic() + "-typo",
                            "--shadow-topic", config.shadowTopic());
                    assertEquals(2, typo.code(), typo.output());
                    assertTrue(typo.output().contains(config.outputTopic() + "-typo does not exist"), typo.output());
                    JsonNode json = new ObjectMapper().readTree(Rollout.ok(models("compare", "--output-topic",
                            config.outputTopic(), "--shadow-topic", config.shadowTopic(), "--json")).output());
                    JsonNode c = json.get("comparisons").get(0);
                    assertEquals(m.pairs(), c.get("n").asLong(), "pairs: meters = compare");
                    assertEquals(m.meanAbsDelta(), c.get("meanAbsDelta").asDouble(), 1e-6);
                    assertEquals(m.agreement(), c.get("agreement").asDouble(), 1e-12);
                    System.err.printf("shadow: %d alerts, %d applicable, %d shadow records, pairs %d (meters) / %d "
                            + "(compare), spearman %.4f, agreement %.4f, mean |dp| %.5f, shadow runs %d%n",
                            liveById.size(), applicable.size(), shadowById.size(), m.pairs(), c.get("n").asLong(),
                            m.spearman(), m.agreement(), m.meanAbsDelta(),
                            registry.get("deepmerge.shadow.inference").timer().count());
                    assertEquals(0, meters.failedCount("exception") + meters.failedCount("invalid_output"));
                    assertEquals(1, shadowRollout.installed());

                    // --clear stops the shadow records; the live scores go on
                    Rollout.ok(models("shadow", "--clear", NAME));
                    assertEquals(Outcome.Status.CLEARED, Rollout.next(shadowOutcomes).status());
                    Rollout.send(producer, config.inputTopic(), alerts.subList(0, 20), 0);
                    HotSwapIntegrationIT.read(live, serde, 20);
                    assertFalse(shadow.poll(Duration.ofSeconds(2)).iterator().hasNext(), "no shadow record after --clear");
                    assertEquals(applicable.size(), meters.scoredCount());
                    assertFalse(Rollout.ok(models("list", "--name", NAME)).output().contains("shadow pointer"));

                    // B set again while inputs flow: the real alerts as Cutout records with ids of their own
                    List<String> flowIds = new ArrayList<>();
                    List<byte[]> flow = new ArrayList<>();
                    for (int i = 0; i < 2 * alerts.size(); i++) {
                        Alert real = runtime.pipeline().reader().read(Alerts.bytes(alerts.get(i % alerts.size())));
                        flowIds.add("flow-" + i);
                        flow.add(CutoutRecords.toSingleObject(Cutout.newBuilder(CutoutRecords.fromAlert(real))
                                .setSourceId(flowIds.get(i)).build()));
                    }
                    Thread sender = new Thread(() -> Rollout.sendValues(producer, config.inputTopic(), flow, 25));
                    sender.start();
                    Thread.sleep(1000);
                    Rollout.ok(models("shadow", NAME, "2"));
                    assertEquals(Outcome.Status.INSTALLED, Rollout.next(shadowOutcomes).status());
                    sender.join();
                    Map<String, MergerScore> flowLive = byId(HotSwapIntegrationIT.read(live, serde, flow.size()));
                    assertEquals(new HashSet<>(flowIds), flowLive.keySet(), "every flowing input scored once");
                    List<String> flowApplicable = flowIds.stream().filter(id -> flowLive.get(id).getApplicable())
                            .toList();
                    Map<String, MergerScore> flowShadow = new HashMap<>();
                    // committed with the live scores just read: poll until the topic has nothing more
                    for (var batch = shadow.poll(Duration.ofSeconds(3)); !batch.isEmpty();
                         batch = shadow.poll(Duration.ofSeconds(1))) {
                        for (var r : batch) {
                            MergerScore s = serde.deserializer().deserialize(r.topic(), r.value());
                            assertEquals(null, flowShadow.put(s.getSourceId(), s), "twice: " + s.getSourceId());
                        }
                    }
                    int first = flowApplicable.size();
                    while (first > 0 && flowShadow.containsKey(flowApplicable.get(first - 1))) {
                        first--;
                    }
                    assertEquals(new HashSet<>(flowApplicable.subList(first, flowApplicable.size())),
                            flowShadow.keySet(), "from its install on, every applicable input has one shadow record, "
                            + "no other");
                    assertTrue(first < flowApplicable.size(), "the last inputs came after the install");
                    System.err.printf("shadow set while %d inputs flowed (%d applicable): the shadow scored the last "
                            + "%d of them%n", flow.size(), flowApplicable.size(), flowShadow.size());
                    long pairs = new ObjectMapper().readTree(Rollout.ok(models("compare", "--json")).output())
                            .get("comparisons").get(0).get("n").asLong();
                    assertEquals(meters.summary().pairs(), pairs, "pairs: meters = compare, over both shadow runs");
                    streams.close(Duration.ofSeconds(30));
                }
            }
        }
    }

    private KafkaConsumer<byte[], byte[]> consumer(String topic) {
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(ScoringIntegrationIT.consumerProps(bootstrap),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        ScoringIntegrationIT.assignFromStart(c, List.of(topic));
        return c;
    }

    private static Map<String, MergerScore> byId(List<MergerScore> scores) {
        Map<String, MergerScore> out = new HashMap<>();
        scores.forEach(s -> assertEquals(null, out.put(s.getSourceId(), s), "twice: " + s.getSourceId()));
        return out;
    }
}
