package org.deepmerge.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.avro.v1.MorphologyStatistics;
import org.deepmerge.core.io.Csv;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.core.testing.TestData;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.runtime.ScoringRuntime;
import org.deepmerge.streams.serde.MergerScoreSerde;
import org.deepmerge.streams.testing.Alerts;
import org.deepmerge.streams.topology.ScoringMetrics;
import org.deepmerge.streams.topology.ScoringTopology;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The morphology fields of the score records, with the embedded default model, on the 87 real ZTF and 288 real Rubin
 * alerts: {@code deepmerge score --morphology} in every output format, the same values through the scoring topology
 * with {@code deepmerge.morphology=true}, nothing when off, and what the statistics say about stars and galaxies.
 */
class ScoreMorphologyTest {
    private static final int ZTF = 87;
    private static final int RUBIN = 288;

    @TempDir
    Path tmp;

    private ScoreCommandTest.Run score(String format, Path out, boolean morphology) {
        List<String> a = new ArrayList<>(List.of("score", "--format", format, "--out", out.toString()));
        if (morphology) {
            a.add("--morphology");
        }
        a.add(TestData.require("alerts/ztf").toString());
        a.add(TestData.require("alerts/rubin-v9_0").toString());
        ScoreCommandTest.Run run = ScoreCommandTest.run(a.toArray(String[]::new));
        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals(ZTF + RUBIN, run.scored(), run.stderr());
        return run;
    }

    @Test
    void everyOutputFormatCarriesTheMorphologyOnlyWhenAskedFor() throws Exception {
        Path off = tmp.resolve("off.jsonl");
        score("jsonl", off, false);
        for (JsonNode n : ScoreCommandTest.jsonLines(off)) {
            assertTrue(n.has("morphology") && n.get("morphology").isNull(), n.toString());
        }
        Path on = tmp.resolve("on.jsonl");
        score("jsonl", on, true);
        Map<String, JsonNode> json = bySourceId(ScoreCommandTest.jsonLines(on));
        assertEquals(ZTF + RUBIN, json.size());
        int measured = 0;
        for (JsonNode n : json.values()) {
            JsonNode m = n.get("morphology");
            assertTrue(m.isObject(), n.toString());
            assertEquals(n.get("bands").get(0).asText(), m.get("band").asText(), "the one channel's band");
            assertEquals(1.2, m.get("pixelScaleArcsec").asDouble(), "the default model's grid");
            String flag = m.get("flag").asText();
            boolean failed = List.of("LOW_SIGNAL_TO_NOISE", "NONPOSITIVE_FLUX", "TOO_FEW_PIXELS", "NO_SOURCE")
                    .contains(flag);
            assertEquals(failed, m.get("concentration").isNull(), n.toString());
            // a measured source is significant; a noise peak carries the S/N per pixel that failed it
            assertTrue(failed ? m.get("snPerPixel").isNull() != flag.equals("LOW_SIGNAL_TO_NOISE")
                    : m.get("snPerPixel").asDouble() >= 2.5, n.toString());
            measured += failed ? 0 : 1;
        }
        assertTrue(measured > 0, "some alerts have a measured source");

        Path csv = tmp.resolve("on.csv");
        score("csv", csv, true);
        Csv.Table table = Csv.read(csv);
        assertEquals(ZTF + RUBIN, table.rows().size());
        for (Csv.Row row : table.rows()) {
            String id = row.get(table.requireColumn("sourceId"));
            JsonNode m = json.get(id).get("morphology");
            for (Schema.Field f : MorphologyStatistics.getClassSchema().getFields()) {
                String cell = row.get(table.requireColumn("morphology_" + f.name()));
                JsonNode v = m.get(f.name());
                if (v.isNull()) {
                    assertTrue(cell == null || cell.isEmpty(), f.name() + " of " + id);
                } else if (v.isNumber()) {
                    assertEquals(v.asDouble(), Double.parseDouble(cell), f.name());
                } else {
                    assertEquals(v.asText(), cell, f.name());
                }
            }
        }

        Path avro = tmp.resolve("on.avro");
        score("avro", avro, true);
        int records = 0;
        try (InputStream in = Files.newInputStream(avro);
             DataFileStream<MergerScore> scores = new DataFileStream<>(in, new SpecificDatumReader<>(MergerScore.class))) {
            for (MergerScore s : scores) {
                assertSame(json.get(s.getSourceId().toString()).get("morphology"), s.getMorphology(),
                        s.getSourceId().toString());
                records++;
            }
        }
        assertEquals(ZTF + RUBIN, records);
    }

    @Test
    void theStreamPublishesTheSameMorphologyAsOfflineScoring() throws Exception {
        Path on = tmp.resolve("on.jsonl");
        score("jsonl", on, true);
        Map<String, JsonNode> offline = bySourceId(ScoreCommandTest.jsonLines(on));
        List<MergerScore> streamed = stream(true);
        assertEquals(ZTF + RUBIN, streamed.size());
        for (MergerScore s : streamed) {
            assertNotNull(s.getMorphology(), s.getSourceId());
            assertSame(offline.get(s.getSourceId()).get("morphology"), s.getMorphology(), s.getSourceId());
        }
        for (MergerScore s : stream(false)) {
            assertNull(s.getMorphology(), s.getSourceId());
        }
    }

    /**
     * The 22 ZTF alerts on catalogued PS1 stars (gate reason POINT_SOURCE_CATALOGUE) show the star in their template:
     * unresolved (r20 below the ~1" half width of ZTF's ~2" PSF), all alike (the PSF: C and the half-light radius
     * spread several times less than among the other measured sources), and more concentrated than those. Their
     * asymmetry is not low (median 0.25 against 0.22): on the 1.2"/px grid a PSF of ~1.7 px is undersampled and the
     * interpolated 180-degree rotation differs from it at the peak (docs/science.md), so no assertion is made on A.
     */
    @Test
    void catalogueStarsArePsfLikeAndMoreConcentratedThanTheOtherSources() throws Exception {
        Path on = tmp.resolve("all.jsonl");
        score("jsonl", on, true);
        List<double[]> stars = new ArrayList<>();
        List<double[]> others = new ArrayList<>();
        for (JsonNode n : ScoreCommandTest.jsonLines(on)) {
            JsonNode m = n.get("morphology");
            boolean star = n.get("reason").asText("").startsWith("POINT_SOURCE_CATALOGUE");
            if (star) {
                assertEquals("OK", m.get("flag").asText(), n.toString());
                assertTrue(m.get("r20Arcsec").asDouble() < 1.0, "unresolved: " + n);
            }
            if (!n.get("survey").asText().equals("ZTF") || m.get("concentration").isNull()) {
                continue;
            }
            (star ? stars : others).add(new double[] {m.get("concentration").asDouble(),
                    m.get("halfLightRadiusArcsec").asDouble(), m.get("asymmetry").asDouble(), m.get("gini").asDouble(),
                    m.get("m20").asDouble()});
        }
        assertEquals(22, stars.size());
        // 8 of the 9 applicable alerts' hosts (the ninth's central segment is a noise blob beside a bright neighbour,
        // LOW_SIGNAL_TO_NOISE), the POINT_SOURCE_STAMP alert's source and 5 real sources 5-8" from the centre of
        // templates the gate calls empty
        assertEquals(14, others.size());
        for (int k = 0; k < 5; k++) {
            System.out.printf("ZTF %s: median %.3f for %d catalogue stars, %.3f for %d other sources%n",
                    List.of("C", "r_half", "A", "G", "M20").get(k), quantile(stars, k, 0.5), stars.size(),
                    quantile(others, k, 0.5), others.size());
        }
        for (int k = 0; k < 2; k++) {
            double iqrStars = quantile(stars, k, 0.75) - quantile(stars, k, 0.25);
            double iqrOthers = quantile(others, k, 0.75) - quantile(others, k, 0.25);
            assertTrue(iqrStars < 0.5 * iqrOthers, "statistic " + k + ": the stars' spread " + iqrStars
                    + " against " + iqrOthers);
        }
        assertTrue(quantile(stars, 0, 0.5) > quantile(others, 0, 0.5), "stars are more concentrated");
    }

    /** The q-quantile of column k, by linear interpolation between order statistics. */
    private static double quantile(List<double[]> rows, int k, double q) {
        double[] v = rows.stream().mapToDouble(r -> r[k]).sorted().toArray();
        double at = q * (v.length - 1);
        int i = (int) Math.floor(at);
        return i + 1 < v.length ? v[i] + (at - i) * (v[i + 1] - v[i]) : v[i];
    }

    /** Every real alert through the topology with the embedded default model, its applicability gate on. */
    private List<MergerScore> stream(boolean morphology) throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put(DeepMergeStreamsConfig.DEVICE, "cpu");
        props.put(DeepMergeStreamsConfig.INFERENCE_THREADS, "1");
        props.put(DeepMergeStreamsConfig.MAX_BATCH_SIZE, "16");
        props.put(DeepMergeStreamsConfig.MAX_WAIT_MS, "100");
        props.put(DeepMergeStreamsConfig.MORPHOLOGY, Boolean.toString(morphology));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, tmp.resolve("state-" + morphology).toString());
        DeepMergeStreamsConfig config = DeepMergeStreamsConfig.load(null, Map.of(), props);
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        try (ScoringRuntime runtime = ScoringRuntime.open(config, ContractOverrides.none())) {
            MergerScoreSerde serde = MergerScoreSerde.fromConfig(config);
            try (TopologyTestDriver driver = new TopologyTestDriver(ScoringTopology.build(config,
                    new ScoringTopology.Dependencies(runtime.preparer(), runtime.scorer(), serde.serializer(),
                            new ScoringMetrics(new SimpleMeterRegistry()), runtime.alertPreparer())),
                    config.streamsProperties(), t0)) {
                TestInputTopic<byte[], byte[]> in = driver.createInputTopic(config.inputTopic(),
                        new ByteArraySerializer(), new ByteArraySerializer());
                TestOutputTopic<String, MergerScore> out = driver.createOutputTopic(config.outputTopic(),
                        new StringDeserializer(), serde.deserializer());
                List<Path> files = new ArrayList<>(Alerts.ztf());
                files.addAll(Alerts.rubin());
                for (Path f : files) {
                    in.pipeInput(new TestRecord<>(f.getFileName().toString().getBytes(StandardCharsets.UTF_8),
                            Alerts.bytes(f), t0));
                }
                driver.advanceWallClockTime(Duration.ofSeconds(1));
                return out.readValuesToList();
            }
        }
    }

    private static Map<String, JsonNode> bySourceId(List<JsonNode> nodes) {
        Map<String, JsonNode> m = new HashMap<>();
        for (JsonNode n : nodes) {
            assertNull(m.put(n.get("sourceId").asText(), n), "one record per source id");
        }
        return m;
    }

    /** The JSON morphology object and the Avro record hold the same values, field by field. */
    private static void assertSame(JsonNode json, MorphologyStatistics avro, String what) {
        for (Schema.Field f : MorphologyStatistics.getClassSchema().getFields()) {
            Object v = avro.get(f.pos());
            JsonNode j = json.get(f.name());
            if (v == null) {
                assertTrue(j.isNull(), what + " " + f.name() + ": " + j);
            } else if (v instanceof Double d) {
                assertEquals(j.asDouble(), d, what + " " + f.name());
            } else {
                assertEquals(j.asText(), v.toString(), what + " " + f.name());
            }
        }
    }
}
