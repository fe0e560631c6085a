package org.deepmerge.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.deepmerge.core.fits.StampDecoder;
import org.deepmerge.core.testing.TestData;
import org.deepmerge.bench.TinyConvNetAccess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.deepmerge.app.cli.DeepMergeCli;
import picocli.CommandLine;

/** {@code deepmerge bench} end to end on real alerts and real ONNX Runtime sessions; checks JSON shape, not speed. */
class BenchCommandIT {

    @TempDir
    Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = DeepMergeCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private static void assertPositiveFinite(JsonNode json, String key) {
        assertTrue(json.has(key), "missing key " + key + " in " + json);
        double v = json.get(key).asDouble();
        assertTrue(v > 0 && Double.isFinite(v), key + " = " + v);
    }

    @Test
    void decodeOnFiveRealZtfAlerts() throws Exception {
        Path json = tmp.resolve("decode.json");
        int code = run("bench", "decode", TestData.require("alerts/ztf").toString(), "--limit", "5", "--warmup", "0",
                "--iterations", "1", "--threads", "2", "--json", json.toString(), "--save-stamps",
                tmp.resolve("stamps").toString());
        assertEquals(0, code, err.toString());
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertEquals("decode", j.get("benchmark").asText());
        List<Path> saved;
        try (Stream<Path> files = Files.list(tmp.resolve("stamps"))) {
            saved = files.sorted().toList();
        }
        assertEquals(5, saved.size(), "one template stamp per alert: " + saved);
        StampDecoder decoder = StampDecoder.withDefaults();
        for (Path p : saved) {
            assertTrue(p.getFileName().toString().matches("\\d+-template\\.fits\\.gz"), p.toString());
            assertEquals(63, decoder.decode(Files.readAllBytes(p), 1.0, p.toString()).width(), p.toString());
        }
        assertEquals("CPU", j.get("device").asText());
        assertEquals(2, j.get("threads").asInt());
        assertPositiveFinite(j, "stamps_per_second");
        assertPositiveFinite(j, "stamps_per_second_per_thread");
        assertPositiveFinite(j, "tensors_per_second");
        assertPositiveFinite(j, "stamps_per_cpu_second");
        assertEquals(5, j.get("messages").asInt());
        assertEquals(5, j.get("prepared").asInt(), "every real ZTF alert carries a template stamp");
        assertEquals(2 * 5, j.get("stamps_timed").asLong(), "2 threads x 1 pass x 5 single-band alerts");
        assertEquals("3x75x75", j.get("input_shape").asText());
        for (String phase : List.of("read_alert", "inflate", "fits", "preprocess", "nom_tam_fits_alone", "libraries")) {
            assertPositiveFinite(j.get("single_thread_cpu_us_per_alert"), phase);
        }
        JsonNode us = j.get("single_thread_cpu_us_per_alert");
        assertEquals(us.get("read_alert").asDouble() + us.get("inflate").asDouble()
                + us.get("nom_tam_fits_alone").asDouble(), us.get("libraries").asDouble(), 1e-9);
        assertEquals(1e6 / us.get("libraries").asDouble(), j.get("library_ceiling_stamps_per_cpu_second").asDouble(),
                1e-6 * j.get("library_ceiling_stamps_per_cpu_second").asDouble(), "one stamp per ZTF alert");
        assertPositiveFinite(j.get("machine"), "logicalCpus");
        assertTrue(j.get("machine").get("loadAverage").isArray());
        assertTrue(out.toString().contains("stamps/s"), out.toString());
    }

    @Test
    void decodeOnSyntheticCutoutsWhenNoPathIsGiven() throws Exception {
        Path json = tmp.resolve("synthetic.json");
        int code = run("bench", "decode", "--count", "4", "--synthetic-survey", "LSST", "--warmup", "0",
                "--iterations", "1", "--json", json.toString());
        assertEquals(0, code, err.toString());
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertEquals(4, j.get("prepared").asInt());
        assertPositiveFinite(j, "stamps_per_second");
        assertTrue(j.get("source").asText().contains("synthetic LSST"), j.get("source").asText());
    }

    @Test
    void inferSweepsBatchSizesOneToFourOnATinyModel() throws Exception {
        Path model = TinyConvNetAccess.write(tmp.resolve("tiny.onnx"), -1);
        Path json = tmp.resolve("infer.json");
        int code = run("bench", "infer", "--model", model.toString(), "--device", "cpu", "--threads", "1",
                "--batch-sizes", "1,2,3,4", "--warmup", "1", "--min-runs", "2", "--seconds", "0", "--spin", "--json", json.toString());
        assertEquals(0, code, err.toString());
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertEquals("infer", j.get("benchmark").asText());
        assertTrue(j.get("spin_wait").asBoolean(), "--spin is recorded in the report");
        assertEquals("CPU", j.get("device").asText());
        assertEquals("CPUExecutionProvider", j.get("execution_provider").asText());
        assertEquals(1, j.get("threads").asInt());
        assertEquals(TinyConvNetAccess.MACS, j.get("macs_per_image").asLong());
        assertPositiveFinite(j, "images_per_second");
        List<Integer> sizes = new ArrayList<>();
        double best = 0;
        for (JsonNode row : j.get("batches")) {
            sizes.add(row.get("batch_size").asInt());
            assertTrue(row.get("runs").asInt() >= 2);
            assertPositiveFinite(row, "ms_per_batch");
            assertPositiveFinite(row, "images_per_second");
            best = Math.max(best, row.get("images_per_second").asDouble());
        }
        assertEquals(List.of(1, 2, 3, 4), sizes);
        assertEquals(best, j.get("images_per_second").asDouble(), 1e-9, "headline figure is the best batch size");
        assertTrue(sizes.contains(j.get("best_batch_size").asInt()));
    }

    @Test
    void inferOnAFixedBatchModelRunsOnlyItsBatchSize() throws Exception {
        Path model = TinyConvNetAccess.write(tmp.resolve("tiny8.onnx"), 8);
        Path json = tmp.resolve("fixed.json");
        int code = run("bench", "infer", "--model", model.toString(), "--device", "cpu", "--warmup", "0",
                "--min-runs", "1", "--seconds", "0", "--json", json.toString());
        assertEquals(0, code, err.toString());
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertEquals(1, j.get("batches").size());
        assertEquals(8, j.get("best_batch_size").asInt());
        assertEquals("true", j.get("fixed_batch").asText());
    }

    @Test
    void pipelineRejectsABadKafkaSettingNamingIt() throws Exception {
        Path model = TinyConvNetAccess.write(tmp.resolve("tiny-bad-setting.onnx"), -1);
        int code = run("bench", "pipeline", "--model", model.toString(), "--alerts", "5", "--count", "2",
                "--partitions", "1", "--stream-threads", "1", "--no-infer-ceiling", "--timeout", "60",
                "--set", "processing.guarantee=bogus");
        assertTrue(code != 0, "a bad Kafka Streams setting must fail the run");
        assertTrue(err.toString().contains("processing.guarantee"), err.toString());
    }

    @Test
    void pipelineThroughAnEmbeddedBrokerScoresEveryPreloadedAlert() throws Exception {
        Path model = TinyConvNetAccess.write(tmp.resolve("tiny-pipe.onnx"), -1);
        Path json = tmp.resolve("pipeline.json");
        int code = run("bench", "pipeline", "--model", model.toString(), "--alerts", "30", "--count", "6",
                "--synthetic-survey", "LSST", "--partitions", "1", "--stream-threads", "1", "--max-batch-size", "8",
                "--max-wait-ms", "20", "--warmup", "7", "--timeout", "120", "--json", json.toString(),
                "--set", "consumer.max.partition.fetch.bytes=4194304", "--set", "processing.guarantee=at_least_once",
                "--broker-dir", tmp.resolve("broker").toString());
        assertEquals(0, code, err.toString());
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertEquals("pipeline", j.get("benchmark").asText());
        assertEquals("preloaded", j.get("mode").asText());
        assertEquals("{consumer.max.partition.fetch.bytes=4194304, processing.guarantee=at_least_once}",
                j.get("settings").asText());
        assertEquals("at_least_once", j.get("processing_guarantee").asText(), "the effective guarantee, not a literal");
        assertEquals(30, j.get("alerts").asInt());
        assertEquals(30, j.get("scores").asInt() + j.get("dead_letters").asInt(), "one output per alert");
        assertEquals(30, j.get("scores").asInt(), "synthetic cutouts are all scorable");
        assertEquals(7, j.get("warmup_alerts").asInt(), "the warm-up alerts were scored before the timed part");
        assertPositiveFinite(j, "alerts_per_second");
        assertPositiveFinite(j, "infer_images_per_second");
        assertPositiveFinite(j, "infer_images_per_second_before");
        assertPositiveFinite(j, "infer_images_per_second_after");
        assertEquals((j.get("infer_images_per_second_before").asDouble() + j.get("infer_images_per_second_after").asDouble())
                / 2, j.get("infer_images_per_second").asDouble(), 1e-9, "the ceiling is the mean of the rates before and after");
        assertTrue(j.get("latency_ms_p50").asDouble() >= 0, "score time is not before the append time");
        assertTrue(j.get("latency_ms_p50").asDouble() <= j.get("latency_ms_p99").asDouble());
        assertTrue(j.get("visible_latency_ms").get("p99").asDouble() >= 0);
        assertPositiveFinite(j, "rss_end_bytes");
        assertTrue(j.get("gc_pause_seconds").asDouble() >= 0);
        assertTrue(j.get("jit_compilation_seconds").isNumber());
        Path brokerLog = Path.of(j.get("broker_log_dir").asText());
        assertEquals(tmp.resolve("broker"), brokerLog.getParent(), "the embedded broker's log is under --broker-dir");
        assertTrue(Files.isDirectory(tmp.resolve("broker")) && !Files.exists(brokerLog),
                "the run's log directory is deleted afterwards, --broker-dir itself kept");
        if (Files.isReadable(Path.of("/proc/stat"))) {
            assertTrue(j.get("host_during_timed_part").get("user_cpu_seconds").asDouble() > 0,
                    "the machine did work while the alerts were scored");
        }
    }

    /**
     * {@code --shadow-model}: the default model live and a copy of it as the shadow. The shadow scores the very images
     * of each micro-batch after the live model, so it writes one record per image the live model scored: the applicable
     * inputs (the gate keeps the others from both models), warm-up included, none failed. Checks counts, not speed.
     */
    @Test
    void pipelineWithAShadowModelWritesAShadowRecordPerModelScore() throws Exception {
        Path live = org.deepmerge.streams.runtime.DefaultModel.resolve(null);
        Path shadow = reversioned(live, tmp.resolve("shadow-copy.onnx"), "2.0.0-shadow");
        Path json = tmp.resolve("pipeline-shadow.json");
        int code = run("bench", "pipeline", "--shadow-model", shadow.toString(), "--alerts", "40", "--count", "12",
                "--synthetic-survey", "ZTF", "--partitions", "1", "--stream-threads", "1", "--max-batch-size", "8",
                "--max-wait-ms", "20", "--warmup", "10", "--no-infer-ceiling", "--timeout", "120", "--json",
                json.toString(), "--broker-dir", tmp.resolve("broker-shadow").toString());
        assertEquals(0, code, err.toString());
        JsonNode j = new ObjectMapper().readTree(json.toFile());
        JsonNode s = j.get("shadow");
        assertTrue(s != null && s.isObject(), "the report has a shadow object: " + j);
        assertEquals(shadow.toString(), s.get("model").asText());
        assertEquals("deepmerge-default", s.get("name").asText());
        assertEquals(org.deepmerge.core.model.ModelIdentity.sha256(Files.readAllBytes(shadow)), s.get("sha256").asText());
        assertEquals(0, j.get("dead_letters").asInt());
        assertEquals(40, j.get("scores").asInt());
        assertEquals(10, j.get("warmup_alerts").asInt());
        long modelScored = j.get("scored_by_model").asLong();
        assertEquals(40 + 10, modelScored + j.get("not_applicable").asLong(),
                "every score record is a model score or a not-applicable record");
        assertTrue(s.get("records").asLong() > 0, s.toString());
        assertEquals(modelScored, s.get("records").asLong(),
                "one shadow record per image the live model scored (applicable inputs), warm-up included");
        assertEquals(0, s.get("failed").asLong());
        assertTrue(s.get("records_timed_part").asLong() > 0
                && s.get("records_timed_part").asLong() <= s.get("records").asLong(), s.toString());
        assertTrue(s.get("inference_runs_timed_part").asLong() >= 1, s.toString());
        assertTrue(s.get("inference_ms_mean").asDouble() >= 0 && s.get("inference_ms_p99").asDouble() >= 0, s.toString());
        assertTrue(out.toString().contains("shadow deepmerge-default"), out.toString());
    }

    /**
     * @return a copy of an ONNX model whose {@code deepmerge.model.version} is {@code version}: the same graph and cost,
     *         other bytes (a scorer never runs a shadow with the live model's SHA-256)
     */
    private static Path reversioned(Path onnx, Path copy, String version) throws Exception {
        ai.onnx.proto.OnnxMl.ModelProto m = ai.onnx.proto.OnnxMl.ModelProto.parseFrom(Files.readAllBytes(onnx));
        ai.onnx.proto.OnnxMl.ModelProto.Builder b = m.toBuilder().clearMetadataProps();
        for (ai.onnx.proto.OnnxMl.StringStringEntryProto e : m.getMetadataPropsList()) {
            b.addMetadataProps(e.getKey().equals("deepmerge.model.version") ? e.toBuilder().setValue(version).build() : e);
        }
        Files.write(copy, b.build().toByteArray());
        return copy;
    }

    /** A shadow model that does not take the live model's input is refused before the run, naming the check. */
    @Test
    void pipelineRefusesAShadowModelOfAnotherInput() throws Exception {
        Path tiny = TinyConvNetAccess.write(tmp.resolve("tiny-shadow.onnx"), -1);
        int code = run("bench", "pipeline", "--shadow-model", tiny.toString(), "--alerts", "5", "--count", "2",
                "--partitions", "1", "--stream-threads", "1", "--no-infer-ceiling", "--timeout", "60",
                "--broker-dir", tmp.resolve("broker-refused").toString());
        assertEquals(BenchCommand.EXIT_FAILED, code, err.toString());
        assertTrue(err.toString().contains("tiny-shadow.onnx") && err.toString().contains("refused (check "),
                err.toString());
    }

    /**
     * An alert the broker cannot take (larger than the producer's 8 MiB request limit) fails the run with the count
     * of lost appends, instead of leaving the benchmark waiting for a score that cannot come.
     */
    @Test
    void pipelineFailsWhenAnAlertCannotBeAppended() throws Exception {
        Path model = TinyConvNetAccess.write(tmp.resolve("tiny-lost.onnx"), -1);
        Path dir = Files.createDirectories(tmp.resolve("alerts"));
        Files.write(dir.resolve("a.avro"), new byte[100]);
        Files.write(dir.resolve("b.avro"), new byte[100]);
        Files.write(dir.resolve("c.avro"), new byte[9 * 1024 * 1024]);
        int code = run("bench", "pipeline", "--model", model.toString(), dir.toString(), "--alerts", "3",
                "--warmup", "0", "--partitions", "2", "--stream-threads", "1", "--no-infer-ceiling", "--timeout", "60",
                "--broker-dir", tmp.resolve("broker-lost").toString());
        assertEquals(BenchCommand.EXIT_FAILED, code, err.toString());
        assertTrue(err.toString().contains("1 of the alerts sent to") && err.toString().contains("were not appended")
                && err.toString().contains("RecordTooLargeException"), err.toString());
    }

    @Test
    void missingModelFailsWithItsName() {
        int code = run("bench", "infer", "--model", tmp.resolve("absent.onnx").toString(), "--seconds", "0");
        assertEquals(BenchCommand.EXIT_FAILED, code);
        assertTrue(err.toString().contains("absent.onnx"), err.toString());
    }
}
