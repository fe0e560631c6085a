package org.deepmerge.bench.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.time.Duration;
import org.apache.commons.io.FileUtils;
import org.deepmerge.bench.PipelineBenchmark;
import org.deepmerge.bench.StreamsScoringApp;
import org.deepmerge.app.broker.DevBroker;
import org.deepmerge.app.cli.ContractOptions;
import org.deepmerge.app.cli.DeepMergeCli;
import org.deepmerge.app.cli.DeepMergeSubcommand;
import org.deepmerge.streams.topology.ScoringMetrics;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.alert.AlertReader;
import org.deepmerge.core.alert.CutoutStamp;
import org.deepmerge.core.alert.LocalSchemaDirectory;
import org.deepmerge.core.fits.StampDecoder;
import org.deepmerge.core.fits.StampLimits;
import org.deepmerge.core.inference.Device;
import org.deepmerge.core.inference.ScorerOptions;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.ModelContracts;
import org.deepmerge.core.preprocess.ChannelMapping;
import org.deepmerge.core.preprocess.Preprocessor;
import org.deepmerge.core.synthetic.SurveyPreset;
import org.deepmerge.bench.BenchInputs;
import org.deepmerge.bench.BenchReport;
import org.deepmerge.bench.DecodeBenchmark;
import org.deepmerge.bench.HostStats;
import org.deepmerge.bench.InferBenchmark;
import org.deepmerge.bench.MachineInfo;
import org.deepmerge.bench.ModelCost;
import org.deepmerge.bench.OnnxGraphCost;
import org.deepmerge.bench.ShadowMeters;
import org.deepmerge.streams.runtime.DefaultModel;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code deepmerge bench}: the performance suite (see docs/benchmarks.md). Sub-benchmarks {@code decode},
 * {@code infer} and {@code pipeline} each print a human summary on stdout and, with {@code --json FILE}, write a
 * JSON report ({@link BenchReport}). Exit code 0 when the benchmark ran, 2 when it could not (bad options, model or
 * inputs), with the reason on stderr.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmarks: decode (alert bytes -> model input), infer (ONNX Runtime alone, batch-size sweep),",
                "pipeline (end to end through a Kafka broker). Each prints a summary and writes JSON with --json."},
        subcommands = {BenchCommand.Decode.class, BenchCommand.Infer.class, BenchCommand.Pipeline.class})
public final class BenchCommand implements Runnable, DeepMergeSubcommand {
    /** Exit code when a benchmark could not run. */
    public static final int EXIT_FAILED = DeepMergeCli.EXIT_FAILED;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code deepmerge bench decode}. */
    @Command(name = "decode", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Alert bytes -> model input tensor [C,H,W] float32 (decode, stamp FITS, preprocess), on the CPU.",
                    "Inputs: alert files or directories (e.g. ../shared/data/alerts/ztf); none = synthetic Cutout records."})
    public static final class Decode implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(arity = "0..*", paramLabel = "INPUT", description = "Alert files or directories (none: synthetic).")
        List<Path> inputs;

        @Option(names = "--threads", defaultValue = "1", paramLabel = "N", description = "Worker threads (default: ${DEFAULT-VALUE}).")
        int threads;

        @Option(names = "--warmup", defaultValue = "20", paramLabel = "N",
                description = "Untimed passes per thread (default: ${DEFAULT-VALUE}; the JIT needs a few thousand alerts "
                        + "to reach the steady state, docs/benchmarks.md).")
        int warmup;

        @Option(names = "--iterations", defaultValue = "100", paramLabel = "N", description = "Timed passes per thread (default: ${DEFAULT-VALUE}).")
        int iterations;

        @Option(names = "--limit", defaultValue = "100000", paramLabel = "N", description = "Use at most N input files (default: ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--count", defaultValue = "500", paramLabel = "N",
                description = "Synthetic messages when no INPUT is given (default: ${DEFAULT-VALUE}).")
        int count;

        @Option(names = "--synthetic-survey", defaultValue = "ZTF", paramLabel = "ZTF|LSST|HLSP_HST|HLSP_HST_JWST",
                description = "Look of the synthetic cutouts (default: ${DEFAULT-VALUE}).")
        SurveyPreset survey;

        @Option(names = "--model", paramLabel = "FILE",
                description = "Take the model contract (C,H,W, pixel scale, normalisation) from this ONNX file; "
                        + "default: 3 channels 75x75 at 0.1875 arcsec/px, no normalisation (the DeepMerge geometry).")
        Path model;

        @Option(names = "--schema-dir", paramLabel = "DIR", description = "Avro schemas for Confluent-framed alerts.")
        Path schemaDir;

        @Option(names = "--channel-map", paramLabel = "SPEC", description = "Channel mapping, e.g. 'ZTF=science' (default: template for ZTF/LSST).")
        String channelMap;

        @Option(names = "--json", paramLabel = "FILE", description = "Write the JSON report here.")
        Path json;

        @Option(names = "--morphology",
                description = "Also measure each alert's morphology, as score --morphology and deepmerge.morphology=true do.")
        boolean morphology;

        @Option(names = "--save-stamps", paramLabel = "DIR",
                description = "Also write each selected stamp, bytes as in the alert, to DIR/<sourceId>-<kind>.fits[.gz] "
                        + "(e.g. to time gzip with another zlib, docs/benchmarks.md).")
        Path saveStamps;

        @Mixin
        ContractOptions contract;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try {
                List<byte[]> messages;
                String source;
                if (inputs == null || inputs.isEmpty()) {
                    messages = BenchInputs.synthetic(survey, count, 7L);
                    source = "synthetic " + survey + " Cutout records (single-object encoding, gzipped FITS), n=" + count;
                } else {
                    messages = BenchInputs.read(inputs, limit);
                    source = inputs.toString();
                }
                ModelContract mc = model != null ? ModelContracts.read(model, contract.overrides()) : DecodeBenchmark.deepMergeContract();
                ChannelMapping mapping = channelMap == null ? ChannelMapping.defaults() : ChannelMapping.parse(channelMap);
                AlertReader reader = new AlertReader(schemaDir == null ? null : new LocalSchemaDirectory(schemaDir),
                        mapping::kindsFor);
                if (saveStamps != null) {
                    saveStamps(messages, reader, mapping, mc, saveStamps);
                }
                DecodeBenchmark.Result r = DecodeBenchmark.run(new DecodeBenchmark.Config(messages, reader, mapping,
                        new StampDecoder(StampLimits.defaults()), new Preprocessor(mc), threads, warmup, iterations,
                        morphology));

                BenchReport report = new BenchReport("decode", "CPU", threads)
                        .put("stamps_per_second", r.stampsPerSecond())
                        .put("stamps_per_second_per_thread", r.stampsPerSecondPerThread())
                        .put("tensors_per_second", r.alertsPerSecond())
                        .put("stamps_per_cpu_second", r.stampsPerCpuSecond())
                        .put("cpu_seconds", r.cpuSeconds())
                        .put("source", source)
                        .put("messages", r.messages())
                        .put("prepared", r.prepared())
                        .put("stamps_timed", r.stamps())
                        .put("seconds", r.seconds())
                        .put("warmup_passes", warmup)
                        .put("timed_passes", iterations)
                        .put("input_shape", mc.channelCount() + "x" + mc.height() + "x" + mc.width())
                        .put("morphology", morphology)
                        .put("cpu_us_per_alert", r.cpuSeconds() * 1e6 / r.alerts());
                ObjectNode rej = report.object("rejected_by_reason");
                r.rejectedByReason().forEach(rej::put);
                ObjectNode phases = report.object("single_thread_cpu_us_per_alert");
                phases.put("read_alert", r.nsReadAlert() / 1000);
                phases.put("inflate", r.nsInflate() / 1000);
                phases.put("fits", r.nsFits() / 1000);
                phases.put("preprocess", r.nsPreprocess() / 1000);
                phases.put("nom_tam_fits_alone", r.nsNomTamFits() / 1000);
                phases.put("libraries", r.nsLibraries() / 1000);
                report.put("library_ceiling_stamps_per_cpu_second", r.libraryCeilingPerCpuSecond());
                report.finish();

                out.printf(Locale.ROOT, "decode: %s%n", source);
                out.printf(Locale.ROOT, "  %d messages, %d prepared, rejected %s; model input [%d,%d,%d]%n", r.messages(),
                        r.prepared(), r.rejectedByReason(), mc.channelCount(), mc.height(), mc.width());
                out.printf(Locale.ROOT, "  %d threads x %d timed passes: %d alerts, %d stamps in %.3f s%n", threads,
                        iterations, r.alerts(), r.stamps(), r.seconds());
                out.printf(Locale.ROOT, "  %.0f stamps/s (%.0f per thread), %.0f tensors/s; %.0f stamps per CPU-second%n",
                        r.stampsPerSecond(), r.stampsPerSecondPerThread(), r.alertsPerSecond(), r.stampsPerCpuSecond());
                out.printf(Locale.ROOT, "  %.1f CPU us per alert (morphology %s)%n", r.cpuSeconds() * 1e6 / r.alerts(),
                        morphology ? "on" : "off");
                out.printf(Locale.ROOT, "  single thread, CPU us per alert, each step on its own: alert (Avro) %.1f, gzip inflate"
                        + " (JDK Inflater) %.1f, FITS (nom-tam-fits) %.1f, preprocess %.1f%n", r.nsReadAlert() / 1000,
                        r.nsInflate() / 1000, r.nsFits() / 1000, r.nsPreprocess() / 1000);
                out.printf(Locale.ROOT, "  libraries alone (alert read + inflate + nom-tam-fits header + data %.1f): %.1f us per alert,"
                        + " a ceiling of %.0f stamps per CPU-second%n", r.nsNomTamFits() / 1000, r.nsLibraries() / 1000,
                        r.libraryCeilingPerCpuSecond());
                out.printf(Locale.ROOT, "  machine: %s%n", MachineInfo.probe().summary());
                out.flush();
                if (json != null) {
                    report.write(json);
                }
                return 0;
            } catch (DeepMergeException e) {
                return fail(spec, "decode", e);
            }
        }

        /** Writes the stamps the mapping selects (each once) of every message that has them. */
        private static void saveStamps(List<byte[]> messages, AlertReader reader, ChannelMapping mapping,
                                       ModelContract mc, Path dir) throws DeepMergeException {
            try {
                Files.createDirectories(dir);
                for (byte[] m : messages) {
                    Alert alert;
                    List<CutoutStamp> stamps;
                    try {
                        alert = reader.read(m);
                        stamps = mapping.select(alert, mc).stamps();
                    } catch (DeepMergeException e) {
                        continue;
                    }
                    for (CutoutStamp s : new java.util.LinkedHashSet<>(stamps)) {
                        boolean gz = s.data().length >= 2 && (s.data()[0] & 0xFF) == 0x1F && (s.data()[1] & 0xFF) == 0x8B;
                        String name = (alert.sourceId() + "-" + s.kind()).replaceAll("[^A-Za-z0-9._-]", "_")
                                + (gz ? ".fits.gz" : ".fits");
                        Files.write(dir.resolve(name), s.data());
                    }
                }
            } catch (java.io.IOException e) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, "cannot write stamps to " + dir + ": " + e, e);
            }
        }
    }

    /** {@code deepmerge bench infer}. */
    @Command(name = "infer", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"ONNX Runtime alone: images/s and ms per batch for batch sizes 1..1024 (a fixed-batch model runs its N),",
                    "the execution provider used, and the model's multiply-adds per image counted from the ONNX graph."})
    public static final class Infer implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--model", paramLabel = "FILE",
                description = "ONNX model file (default: the model embedded in the jar, when the build has one).")
        Path model;

        @Option(names = "--batch-sizes", split = ",", paramLabel = "N,N,...",
                description = "Batch sizes to sweep (default: 1,2,4,...,1024).")
        List<Integer> batchSizes;

        @Option(names = "--dynamic-batch",
                description = "Run a copy of the model with a symbolic batch dimension (for fixed-N exports whose graph "
                        + "computes shapes from the input, e.g. the PyTorch DeepMerge export), so sizes can be swept.")
        boolean dynamicBatch;

        @Option(names = "--device", defaultValue = "auto", paramLabel = "auto|cpu|cuda", description = "Device (default: ${DEFAULT-VALUE}).")
        Device device;

        @Mixin
        SessionOptions session;

        @Option(names = "--warmup", defaultValue = "3", paramLabel = "N", description = "Untimed runs per size (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--min-runs", defaultValue = "5", paramLabel = "N", description = "Least timed runs per size (default: ${DEFAULT-VALUE}).")
        int minRuns;

        @Option(names = "--seconds", defaultValue = "2", paramLabel = "S", description = "Least timed seconds per size (default: ${DEFAULT-VALUE}).")
        double seconds;

        @Option(names = "--json", paramLabel = "FILE", description = "Write the JSON report here.")
        Path json;

        @Mixin
        ContractOptions contract;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Path copy = null;
            try {
                Device d = device;
                Path file = DefaultModel.resolve(model);
                Path run = file;
                if (dynamicBatch) {
                    copy = Files.createTempFile("deepmerge-bench-", ".onnx");
                    run = OnnxGraphCost.withDynamicBatch(file, copy);
                }
                ScorerOptions options = session.scorerOptions(d);
                List<Integer> sizes = batchSizes == null ? InferBenchmark.powersOfTwo() : batchSizes;
                out.printf(Locale.ROOT, "infer: %s%s%n", file, dynamicBatch ? " (batch dimension made dynamic)" : "");
                out.printf(Locale.ROOT, "  %10s %6s %12s %12s %12s %12s %14s %10s%n", "batch", "runs", "ms/batch", "p50 ms", "p95 ms",
                        "images/s", "images/s @p50", "img/CPU-s");
                out.flush();
                InferBenchmark.Result r = InferBenchmark.run(new InferBenchmark.Config(run, contract.overrides(), options,
                        sizes, warmup, minRuns, seconds), row -> {
                            out.printf(Locale.ROOT, "  %10d %6d %12.3f %12.3f %12.3f %12.1f %14.1f %10.1f%n", row.batchSize(),
                                    row.runs(), row.msPerBatchMean(), row.msPerBatchP50(), row.msPerBatchP95(),
                                    row.imagesPerSecond(), row.imagesPerSecondP50(), row.imagesPerCpuSecond());
                            out.flush();
                        });
                InferBenchmark.Row best = r.best();
                ModelCost cost = r.cost();
                MachineInfo machine = MachineInfo.probe();
                int effectiveThreads = session.threads > 0 ? session.threads : machine.logicalCpus();
                BenchReport report = new BenchReport("infer", r.device(), effectiveThreads)
                        .put("images_per_second", best.imagesPerSecond())
                        .put("spin_wait", session.spin)
                        .put("best_batch_size", best.batchSize())
                        .put("ms_per_batch_at_best", best.msPerBatchMean())
                        .put("images_per_cpu_second_at_best", best.imagesPerCpuSecond())
                        .put("execution_provider", r.executionProvider())
                        .put("model", file.toString())
                        .put("fixed_batch", String.valueOf(r.fixedBatch()))
                        .put("input_shape", r.inputShape().get(0) + "x" + r.inputShape().get(1) + "x" + r.inputShape().get(2))
                        .put("macs_per_image", cost.macsPerImage())
                        .put("parameters", cost.parameters())
                        .put("achieved_gflops", r.achievedGflops());
                ObjectNode byOp = report.object("macs_by_op_type");
                cost.macsByOpType().forEach(byOp::put);
                ArrayNode unc = report.array("macs_uncounted");
                cost.uncounted().forEach(unc::add);
                ArrayNode rows = report.array("batches");
                for (InferBenchmark.Row row : r.rows()) {
                    ObjectNode o = rows.addObject();
                    o.put("batch_size", row.batchSize());
                    o.put("runs", row.runs());
                    o.put("ms_per_batch", row.msPerBatchMean());
                    o.put("ms_per_batch_p50", row.msPerBatchP50());
                    o.put("ms_per_batch_p95", row.msPerBatchP95());
                    o.put("images_per_second", row.imagesPerSecond());
                    o.put("images_per_second_p50", row.imagesPerSecondP50());
                    o.put("images_per_cpu_second", row.imagesPerCpuSecond());
                }
                report.finish();
                out.printf(Locale.ROOT, "  execution provider %s (device %s), input [N,%d,%d,%d]%n", r.executionProvider(),
                        r.device(), r.inputShape().get(0), r.inputShape().get(1), r.inputShape().get(2));
                out.printf(Locale.ROOT, "  best: %.1f images/s at batch %d (%.3f ms/batch)%n", best.imagesPerSecond(),
                        best.batchSize(), best.msPerBatchMean());
                out.printf(Locale.ROOT, "  model cost: %,d multiply-adds per image (%s)%s, %,d parameters%n",
                        cost.macsPerImage(), cost.macsByOpType(), cost.complete() ? "" : ", NOT counted: " + cost.uncounted(),
                        cost.parameters());
                out.printf(Locale.ROOT, "  achieved %.1f GFLOP/s vs estimated peak %.0f GFLOP/s FP32 (%.1f%%)%n",
                        r.achievedGflops(), machine.peakGflops(), 100 * r.achievedGflops() / machine.peakGflops());
                out.printf(Locale.ROOT, "  machine: %s%n", machine.summary());
                out.flush();
                if (json != null) {
                    report.write(json);
                }
                return 0;
            } catch (DeepMergeException e) {
                return fail(spec, "infer", e);
            } catch (java.io.IOException e) {
                return fail(spec, "infer", new DeepMergeException(Reason.IO_ERROR, "cannot create a temporary model copy: "
                        + e.getMessage(), e));
            } finally {
                deleteQuietly(copy);
            }
        }
    }

    /** {@code deepmerge bench pipeline}. */
    @Command(name = "pipeline", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"End to end through a Kafka broker (the embedded KRaft dev broker unless --bootstrap) and the scoring",
                    "topology (exactly_once_v2 unless --set processing.guarantee). Modes: N pre-loaded alerts (sustained alerts/s, default); --rate R (offered",
                    "load, latency p50/p95/p99 of score time - append time); --visit N (time to score one survey visit)."})
    public static final class Pipeline implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(arity = "0..*", paramLabel = "INPUT", description = "Alert files or directories, cycled (none: synthetic).")
        List<Path> inputs;

        @Option(names = "--model", paramLabel = "FILE",
                description = "ONNX model file (default: the model embedded in the jar, when the build has one).")
        Path model;

        @Option(names = "--dynamic-batch", description = "Score with a copy of the model whose batch dimension is symbolic (see bench infer).")
        boolean dynamicBatch;

        @Option(names = "--shadow-model", paramLabel = "FILE",
                description = "Also score every micro-batch with this ONNX file as the shadow model, as 'deepmerge models "
                        + "shadow' does (same checks: its own contract, warm-up, input compatibility with --model); its "
                        + "records go to <output topic>.shadow in the same transaction. The live model may be the same file.")
        Path shadowModel;

        @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Use this broker instead of an embedded one.")
        String bootstrap;

        @Option(names = "--broker-dir", paramLabel = "DIR",
                description = "Where the embedded broker keeps its log: a new directory in DIR, deleted afterwards "
                        + "(default: in java.io.tmpdir); e.g. on tmpfs (/dev/shm) to take the disk out of the measurement.")
        Path brokerParent;

        @Option(names = "--alerts", defaultValue = "20000", paramLabel = "N", description = "Pre-loaded alerts (default mode; default: ${DEFAULT-VALUE}).")
        int alerts;

        @Option(names = "--rate", paramLabel = "ALERTS/S", description = "Offered-load mode: alerts per second.")
        Double rate;

        @Option(names = "--duration", defaultValue = "30", paramLabel = "S", description = "Offered-load duration, s (default: ${DEFAULT-VALUE}).")
        double duration;

        @Option(names = "--visit", paramLabel = "N", description = "Visit mode: a burst of N alerts (Rubin peak: 40000).")
        Integer visit;

        @Option(names = "--warmup", defaultValue = "-1", paramLabel = "N", description = "Alerts scored before the timed part by the same application; "
                + "-1 (the default) = until the JIT is done: rounds of 5,000 until the JIT compiler threads use less than 5%% "
                + "of a round's CPU, at most 100,000. A warning says when JIT compilation still took more than 10%% of the "
                + "timed part's CPU. The preloaded mode then pauses the application while it appends the alerts.")
        int warmup;

        @Option(names = "--count", defaultValue = "1000", paramLabel = "N", description = "Distinct synthetic messages when no INPUT (default: ${DEFAULT-VALUE}).")
        int count;

        @Option(names = "--synthetic-survey", defaultValue = "ZTF", paramLabel = "ZTF|LSST|HLSP_HST|HLSP_HST_JWST",
                description = "Look of the synthetic cutouts (default: ${DEFAULT-VALUE}).")
        SurveyPreset survey;

        @Option(names = "--partitions", defaultValue = "2", paramLabel = "N", description = "Input/output partitions (default: ${DEFAULT-VALUE}).")
        int partitions;

        @Option(names = "--stream-threads", defaultValue = "2", paramLabel = "N", description = "Kafka Streams threads (default: ${DEFAULT-VALUE}).")
        int streamThreads;

        @Option(names = "--max-batch-size", defaultValue = "64", paramLabel = "N", description = "Micro-batch size (default: ${DEFAULT-VALUE}).")
        int maxBatch;

        @Option(names = "--infer-batch", defaultValue = "16", paramLabel = "N",
                description = "Most images per ONNX Runtime run of the shared batcher, deepmerge.inference.max.batch "
                        + "(dynamic-batch models; default: ${DEFAULT-VALUE}).")
        int inferBatch;

        @Option(names = "--max-wait-ms", defaultValue = "50", paramLabel = "MS", description = "Micro-batch max wait (default: ${DEFAULT-VALUE}).")
        long maxWaitMs;

        @Mixin
        SessionOptions session;

        @Option(names = "--timeout", defaultValue = "900", paramLabel = "S", description = "Longest wait for all scores of a mode, s (default: ${DEFAULT-VALUE}).")
        long timeout;

        @Option(names = "--no-infer-ceiling", description = "Skip measuring the infer rate at --infer-batch before and after the run.")
        boolean noCeiling;

        @Option(names = "--set", paramLabel = "KEY=VALUE",
                description = "A setting of the scoring application, as for 'deepmerge serve --set': a Kafka Streams or "
                        + "client key (e.g. consumer.max.partition.fetch.bytes=8388608); repeatable.")
        Map<String, String> sets = new java.util.LinkedHashMap<>();

        @Option(names = "--json", paramLabel = "FILE", description = "Write the JSON report here.")
        Path json;

        @Mixin
        ContractOptions contract;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Path copy = null;
            Path brokerDir = null;
            DevBroker broker = null;
            try {
                List<byte[]> messages;
                String source;
                if (inputs == null || inputs.isEmpty()) {
                    messages = BenchInputs.synthetic(survey, count, 11L);
                    source = "synthetic " + survey + " Cutout records (single-object encoding), " + count + " distinct, cycled";
                } else {
                    messages = BenchInputs.read(inputs, 100_000);
                    source = inputs + ", " + messages.size() + " distinct, cycled";
                }
                Path file = DefaultModel.resolve(model);
                Path run = file;
                if (dynamicBatch) {
                    copy = Files.createTempFile("deepmerge-bench-", ".onnx");
                    run = OnnxGraphCost.withDynamicBatch(file, copy);
                }
                int runBatch = inferBatch;
                ScorerOptions options = session.scorerOptions(Device.CPU).withDynamicBatchSize(runBatch);
                InferBenchmark.Config ceilingRun = new InferBenchmark.Config(run, contract.overrides(), options,
                        List.of(runBatch), 3, 5, 3);
                double ceilingBefore = Double.NaN;
                if (!noCeiling) {
                    out.printf(Locale.ROOT, "pipeline: measuring the infer ceiling at batch %d ...%n", runBatch);
                    out.flush();
                    ceilingBefore = InferBenchmark.run(ceilingRun, row -> { }).best().imagesPerSecond();
                }
                if (bootstrap == null) {
                    brokerDir = brokerParent == null ? Files.createTempDirectory("deepmerge-bench-broker-")
                            : Files.createTempDirectory(Files.createDirectories(brokerParent), "deepmerge-bench-broker-");
                    broker = DevBroker.start(brokerDir, 0);
                }
                String servers = bootstrap != null ? bootstrap : broker.bootstrapServers();
                Map<String, Object> settings = new java.util.HashMap<>();
                settings.put("deepmerge.model.path", run.toString());
                settings.put("deepmerge.device", "cpu");
                settings.put("deepmerge.inference.threads", session.threads);
                settings.put("deepmerge.inference.spin.wait", session.spin);
                settings.put("deepmerge.inference.max.batch", runBatch);
                settings.put("deepmerge.max.batch.size", maxBatch);
                settings.put("deepmerge.max.wait.ms", maxWaitMs);
                settings.put("num.stream.threads", streamThreads);
                settings.putAll(sets);
                String mode;
                PipelineBenchmark.Result r;
                ScoringMetrics meters;
                java.util.Optional<ShadowMeters.Figures> shadow;
                String guarantee;
                try (StreamsScoringApp app = new StreamsScoringApp(settings, contract.overrides())) {
                    guarantee = app.processingGuarantee();
                    if (shadowModel != null) {
                        app.installShadow(shadowModel);
                    }
                    PipelineBenchmark.Config cfg = new PipelineBenchmark.Config(servers, messages, partitions, app, app,
                            Duration.ofSeconds(timeout), shadowModel != null);
                    if (visit != null) {
                        mode = "visit";
                        r = PipelineBenchmark.visit(cfg, visit, warmup);
                    } else if (rate != null) {
                        mode = "offered";
                        r = PipelineBenchmark.offered(cfg, rate, duration, warmup);
                    } else {
                        mode = "preloaded";
                        r = PipelineBenchmark.preloaded(cfg, alerts, warmup);
                    }
                    meters = app.metrics();
                    shadow = app.shadowFigures();
                }
                double ceilingAfter = Double.NaN;
                if (!noCeiling) {
                    if (broker != null) {
                        broker.close();
                    }
                    ceilingAfter = InferBenchmark.run(ceilingRun, row -> { }).best().imagesPerSecond();
                }
                // the host's speed drifts: the mean of the rates just before and just after is the ceiling
                double ceiling = (ceilingBefore + ceilingAfter) / 2;
                BenchReport report = new BenchReport("pipeline", "CPU", streamThreads)
                        .put("mode", mode)
                        .put("spin_wait", session.spin)
                        .put("alerts_per_second", r.alertsPerSecond())
                        .put("alerts", r.alerts())
                        .put("scores", r.scores())
                        .put("dead_letters", r.deadLetters())
                        .put("seconds", r.seconds())
                        .put("source", source)
                        .put("model", file.toString())
                        .put("broker", bootstrap != null ? bootstrap : "embedded KRaft (same JVM)")
                        .put("broker_log_dir", broker != null ? broker.dataDir().toString() : "")
                        .put("partitions", partitions)
                        .put("max_batch_size", maxBatch)
                        .put("max_wait_ms", maxWaitMs)
                        .put("infer_batch", runBatch)
                        .put("processing_guarantee", guarantee)
                        .put("settings", sets.toString())
                        .put("rss_start_bytes", r.rssStartBytes())
                        .put("rss_end_bytes", r.rssEndBytes())
                        .put("cpu_seconds", r.cpuSeconds())
                        .put("alerts_per_cpu_second", r.alertsPerCpuSecond())
                        .put("warmup_alerts", r.warmupAlerts())
                        .put("jit_compilation_seconds", r.jitSeconds())
                        .put("jit_compiler_cpu_seconds", jitCpu(r))
                        .put("jit_share_of_cpu", r.cpuSeconds() > 0 ? jitCpu(r) / r.cpuSeconds() : -1)
                        .put("gc_pause_seconds", r.gcPauseSeconds());
                if (visit != null) {
                    report.put("visit_seconds", r.seconds());
                }
                ObjectNode groups = report.object("cpu_seconds_by_thread_group");
                r.cpuByThreadGroup().forEach(groups::put);
                if (r.host() != null) {
                    ObjectNode host = report.object("host_during_timed_part");
                    host.put("user_cpu_seconds", r.host().userSeconds());
                    host.put("system_cpu_seconds", r.host().systemSeconds());
                    host.put("iowait_seconds", r.host().iowaitSeconds());
                    host.put("steal_seconds", r.host().stealSeconds());
                    host.put("idle_seconds", r.host().idleSeconds());
                    host.put("page_cache_dirtied_bytes", r.host().dirtiedBytes());
                    host.put("written_to_storage_bytes", r.host().writtenBytes());
                }
                if (meters != null) {
                    report.put("not_applicable", meters.notApplicableCount());
                    report.put("scored_by_model", meters.scoredCount());
                    report.put("changelog_bytes_per_alert", meters.meanEntryBytes());
                    report.put("micro_batches", meters.batches());
                    report.put("largest_micro_batch", meters.maxBatch());
                }
                if (rate != null) {
                    report.put("offered_rate", rate);
                }
                shadow.ifPresent(f -> putShadow(report.object("shadow"), shadowModel, f));
                if (r.latency().count() > 0) {
                    report.putLatency(r.latency());
                    ObjectNode vis = report.object("visible_latency_ms");
                    vis.put("p50", r.visible().p50());
                    vis.put("p95", r.visible().p95());
                    vis.put("p99", r.visible().p99());
                    vis.put("max", r.visible().max());
                }
                if (!noCeiling) {
                    report.put("infer_images_per_second", ceiling);
                    report.put("infer_images_per_second_before", ceilingBefore);
                    report.put("infer_images_per_second_after", ceilingAfter);
                    if (rate == null) {
                        report.put("pipeline_to_infer_ratio", r.alertsPerSecond() / ceiling);
                    }
                }
                report.finish();
                out.printf(Locale.ROOT, "pipeline (%s): %s; broker %s; %d partitions, %d stream threads, batch %d, wait %d ms%n",
                        mode, source, bootstrap != null ? bootstrap : "embedded", partitions, streamThreads, maxBatch, maxWaitMs);
                out.printf(Locale.ROOT, "  %d alerts -> %d scores + %d dead letters in %.2f s: %.1f alerts/s; %.1f per CPU-second%n",
                        r.alerts(), r.scores(), r.deadLetters(), r.seconds(), r.alertsPerSecond(), r.alertsPerCpuSecond());
                if (r.latency().count() > 0) {
                    out.printf(Locale.ROOT, "  latency score-append ms: p50 %.0f, p95 %.0f, p99 %.0f, max %.0f; visible (read_committed): p50 %.0f, p95 %.0f, p99 %.0f%n",
                            r.latency().p50(), r.latency().p95(), r.latency().p99(), r.latency().max(), r.visible().p50(),
                            r.visible().p95(), r.visible().p99());
                }
                if (visit != null) {
                    out.printf(Locale.ROOT, "  visit of %d alerts: %.2f s (target < 30 s)%n", visit, r.seconds());
                }
                if (!noCeiling) {
                    out.printf(Locale.ROOT, "  infer ceiling at batch %d: %.1f images/s (%.1f before, %.1f after)%s%n", runBatch,
                            ceiling, ceilingBefore, ceilingAfter, rate != null ? " (rate-limited mode: no ratio)"
                                    : String.format(Locale.ROOT, "; pipeline/infer = %.2f (target >= 0.5)", r.alertsPerSecond() / ceiling));
                }
                shadow.ifPresent(f -> out.printf(Locale.ROOT, "  shadow %s %s: %d records (%d in the timed part), %d failed; "
                        + "%d runs in the timed part, mean %.2f ms, p50 %.2f ms, p99 %.2f ms%n", f.model().name(),
                        f.model().version(), f.records(), f.recordsTimed(), f.failed(), f.runsTimed(), f.meanMs(),
                        f.p50Ms(), f.p99Ms()));
                if (meters != null) {
                    out.printf(Locale.ROOT, "  batch buffer (warm-up included): %.0f changelog bytes per alert; %d micro-batches, largest %.0f%n",
                            meters.meanEntryBytes(), meters.batches(), meters.maxBatch());
                }
                out.printf(Locale.ROOT, "  CPU %.1f s: %s%n", r.cpuSeconds(), r.cpuByThreadGroup().entrySet().stream().limit(8)
                        .map(e -> String.format(Locale.ROOT, "%s %.1f", e.getKey(), e.getValue()))
                        .collect(java.util.stream.Collectors.joining(", ")));
                if (r.host() != null) {
                    HostStats h = r.host();
                    out.printf(Locale.ROOT, "  machine in the timed part: user %.1f, system %.1f, iowait %.1f, steal %.1f, idle %.1f CPU-s; "
                                    + "%d MiB dirtied, %d MiB written to storage%n", h.userSeconds(), h.systemSeconds(),
                            h.iowaitSeconds(), h.stealSeconds(), h.idleSeconds(), h.dirtiedBytes() >> 20, h.writtenBytes() >> 20);
                }
                out.printf(Locale.ROOT, "  JVM in the timed part (after %d warm-up alerts): JIT compilation %.1f s, GC pauses %.2f s%n",
                        r.warmupAlerts(), r.jitSeconds(), r.gcPauseSeconds());
                jitWarning(jitCpu(r), r.cpuSeconds(), warmup == PipelineBenchmark.AUTO_WARMUP
                        ? "-1, automatic: " + r.warmupAlerts() + " alerts" : String.valueOf(warmup)).ifPresent(out::println);
                if (meters != null && r.scores() > 0 && meters.notApplicableCount() * 2 > r.scores() + r.warmupAlerts()) {
                    out.printf(Locale.ROOT, "  warning: %d of the %d outputs (warm-up included) were inputs the applicability "
                            + "gate kept from the model (not applicable): the figure measures the gate, not the model; "
                            + "use inputs the model scores (e.g. --synthetic-survey ZTF) or --set deepmerge.gate.enabled=false%n",
                            meters.notApplicableCount(), r.scores() + r.warmupAlerts());
                }
                out.printf(Locale.ROOT, "  RSS %d MiB -> %d MiB; machine: %s%n", r.rssStartBytes() >> 20, r.rssEndBytes() >> 20,
                        MachineInfo.probe().summary());
                out.flush();
                if (json != null) {
                    report.write(json);
                }
                return 0;
            } catch (DeepMergeException e) {
                return fail(spec, "pipeline", e);
            } catch (java.io.IOException e) {
                return fail(spec, "pipeline", new DeepMergeException(Reason.IO_ERROR, e.getMessage(), e));
            } finally {
                if (broker != null) {
                    broker.close();
                }
                deleteQuietly(copy);
                deleteQuietly(brokerDir);
            }
        }
    }

    /**
     * Writes the shadow figures into the report's {@code shadow} object.
     *
     * @param o    the object
     * @param file the shadow model's file
     * @param f    its figures
     */
    static void putShadow(ObjectNode o, Path file, ShadowMeters.Figures f) {
        o.put("model", file.toString());
        o.put("name", f.model().name());
        o.put("version", f.model().version());
        o.put("sha256", f.model().sha256());
        o.put("records", f.records());
        o.put("records_timed_part", f.recordsTimed());
        o.put("failed", f.failed());
        o.put("inference_runs_timed_part", f.runsTimed());
        o.put("inference_ms_mean", f.meanMs());
        o.put("inference_ms_p50", f.p50Ms());
        o.put("inference_ms_p99", f.p99Ms());
    }

    /** Above this share of the timed part's CPU time spent compiling, a pipeline figure is not steady state. */
    static final double JIT_WARNING_SHARE = 0.10;

    /**
     * @param r a pipeline result
     * @return CPU time of the JIT compiler threads in the timed part, s (the JVM's compilation time,
     *         {@code jit_compilation_seconds}, adds up each compilation's elapsed time and grows with the machine's load)
     */
    static double jitCpu(PipelineBenchmark.Result r) {
        return r.cpuByThreadGroup().getOrDefault("(JIT compiler threads)", 0.0);
    }

    /**
     * @param jitSeconds CPU time of the JIT compiler threads in the timed part, s (negative when not known)
     * @param cpuSeconds process CPU time in the timed part, s
     * @param warmup     the run's {@code --warmup}, as shown in the warning
     * @return a warning line when compilation took more than {@link #JIT_WARNING_SHARE} of the CPU time
     */
    static java.util.Optional<String> jitWarning(double jitSeconds, double cpuSeconds, String warmup) {
        if (jitSeconds < 0 || !(cpuSeconds > 0) || jitSeconds / cpuSeconds <= JIT_WARNING_SHARE) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(String.format(Locale.ROOT, "  warning: JIT compilation took %.1f s of the timed "
                + "part's %.1f CPU-s (%.0f%%, above %.0f%%): the figure is partly the JVM warming up, not the scorer; "
                + "raise --warmup (now %s)", jitSeconds, cpuSeconds, 100 * jitSeconds / cpuSeconds,
                100 * JIT_WARNING_SHARE, warmup));
    }

    static int fail(CommandLine.Model.CommandSpec spec, String benchmark, DeepMergeException e) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("deepmerge bench " + benchmark + ": " + e.reason() + ": " + e.getMessage());
        err.flush();
        return EXIT_FAILED;
    }

    /** Deletes a temporary file or directory tree, if any; one left behind is harmless. */
    static void deleteQuietly(Path fileOrDir) {
        if (fileOrDir != null) {
            FileUtils.deleteQuietly(fileOrDir.toFile());
        }
    }
}
