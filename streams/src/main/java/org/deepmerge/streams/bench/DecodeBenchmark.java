package org.deepmerge.streams.bench;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.alert.AlertReader;
import org.deepmerge.core.alert.CutoutStamp;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.fits.StampDecoder;
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
 * A stamp is one decoded FITS image (a single-band alert replicated into 3 channels is 1 stamp). A last
 * single-threaded pass times the three steps separately (ns per alert), to show where the time goes.
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
     */
    public record Config(List<byte[]> messages, AlertReader reader, ChannelMapping mapping, StampDecoder decoder,
                         Preprocessor preprocessor, int threads, int warmup, int iterations) {
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
     * @param nsReadAlert       single thread: mean CPU ns per alert in {@link AlertReader#read}
     * @param nsDecodeStamps    single thread: mean CPU ns per alert decoding its stamps
     * @param nsPreprocess      single thread: mean CPU ns per alert resampling/normalising into {@code [C,H,W]}
     * @param cpuSeconds        CPU time of the worker threads in the timed passes, s
     */
    public record Result(int messages, int prepared, Map<String, Integer> rejectedByReason, int threads, long alerts,
                         long stamps, double seconds, double stampsPerSecond, double alertsPerSecond,
                         double nsReadAlert, double nsDecodeStamps, double nsPreprocess, double cpuSeconds) {
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
    }

    private DecodeBenchmark() {
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
        CutoutPipeline pipeline = new CutoutPipeline(c.reader(), c.decoder(), c.mapping(), c.preprocessor());
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

        long[] phases = phases(c, ok, imageSize);
        return new Result(c.messages().size(), ok.size(), rejected, c.threads(), alerts, stamps, seconds,
                stamps / seconds, alerts / seconds, phases[0] / (double) ok.size(), phases[1] / (double) ok.size(),
                phases[2] / (double) ok.size(), cpuNanos.get() / 1e9);
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

    /** @return total thread CPU ns in read, stamp decode and preprocess over one single-threaded pass */
    private static long[] phases(Config c, List<byte[]> messages, int imageSize) throws DeepMergeException {
        long read = 0;
        long decode = 0;
        long prep = 0;
        float[] dest = new float[imageSize];
        for (byte[] m : messages) {
            long t0 = CpuTime.threadNanos();
            Alert a = c.reader().read(m);
            long t1 = CpuTime.threadNanos();
            List<CutoutStamp> selected = c.mapping().select(a, c.preprocessor().contract()).stamps();
            Map<CutoutStamp, Stamp> decoded = new IdentityHashMap<>();
            List<Stamp> stamps = new ArrayList<>(selected.size());
            for (CutoutStamp s : selected) {
                Stamp d = decoded.get(s);
                if (d == null) {
                    d = c.decoder().decode(s);
                    decoded.put(s, d);
                }
                stamps.add(d);
            }
            long t2 = CpuTime.threadNanos();
            c.preprocessor().toTensor(stamps, dest, 0);
            long t3 = CpuTime.threadNanos();
            read += t1 - t0;
            decode += t2 - t1;
            prep += t3 - t2;
        }
        return new long[] {read, decode, prep};
    }

    private static int distinct(List<CutoutStamp> stamps) {
        Map<CutoutStamp, Boolean> seen = new IdentityHashMap<>();
        for (CutoutStamp s : stamps) {
            seen.put(s, Boolean.TRUE);
        }
        return seen.size();
    }
}
