package org.deepmerge.bench;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import nom.tam.fits.FitsException;
import nom.tam.fits.Header;
import nom.tam.fits.ImageData;
import nom.tam.fits.PaddingException;
import nom.tam.util.FitsInputStream;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.alert.AlertReader;
import org.deepmerge.core.alert.CutoutStamp;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.fits.StampDecoder;
import org.deepmerge.core.model.ModelContract;
import org.deepmerge.core.model.Normalisation;
import org.deepmerge.core.model.OutputKind;
import org.deepmerge.core.model.ResampleMode;
import org.deepmerge.core.pipeline.CutoutPipeline;
import org.deepmerge.core.preprocess.ChannelMapping;
import org.deepmerge.core.preprocess.Preprocessor;

/**
 * The {@code decode} benchmark: alert message bytes to model input {@code [C,H,W]} float32, on the CPU, without
 * Kafka or ONNX Runtime. Each alert goes through the serving path, {@link CutoutPipeline#prepare(byte[])} (what
 * {@code deepmerge score} and the streaming preparer call): {@link AlertReader#read} (format detected from the
 * bytes), {@link ChannelMapping#select}, {@link StampDecoder#decode} of each distinct selected stamp (gzip
 * inflation + FITS parsing) and {@link Preprocessor#toTensor} (angular resampling + normalisation) into a new
 * {@code [C,H,W]} array.
 *
 * <p>Method: a single-threaded pass first checks every message and drops the ones that cannot be prepared (counted
 * by reason; a real stream sends those to the dead-letter topic); then every thread runs {@code warmup} passes over
 * all prepared messages (JIT compilation), waits for the others, and runs {@code iterations} timed passes. The
 * rate is the total work of all threads over the wall-clock time from the common start to the last thread's end.
 * A stamp is one decoded FITS image (a single-band alert replicated into 3 channels is 1 stamp).
 *
 * <p>Where the time goes: after the timed passes one thread times each step on its own, as a loop over all prepared
 * messages repeated {@link #PHASE_PASSES} times (after one untimed pass), in thread CPU time: the alert (Avro
 * decode and channel selection), gzip inflation (the JDK's {@link java.util.zip.Inflater}, i.e. the system zlib),
 * FITS parsing (nom-tam-fits, pixel conversion, NaN fill) and preprocessing. Their sum is a little below the
 * end-to-end cost per alert: each loop keeps its own code and data hot in the caches.
 *
 * <p>The ceiling: the same thread then times nom-tam-fits alone reading each inflated stamp's first HDU
 * ({@code Header.readHeader} and {@code ImageData.read} of the primary HDU, as {@link StampDecoder} calls them,
 * without our checks, conversion or NaN fill). The libraries' share of an alert,
 * {@link Result#nsLibraries()} = alert read (Avro's decoder with our field mapping) + inflate (zlib) + nom-tam-fits
 * alone, bounds the rate: no work of ours can make decoding faster than {@link Result#libraryCeilingPerCpuSecond()}
 * stamps per CPU-second.
 */
public final class DecodeBenchmark {

    /**
     * @param messages     alert messages (Kafka message values / alert files)
     * @param reader       alert decoder
     * @param mapping      which stamp feeds which channel
     * @param decoder      FITS stamp decoder
     * @param preprocessor resampling and normalisation for the model contract
     * @param threads      worker threads, &gt;= 1
     * @param warmup       untimed passes per thread, &gt;= 0
     * @param iterations   timed passes per thread, &gt;= 1
     * @param morphology   whether each prepared alert also gets its morphology ({@link CutoutPipeline#withMorphology})
     */
    public record Config(List<byte[]> messages, AlertReader reader, ChannelMapping mapping, StampDecoder decoder,
                         Preprocessor preprocessor, int threads, int warmup, int iterations, boolean morphology) {
        public Config {
            messages = List.copyOf(messages);
        }
    }

    /**
     * @param messages          messages offered
     * @param prepared          messages that decode to a model input (the timed set)
     * @param rejectedByReason  the others, counted by {@link Reason}
     * @param threads           worker threads
     * @param alerts            alerts prepared in the timed passes, all threads
     * @param stamps            stamps decoded in the timed passes, all threads
     * @param seconds           wall-clock time of the timed passes, s
     * @param stampsPerSecond   stamps / seconds, all threads together
     * @param alertsPerSecond   alerts / seconds, all threads together
     * @param nsReadAlert       single thread: mean CPU ns per alert in {@link AlertReader#read} and
     *                          {@link ChannelMapping#select}
     * @param nsInflate         single thread: mean CPU ns per alert in {@link StampDecoder#gunzip} of its stamps
     * @param nsFits            single thread: mean CPU ns per alert in {@link StampDecoder#decodeFits} of its stamps
     * @param nsPreprocess      single thread: mean CPU ns per alert resampling/normalising into {@code [C,H,W]}
     * @param nsNomTamFits      single thread: mean CPU ns per alert in nom-tam-fits alone (primary header and image
     *                          data of each inflated stamp)
     * @param cpuSeconds        CPU time of the worker threads in the timed passes, s
     */
    public record Result(int messages, int prepared, Map<String, Integer> rejectedByReason, int threads, long alerts,
                         long stamps, double seconds, double stampsPerSecond, double alertsPerSecond,
                         double nsReadAlert, double nsInflate, double nsFits, double nsPreprocess,
                         double nsNomTamFits, double cpuSeconds) {
        public Result {
            rejectedByReason = Map.copyOf(rejectedByReason);
        }

        /** @return stamps per second per thread */
        public double stampsPerSecondPerThread() {
            return stampsPerSecond / threads;
        }

        /** @return stamps per CPU-second of the worker threads: the rate of one fully available core */
        public double stampsPerCpuSecond() {
            return stamps / cpuSeconds;
        }

        /** @return CPU ns per alert spent in the libraries: alert read + inflate + nom-tam-fits alone */
        public double nsLibraries() {
            return nsReadAlert + nsInflate + nsNomTamFits;
        }

        /** @return stamps per CPU-second if all our own work cost nothing: the libraries' ceiling */
        public double libraryCeilingPerCpuSecond() {
            return 1e9 / nsLibraries() * ((double) stamps / alerts);
        }
    }

    /** Timed single-threaded passes per step in the split of where the time goes. */
    public static final int PHASE_PASSES = 20;
    private static final int FITS_BLOCK = 2880;

    private DecodeBenchmark() {
    }

    /**
     * @return the DeepMerge input geometry (Ciprijanovic et al. 2020): 3 channels (g, r, i) of 75x75 px at
     *         0.1875 arcsec/px, angular resampling, no normalisation; the contract {@code bench decode} prepares for
     *         when no model is given
     */
    public static ModelContract deepMergeContract() {
        return new ModelContract("images", -1, List.of("g", "r", "i"), 75, 75, 0.1875, ResampleMode.ANGULAR,
                Normalisation.none(), "p", OutputKind.SIGMOID, List.of("non-merger", "merger"), 1, "bench", "0",
                Map.of());
    }

    /**
     * @param c the configuration
     * @return the figures
     * @throws DeepMergeException INVALID_CONFIG for bad counts or when no message can be prepared (the reasons are
     *                            in the message)
     */
    public static Result run(Config c) throws DeepMergeException {
        if (c.threads() < 1 || c.warmup() < 0 || c.iterations() < 1) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "decode benchmark needs threads >= 1, warmup >= 0, "
                    + "iterations >= 1; got " + c.threads() + ", " + c.warmup() + ", " + c.iterations());
        }
        int imageSize = c.preprocessor().contract().imageSize();
        CutoutPipeline pipeline = new CutoutPipeline(c.reader(), c.decoder(), c.mapping(), c.preprocessor(),
                org.deepmerge.core.gate.GateConfig.defaults()).withMorphology(c.morphology());
        List<byte[]> ok = new ArrayList<>();
        List<Integer> stampCounts = new ArrayList<>();
        Map<String, Integer> rejected = new TreeMap<>();
        float[] scratch = new float[imageSize];
        for (byte[] m : c.messages()) {
            try {
                Alert a = c.reader().read(m);
                ChannelMapping.Selection sel = c.preprocessor().toTensor(a, c.mapping(), c.decoder()::decode, scratch, 0);
                pipeline.prepare(m);
                ok.add(m);
                stampCounts.add(distinct(sel.stamps()));
            } catch (DeepMergeException e) {
                rejected.merge(e.reason().name(), 1, Integer::sum);
            }
        }
        if (ok.isEmpty()) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "none of the " + c.messages().size()
                    + " messages can be prepared for the model: " + rejected);
        }
        long stampsPerPass = stampCounts.stream().mapToLong(Integer::longValue).sum();

        CountDownLatch warm = new CountDownLatch(c.threads());
        CountDownLatch start = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicLong cpuNanos = new java.util.concurrent.atomic.AtomicLong();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < c.threads(); t++) {
            Thread w = new Thread(() -> {
                try {
                    Worker worker = new Worker(pipeline, ok);
                    for (int i = 0; i < c.warmup(); i++) {
                        worker.pass();
                    }
                    warm.countDown();
                    start.await();
                    long cpu0 = CpuTime.threadNanos();
                    for (int i = 0; i < c.iterations(); i++) {
                        worker.pass();
                    }
                    cpuNanos.addAndGet(CpuTime.threadNanos() - cpu0);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    warm.countDown();
                }
            }, "bench-decode-" + t);
            workers.add(w);
            w.start();
        }
        long t0;
        try {
            warm.await();
            t0 = System.nanoTime();
            start.countDown();
            for (Thread w : workers) {
                w.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeepMergeException(Reason.INVALID_CONFIG, "decode benchmark interrupted", e);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (failure.get() != null) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "decode benchmark worker failed: " + failure.get(),
                    failure.get());
        }
        long passes = (long) c.threads() * c.iterations();
        long alerts = passes * ok.size();
        long stamps = passes * stampsPerPass;

        double[] phases = phases(c, ok, imageSize);
        return new Result(c.messages().size(), ok.size(), rejected, c.threads(), alerts, stamps, seconds,
                stamps / seconds, alerts / seconds, phases[0], phases[1], phases[2], phases[3], phases[4],
                cpuNanos.get() / 1e9);
    }

    /** One thread's passes over the messages. */
    private static final class Worker {
        private final CutoutPipeline pipeline;
        private final List<byte[]> messages;

        Worker(CutoutPipeline pipeline, List<byte[]> messages) {
            this.pipeline = pipeline;
            this.messages = messages;
        }

        void pass() throws DeepMergeException {
            for (byte[] m : messages) {
                pipeline.prepare(m);
            }
        }
    }

    /**
     * @return mean thread CPU ns per alert in: reading the alert, inflating, parsing FITS, preprocessing, and
     *         nom-tam-fits alone
     */
    private static double[] phases(Config c, List<byte[]> messages, int imageSize) throws DeepMergeException {
        double runs = (double) PHASE_PASSES * messages.size();
        List<List<CutoutStamp>> selections = new ArrayList<>();
        long read = 0;
        for (int pass = 0; pass <= PHASE_PASSES; pass++) {
            selections.clear();
            long t0 = CpuTime.threadNanos();
            for (byte[] m : messages) {
                selections.add(c.mapping().select(c.reader().read(m), c.preprocessor().contract()).stamps());
            }
            read += pass == 0 ? 0 : CpuTime.threadNanos() - t0;
        }
        Set<CutoutStamp> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<CutoutStamp> distinct = new ArrayList<>();
        for (List<CutoutStamp> selected : selections) {
            for (CutoutStamp s : selected) {
                if (seen.add(s)) {
                    distinct.add(s);
                }
            }
        }
        List<byte[]> fits = new ArrayList<>();
        long inflate = 0;
        for (int pass = 0; pass <= PHASE_PASSES; pass++) {
            fits.clear();
            long t0 = CpuTime.threadNanos();
            for (CutoutStamp s : distinct) {
                fits.add(c.decoder().gunzip(s.data(), s.kind()));
            }
            inflate += pass == 0 ? 0 : CpuTime.threadNanos() - t0;
        }
        Map<CutoutStamp, Stamp> decoded = new IdentityHashMap<>();
        long parse = 0;
        for (int pass = 0; pass <= PHASE_PASSES; pass++) {
            long t0 = CpuTime.threadNanos();
            for (int i = 0; i < distinct.size(); i++) {
                decoded.put(distinct.get(i), c.decoder().decodeFits(fits.get(i), distinct.get(i).pixelScaleArcsec(),
                        distinct.get(i).kind()));
            }
            parse += pass == 0 ? 0 : CpuTime.threadNanos() - t0;
        }
        List<List<Stamp>> inputs = new ArrayList<>();
        for (List<CutoutStamp> selected : selections) {
            inputs.add(selected.stream().map(decoded::get).toList());
        }
        long prep = 0;
        for (int pass = 0; pass <= PHASE_PASSES; pass++) {
            long t0 = CpuTime.threadNanos();
            for (List<Stamp> stamps : inputs) {
                c.preprocessor().toTensor(stamps, new float[imageSize], 0);
            }
            prep += pass == 0 ? 0 : CpuTime.threadNanos() - t0;
        }
        long library = 0;
        for (int pass = 0; pass <= PHASE_PASSES; pass++) {
            long t0 = CpuTime.threadNanos();
            for (byte[] f : fits) {
                readFirstHdu(f);
            }
            library += pass == 0 ? 0 : CpuTime.threadNanos() - t0;
        }
        return new double[] {read / runs, inflate / runs, parse / runs, prep / runs, library / runs};
    }

    /**
     * nom-tam-fits on its own, called as {@link StampDecoder} calls it: the primary header
     * ({@code Header.readHeader}) and its image data ({@code ImageData.read}) through one stream with a one-block
     * buffer.
     */
    private static void readFirstHdu(byte[] fits) throws DeepMergeException {
        try {
            FitsInputStream in = new FitsInputStream(new ByteArrayInputStream(fits), FITS_BLOCK);
            ImageData data = new ImageData(Header.readHeader(in));
            try {
                data.read(in);
            } catch (PaddingException e) {
                // data complete, padding cut short
            }
            if (data.getKernel() == null) {
                throw new DeepMergeException(Reason.CORRUPT_FITS, "nom-tam-fits read no primary image data");
            }
        } catch (FitsException | IOException e) {
            throw new DeepMergeException(Reason.CORRUPT_FITS, "nom-tam-fits cannot read the primary HDU: " + e, e);
        }
    }

    private static int distinct(List<CutoutStamp> stamps) {
        Map<CutoutStamp, Boolean> seen = new IdentityHashMap<>();
        for (CutoutStamp s : stamps) {
            seen.put(s, Boolean.TRUE);
        }
        return seen.size();
    }
}
