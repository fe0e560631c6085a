package org.deepmerge.app.cli;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.alert.AlertReader;
import org.deepmerge.core.alert.SchemaResolver;
import org.deepmerge.core.archive.AlertSource;
import org.deepmerge.core.archive.AlertSourceEntry;
import org.deepmerge.core.console.ProgressLine;
import org.deepmerge.core.fits.StampLimits;
import org.deepmerge.core.inference.Device;
import org.deepmerge.core.inference.OnnxScorer;
import org.deepmerge.core.inference.Prediction;
import org.deepmerge.core.inference.ScorerOptions;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.ModelIdentity;
import org.deepmerge.core.model.OutputKind;
import org.deepmerge.core.model.ResampleMode;
import org.deepmerge.core.registry.RegistrySettings;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.runtime.DefaultModel;
import org.deepmerge.core.pipeline.CutoutPipeline;
import org.deepmerge.core.pipeline.MergerScores;
import org.deepmerge.core.pipeline.PreparedImage;
import org.deepmerge.core.preprocess.ChannelMapping;
import org.deepmerge.core.gate.GateConfig;
import org.deepmerge.app.offline.InputDump;
import org.deepmerge.app.offline.RejectLog;
import org.deepmerge.app.offline.ScoreFormat;
import org.deepmerge.app.offline.ScoreWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code deepmerge score}: offline scoring of alert files, directories and tar archives (e.g. the ZTF public
 * nightly archive {@code ztf_public_YYYYMMDD.tar.gz}) with one ONNX model. Every alert goes through the same
 * {@link CutoutPipeline} as the streaming job (decode, channel mapping, FITS stamps, preprocessing to
 * {@code [C,H,W]} float32); prepared images are scored in micro-batches {@code [N,C,H,W]}. One score per alert is
 * written in input order; every input that cannot be scored is listed with its location, position and reason, and
 * the run ends with {@code scored N (not applicable K), rejected M, of T} on stderr: N records written, of which K are
 * inputs the applicability gate kept from the model (a star, an empty or too small stamp; {@code applicable=false},
 * pMerger null, see docs/formats.md), M rejected, T read ({@code T = N + M}). {@code --no-gate} scores everything;
 * {@code --morphology} adds each input's non-parametric morphology ({@link CutoutPipeline#withMorphology}).
 *
 * <p>Limits (docs/formats.md, "Limits"): at most {@code --max-records-per-file} records are decoded from one
 * container file, the records it declares beyond are rejected as one INPUT_TOO_LARGE line naming the file and their
 * count ({@code file[1000..]}); after {@code --max-records} inputs in a run, every further input is rejected the same
 * way without being decoded.
 *
 * <p>Exit codes: 0 when the run completed (whatever was rejected); 2 when the run itself failed (model missing or
 * invalid, an input path missing or unreadable, output not writable, bad options, or an unexpected error such as an
 * OutOfMemoryError on any thread). Once scoring has started, a failed run still writes and flushes every score
 * produced so far, prints the summary line, then one {@code deepmerge score: ...} error line.
 */
@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Score alert files, directories and .tar.gz/.tgz/.tar archives of alerts with an ONNX model.",
                "Writes one merger score per alert; lists every input that cannot be scored with its reason;",
                "ends with 'scored N (not applicable K), rejected M, of T' on stderr.",
                "Exit code 0 unless the run itself failed (2)."})
public final class ScoreCommand implements Callable<Integer> {

    /** Exit code when the run itself failed. */
    public static final int EXIT_RUN_FAILED = 2;
    /** Default of {@code --max-inflight-bytes}: 64 MiB, a quarter of the smallest heap the fuzz test runs at. */
    public static final long DEFAULT_MAX_INFLIGHT_BYTES = 64L << 20;
    /**
     * Most inputs a micro-batch may hold, applicable or not, as a multiple of the model's batch size: a run of inputs
     * the gate keeps from the model (stars, empty stamps) is written once this many wait, instead of piling up until
     * the model's batch fills.
     */
    static final int MAX_PENDING_BATCHES = 4;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", paramLabel = "FILE",
            description = "ONNX model file (default: the model embedded in this jar, see docs/sim-to-real.md).")
    Path model;

    @Option(names = "--out", paramLabel = "FILE", description = "Output file (default: stdout).")
    Path out;

    @Option(names = "--format", paramLabel = "jsonl|csv|avro", defaultValue = "jsonl",
            description = "Output format (default: ${DEFAULT-VALUE}).")
    ScoreFormat format;

    @Option(names = "--rejects", paramLabel = "FILE",
            description = "Write rejected inputs here as JSON Lines (location, position, reason, message) "
                    + "instead of one stderr line each.")
    Path rejects;

    @Option(names = "--device", paramLabel = "auto|cpu|cuda", defaultValue = "auto",
            description = "Execution provider (default: ${DEFAULT-VALUE}).")
    Device device;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "ONNX Runtime intra-op threads; 0 = ONNX Runtime default (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--batch-size", paramLabel = "N",
            description = "Micro-batch size (default: the model's fixed batch size, else 16 on CPU and 256 on CUDA).")
    Integer batchSize;

    @Option(names = "--decode-threads", paramLabel = "N", defaultValue = "0",
            description = "Threads decoding and preprocessing alerts; 0 = min(4, processors) (default: ${DEFAULT-VALUE}).")
    int decodeThreads;

    @Option(names = "--channel-map", paramLabel = "SPEC",
            description = "Which cutout feeds the model channels, e.g. 'ZTF=template,LSST=science' or "
                    + "'kind=science' (default: template for ZTF and LSST, science otherwise; see docs/channel-mapping.md).")
    String channelMap;

    @Option(names = "--schema-dir", paramLabel = "DIR",
            description = "Directory of Avro schemas (.avsc) for Confluent-framed alerts, e.g. lsst.v9_0.alert.avsc.")
    Path schemaDir;

    @Option(names = "--registry", paramLabel = "URL",
            description = {"Confluent-compatible schema registry URL for Confluent-framed alerts (after --schema-dir).",
                    "Credentials: environment DEEPMERGE_INPUT_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO=user:password or "
                            + "DEEPMERGE_INPUT_SCHEMA_REGISTRY_BEARER_AUTH_TOKEN, never on the command line (visible in "
                            + "the process list); limits: DEEPMERGE_SCHEMA_REGISTRY_* (docs/configuration.md)."})
    String registry;

    /** Environment the registry credentials and limits are read from; tests replace it. */
    Map<String, String> env = System.getenv();

    @Option(names = "--max-entry-bytes", paramLabel = "BYTES", defaultValue = "" + AlertSource.DEFAULT_MAX_ENTRY_BYTES,
            description = "Largest accepted alert file or archive entry (default: ${DEFAULT-VALUE}).")
    long maxEntryBytes;

    @Option(names = "--no-verify-archives",
            description = "Do not read each .tar.gz/.tgz archive through once before scoring it: the entries of a damaged "
                    + "archive read before the damage is detected are scored, then the archive is rejected (default: a "
                    + "damaged archive is one reject and none of its entries is scored; the check costs one more "
                    + "inflate pass).")
    boolean noVerifyArchives;

    @Option(names = "--max-records-per-file", paramLabel = "N",
            defaultValue = "" + AlertReader.DEFAULT_MAX_RECORDS_PER_CONTAINER,
            description = "Most records decoded from one Avro container file; the records it declares beyond are "
                    + "rejected as one INPUT_TOO_LARGE line with their count (default: ${DEFAULT-VALUE}).")
    int maxRecordsPerFile;

    @Option(names = "--max-records", paramLabel = "N", defaultValue = "0",
            description = "Most records read in the run; every later input is rejected (INPUT_TOO_LARGE) without "
                    + "being decoded; 0 = no limit (default: ${DEFAULT-VALUE}).")
    long maxRecords;

    @Option(names = "--max-inflight-bytes", paramLabel = "BYTES", defaultValue = "" + DEFAULT_MAX_INFLIGHT_BYTES,
            description = "Memory the inputs read ahead may hold while waiting to be scored: input bytes read and not yet "
                    + "scored, and prepared model inputs; reading waits when it is reached (default: ${DEFAULT-VALUE}).")
    long maxInflightBytes;

    @Option(names = "--no-gate",
            description = "Send every alert to the model: no applicability gate (stars, empty or too small stamps get raw scores).")
    boolean noGate;

    @Option(names = "--morphology",
            description = "Add the non-parametric morphology of each input's central source (C, A, Gini, M20, Gini-M20 "
                    + "statistics, radii in arcsec, a flag; field morphology, CSV columns morphology_*), measured on one "
                    + "band of the model grid before the stretch, not-applicable inputs included (docs/formats.md).")
    boolean morphology;

    @Option(names = "--dump-inputs", paramLabel = "DIR",
            description = "Write each model input tensor [C,H,W] as DIR/<sourceId>.fits, not-applicable inputs included.")
    Path dumpInputs;

    @CommandLine.Mixin
    ContractOptions contract;

    @Parameters(arity = "1..*", paramLabel = "INPUT", description = "Alert files, directories, .tar.gz/.tgz/.tar archives.")
    List<Path> inputs;

    /** Called on the decode thread before each readable input is decoded; tests make it throw. */
    java.util.function.Consumer<AlertSourceEntry> beforePrepare = entry -> { };

    /** Input dumper of --dump-inputs, or null. */
    private InputDump dump;
    /** Applicable inputs in the pending micro-batch (the model's batch). */
    private int batchApplicable;

    /** Counts of one run. */
    private long scored;
    private long notApplicable;
    private long rejected;
    private long read;
    /** Scoring has started: a failure from here on still prints the summary. */
    private boolean started;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            run(err);
            return 0;
        } catch (DeepMergeException e) {
            summaryIfStarted(err);
            err.println(oneLine("deepmerge score: " + e.reason() + ": " + e.getMessage()));
            err.flush();
            return EXIT_RUN_FAILED;
        } catch (RuntimeException | Error e) {
            // an OutOfMemoryError or a bug on any thread: the scores written so far were flushed when the writers
            // closed; the summary and one line instead of a stack trace and exit code 1
            summaryIfStarted(err);
            err.println(oneLine("deepmerge score: failed: " + describe(e)));
            err.flush();
            return EXIT_RUN_FAILED;
        }
    }

    private void summaryIfStarted(PrintWriter err) {
        if (started) {
            err.println(summary());
        }
    }

    private String summary() {
        return String.format(Locale.ROOT, "scored %d (not applicable %d), rejected %d, of %d", scored, notApplicable,
                rejected, read);
    }

    /** The throwable and its causes, e.g. "IllegalStateException: prepare worker failed; caused by OutOfMemoryError: ...". */
    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(e.toString());
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            sb.append("; caused by ").append(c);
        }
        return sb.toString();
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }

    private void run(PrintWriter err) throws DeepMergeException {
        if (threads < 0) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--threads must be >= 0, got " + threads);
        }
        if (decodeThreads < 0) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--decode-threads must be >= 0, got " + decodeThreads);
        }
        if (maxRecordsPerFile < 1) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--max-records-per-file must be >= 1, got "
                    + maxRecordsPerFile);
        }
        if (maxRecords < 0) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--max-records must be >= 0, got " + maxRecords);
        }
        if (maxInflightBytes < 1) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--max-inflight-bytes must be >= 1, got " + maxInflightBytes);
        }
        if (batchSize != null && batchSize <= 0) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "--batch-size must be > 0, got " + batchSize);
        }
        Path model = DefaultModel.resolve(this.model);
        if (!Files.isRegularFile(model)) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "model file not found: " + model);
        }
        ChannelMapping mapping = channelMap == null ? ChannelMapping.defaults() : ChannelMapping.parse(channelMap);
        ScorerOptions options = ScorerOptions.defaults().withDevice(device).withThreads(threads, 0);
        if (batchSize != null) {
            options = options.withDynamicBatchSize(batchSize);
        }
        SchemaResolver resolver = schemaResolver(err);
        try (AlertSource source = AlertSource.open(inputs, maxEntryBytes, !noVerifyArchives);
             OnnxScorer scorer = OnnxScorer.open(model, options, contract.overrides())) {
            ModelContract contract = scorer.contract();
            CutoutPipeline pipeline = CutoutPipeline.create(contract, resolver, mapping, StampLimits.defaults(),
                    noGate ? GateConfig.disabled() : GateConfig.defaults()).withMorphology(morphology);
            dump = dumpInputs == null ? null : new InputDump(dumpInputs);
            int n = batchSize != null ? batchSize : scorer.maxBatch();
            try (OutputStream dest = openOut(out, "--out");
                 ScoreWriter writer = format.open(dest, contract.classNames(), morphology);
                 RejectLog rejectLog = rejects == null ? null : new RejectLog(openOut(rejects, "--rejects"))) {
                started = true;
                score(source, pipeline, scorer, n, writer, rejectLog, err);
            } catch (IOException e) {
                throw new DeepMergeException(Reason.IO_ERROR, "writing scores failed: " + e.getMessage(), e);
            }
        }
        err.println(summary());
        err.flush();
    }

    private void score(AlertSource source, CutoutPipeline pipeline, OnnxScorer scorer, int maxBatch,
                       ScoreWriter writer, RejectLog rejectLog, PrintWriter err) throws IOException, DeepMergeException {
        ModelContract contract = scorer.contract();
        ModelIdentity identity = scorer.identity();
        ProgressLine progress = new ProgressLine(err, ProgressLine.stderrIsTerminal(), "", 0);
        List<Pending> batch = new ArrayList<>(maxBatch);
        int workers = decodeThreads > 0 ? decodeThreads : Math.min(4, Runtime.getRuntime().availableProcessors());
        int window = maxBatch + 4 * workers;
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "deepmerge-prepare");
            t.setDaemon(true);
            return t;
        });
        int perFile = maxRecordsPerFile;
        // half the budget for input bytes waiting, half for prepared images: each task prepares at most its share,
        // leaving the rest of a many-record container for this thread to prepare when it gets there
        long imageBytes = 4L * contract.imageSize();
        int imagesPerTask = (int) Math.max(1, Math.min(perFile, maxInflightBytes / 2 / window / imageBytes));
        try {
            Deque<InFlight> inFlight = new ArrayDeque<>(window);
            long inFlightBytes = 0;
            long submitted = 0;
            for (AlertSourceEntry entry = source.next(); entry != null; entry = source.next()) {
                long ingestMs = System.currentTimeMillis();
                AlertSourceEntry e = entry;
                if (maxRecords > 0 && (submitted >= maxRecords || read >= maxRecords)) {
                    // the run's limit: every input holds at least one record, so no input past the limit's count needs
                    // decoding; records are counted exactly when taken (take)
                    inFlight.addLast(new InFlight(CompletableFuture.completedFuture(List.of(Outcome.failed(e.location(),
                            e.position(), new DeepMergeException(Reason.INPUT_TOO_LARGE, e.location()
                                    + " not decoded: the run reached its limit of " + maxRecords
                                    + " records (--max-records)"), ingestMs))), 0));
                } else {
                    submitted++;
                    long bytes = e.readable() ? e.bytes().length : 0;
                    inFlightBytes += bytes;
                    inFlight.addLast(new InFlight(e.readable()
                            ? pool.submit(() -> {
                                beforePrepare.accept(e);
                                return prepareAll(pipeline, e, ingestMs, perFile, imagesPerTask);
                            })
                            : CompletableFuture.completedFuture(List.of(
                                    Outcome.failed(e.location(), e.position(), e.failure(), ingestMs))), bytes));
                }
                while (inFlight.size() >= window || (inFlightBytes > maxInflightBytes / 2 && !inFlight.isEmpty())) {
                    InFlight oldest = inFlight.pollFirst();
                    inFlightBytes -= oldest.bytes();
                    take(oldest.outcomes(), pipeline, batch, maxBatch, scorer, contract, identity, writer, rejectLog,
                            err, progress);
                }
                progress.update(read, () -> "scored " + scored + ", rejected " + rejected + ", read " + read + " at "
                        + e.location());
            }
            while (!inFlight.isEmpty()) {
                take(inFlight.pollFirst().outcomes(), pipeline, batch, maxBatch, scorer, contract, identity, writer,
                        rejectLog, err, progress);
            }
        } catch (IOException | DeepMergeException | RuntimeException | Error fatal) {
            // score what was already prepared and taken, so that "everything scored so far" includes it
            try {
                scoreBatch(batch, scorer, contract, identity, writer, rejectLog, err, progress);
            } catch (IOException | RuntimeException | Error also) {
                fatal.addSuppressed(also);
            }
            progress.clear();
            throw fatal;
        } finally {
            pool.shutdownNow();
        }
        scoreBatch(batch, scorer, contract, identity, writer, rejectLog, err, progress);
        progress.clear();
        writer.flush();
        if (rejectLog != null) {
            rejectLog.flush();
        }
    }

    /** An input being prepared on a worker, and its bytes counted against {@code --max-inflight-bytes}. */
    private record InFlight(Future<List<Outcome>> outcomes, long bytes) {
    }

    /**
     * What became of one alert (or one unreadable input): a prepared image, the reason it was rejected, or the decoded
     * alert left for the scoring thread to prepare (a container's records beyond a task's share of the memory budget).
     */
    private record Outcome(String location, long position, PreparedImage image, DeepMergeException error,
                           Alert deferred, long ingestMs) {
        static Outcome failed(String location, long position, DeepMergeException error, long ingestMs) {
            return new Outcome(location, position, null, error, null, ingestMs);
        }

        static Outcome prepare(CutoutPipeline pipeline, String location, long position, Alert alert, long ingestMs) {
            try {
                return new Outcome(location, position, pipeline.prepare(alert), null, null, ingestMs);
            } catch (DeepMergeException e) {
                return failed(location, position, e, ingestMs);
            } catch (RuntimeException e) {
                return failed(location, position, unexpected(e), ingestMs);
            }
        }
    }

    /**
     * Decodes every record of one input (normally one alert; a container file may hold several, located as
     * {@code file[k]}) and prepares the first {@code imagesPerTask} for the model; the others are returned decoded,
     * to be prepared by the scoring thread. Runs on a prepare worker; never throws.
     */
    private static List<Outcome> prepareAll(CutoutPipeline pipeline, AlertSourceEntry entry, long ingestMs,
                                            int maxRecordsPerFile, int imagesPerTask) {
        List<Alert> alerts;
        AlertReader.Capped capped;
        try {
            capped = pipeline.reader().readAll(entry.bytes(), maxRecordsPerFile);
            alerts = capped.alerts();
        } catch (DeepMergeException e) {
            return List.of(Outcome.failed(entry.location(), entry.position(), e, ingestMs));
        } catch (RuntimeException e) {
            return List.of(Outcome.failed(entry.location(), entry.position(), unexpected(e), ingestMs));
        }
        List<Outcome> out = new ArrayList<>(alerts.size());
        for (int k = 0; k < alerts.size(); k++) {
            String location = alerts.size() == 1 && capped.beyondCap() == 0 ? entry.location() : entry.location() + "[" + k + "]";
            out.add(k < imagesPerTask ? Outcome.prepare(pipeline, location, entry.position(), alerts.get(k), ingestMs)
                    : new Outcome(location, entry.position(), null, null, alerts.get(k), ingestMs));
        }
        if (capped.beyondCap() > 0) {
            out.add(Outcome.failed(entry.location() + "[" + alerts.size() + "..]", entry.position(),
                    new DeepMergeException(Reason.INPUT_TOO_LARGE, entry.location() + " "
                            + capped.describeBeyond() + " (--max-records-per-file)"), ingestMs));
        }
        return out;
    }

    /** A decoder bug on one hostile input must not end a nightly run: it is rejected with its cause. */
    private static DeepMergeException unexpected(RuntimeException e) {
        return new DeepMergeException(Reason.MALFORMED_ALERT, "unexpected " + e, e);
    }

    /** Takes the oldest input's outcomes, in input order: rejects are listed, images join the micro-batch. */
    private void take(Future<List<Outcome>> next, CutoutPipeline pipeline, List<Pending> batch, int maxBatch,
                      OnnxScorer scorer,
                      ModelContract contract, ModelIdentity identity, ScoreWriter writer, RejectLog rejectLog,
                      PrintWriter err, ProgressLine progress) throws IOException, DeepMergeException {
        List<Outcome> outcomes;
        try {
            outcomes = next.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeepMergeException(Reason.IO_ERROR, "interrupted while preparing alerts", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("prepare worker failed", e.getCause());
        }
        for (int i = 0; i < outcomes.size(); i++) {
            Outcome o = outcomes.get(i);
            if (o.deferred() != null) {
                o = Outcome.prepare(pipeline, o.location(), o.position(), o.deferred(), o.ingestMs());
            }
            if (maxRecords > 0 && read >= maxRecords) {
                int rest = outcomes.size() - i;
                read++;
                reject(o.location() + (rest > 1 ? " and " + (rest - 1) + " more" : ""), o.position(),
                        new DeepMergeException(Reason.INPUT_TOO_LARGE, o.location() + (rest > 1 ? " and the " + (rest - 1)
                                + " records after it" : "") + " not scored: the run reached its limit of " + maxRecords
                                + " records (--max-records)"), rejectLog, err, progress);
                break;
            }
            read++;
            if (o.error() != null) {
                reject(o.location(), o.position(), o.error(), rejectLog, err, progress);
            } else {
                if (dump != null) {
                    dump.write(o.image(), contract, identity);
                }
                batch.add(new Pending(o.location(), o.position(), o.image(), o.ingestMs()));
                if (o.image().applicable()) {
                    batchApplicable++;
                }
                if (batchApplicable == maxBatch || batch.size() >= MAX_PENDING_BATCHES * maxBatch) {
                    scoreBatch(batch, scorer, contract, identity, writer, rejectLog, err, progress);
                }
            }
        }
    }

    /** An alert prepared for the model, waiting for its micro-batch. */
    private record Pending(String location, long position, PreparedImage image, long ingestMs) {
    }

    /**
     * Scores the applicable inputs of the batch in one model run and writes every input's record in input order;
     * not-applicable inputs are written without running the model.
     */
    private void scoreBatch(List<Pending> batch, OnnxScorer scorer, ModelContract contract, ModelIdentity identity,
                            ScoreWriter writer, RejectLog rejectLog, PrintWriter err, ProgressLine progress)
            throws IOException {
        if (batch.isEmpty()) {
            return;
        }
        int size = contract.imageSize();
        int n = batchApplicable;
        float[] images = new float[n * size];
        int k = 0;
        for (Pending p : batch) {
            if (p.image().applicable()) {
                System.arraycopy(p.image().image(), 0, images, k++ * size, size);
            }
        }
        List<Prediction> predictions = List.of();
        DeepMergeException failure = null;
        if (n > 0) {
            try {
                predictions = scorer.score(images, n);
            } catch (DeepMergeException e) {
                failure = e;
            }
        }
        long scoreMs = System.currentTimeMillis();
        k = 0;
        for (Pending p : batch) {
            if (!p.image().applicable()) {
                writer.write(MergerScores.notApplicable(p.image(), identity, p.ingestMs(), scoreMs));
                scored++;
                notApplicable++;
            } else if (failure != null) {
                reject(p.location(), p.position(), failure, rejectLog, err, progress);
            } else {
                Prediction prediction = predictions.get(k++);
                try {
                    MergerScores.requireValidOutput(prediction, contract.classNames(), p.image().sourceId(), identity);
                } catch (DeepMergeException e) {
                    reject(p.location(), p.position(), e, rejectLog, err, progress);
                    continue;
                }
                writer.write(MergerScores.of(p.image(), prediction, contract.classNames(), identity,
                        p.ingestMs(), scoreMs));
                scored++;
            }
        }
        batch.clear();
        batchApplicable = 0;
    }

    private void reject(String location, long position, DeepMergeException e, RejectLog rejectLog, PrintWriter err,
                        ProgressLine progress) throws IOException {
        rejected++;
        if (rejectLog != null) {
            rejectLog.reject(location, position, e);
        } else {
            progress.clear();
            err.println("rejected " + location + " #" + position + ": " + e.reason() + ": " + e.getMessage());
        }
    }

    /**
     * @return --schema-dir, then --registry with the credentials and limits of the environment
     * @throws DeepMergeException INVALID_CONFIG for a bad URL or credentials (never showing a secret), IO_ERROR for a
     *                            missing schema directory
     */
    private SchemaResolver schemaResolver(PrintWriter err) throws DeepMergeException {
        RegistrySettings settings = null;
        if (registry != null) {
            if (!RegistrySettings.redactUrl(registry).equals(registry)) {
                err.println("deepmerge score: warning: credentials in --registry are visible in the process list; set "
                        + DeepMergeStreamsConfig.envName(DeepMergeStreamsConfig.INPUT_REGISTRY_BASIC_AUTH) + " instead");
            }
            try {
                settings = DeepMergeStreamsConfig.inputRegistry(registry, env);
            } catch (DeepMergeException e) {
                throw new DeepMergeException(e.reason(), "--registry: " + e.getMessage(), e);
            }
        }
        return SchemaResolver.directoryThenRegistry(schemaDir, settings, "no --schema-dir or --registry was given");
    }

    /** @return a buffered stream to the file, or to stdout (not closed) when file is null */
    private static OutputStream openOut(Path file, String flag) throws DeepMergeException {
        if (file == null) {
            return new BufferedOutputStream(new FilterOutputStream(System.out) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    flush();
                }
            }, 1 << 16);
        }
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            return new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot write " + flag + " " + file + ": " + e.getMessage(), e);
        }
    }
}
