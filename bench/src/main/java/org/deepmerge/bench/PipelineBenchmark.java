package org.deepmerge.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.streams.runtime.KafkaStartup;

/**
 * The {@code pipeline} benchmark: alerts through a real Kafka broker and the scoring application, read back as
 * committed scores ({@code isolation.level=read_committed}, so a score counts only once its exactly-once
 * transaction has committed).
 *
 * <p>Every mode uses fresh topics and a fresh application id. The scoring application forwards scores with the input
 * record's timestamp, which is the broker's append time ({@code message.timestamp.type=LogAppendTime}) in the
 * preloaded and visit modes, and in the offered mode the time the record was <em>due</em> to be sent at the offered
 * rate ({@code CreateTime}, set by the benchmark's producer), so that a sender held up does not hide the delay it
 * caused (no coordinated omission). Two latencies per score, from that timestamp:
 * <ul>
 *   <li>{@code latency} = score timestamp (when the model scored it, from the score record) - input timestamp;</li>
 *   <li>{@code visible} = time a read_committed consumer received it - input timestamp: what a downstream broker
 *       sees, including the transaction commit interval.</li>
 * </ul>
 * Modes: {@link #preloaded} (after a warm-up, N alerts appended while the application is paused; sustained
 * alerts/s from the first to the last committed output), {@link #offered} (a fixed offered rate for a duration,
 * latency percentiles) and
 * {@link #visit} (a burst of N alerts, the time from the first append to the last committed score). Messages are
 * the given list, cycled.
 */
public final class PipelineBenchmark {

    /** A started scoring application. The benchmark closes it. */
    public interface RunningApp extends AutoCloseable {
        /** Holds processing (Kafka Streams' {@code pause()}): threads, group membership and compiled code stay. */
        void pause();

        /** Resumes processing after {@link #pause()}. */
        void resume();

        /** Called when the timed part starts (after the warm-up), so the application can mark its own meters. */
        default void timedPartStarts() {
        }
    }

    /** Starts the scoring application; the benchmark closes what it returns. */
    @FunctionalInterface
    public interface AppFactory {
        /**
         * @param bootstrap     broker address
         * @param applicationId Kafka Streams application id (fresh per mode)
         * @param inputTopic    alerts
         * @param outputTopic   scores
         * @param dlqTopic      dead letters
         * @return the running application
         * @throws DeepMergeException when it cannot start
         */
        RunningApp start(String bootstrap, String applicationId, String inputTopic, String outputTopic,
                            String dlqTopic) throws DeepMergeException;
    }

    /** Reads the score timestamp (ms since the Unix epoch) out of a score record value. */
    @FunctionalInterface
    public interface ScoreClock {
        /**
         * @param value a score record value as the application writes it
         * @return its score timestamp, ms
         * @throws DeepMergeException when it cannot be decoded
         */
        long scoreTimestampMs(byte[] value) throws DeepMergeException;
    }

    /**
     * @param bootstrap  broker address
     * @param messages   alert messages, cycled
     * @param partitions input/output topic partitions
     * @param app        starts the scoring application
     * @param clock      reads score timestamps
     * @param timeout    longest wait for all scores of a mode
     * @param shadow     whether the application scores with a shadow model: each mode then also creates the shadow
     *                   topic {@code <output>.shadow} ({@link #SHADOW_TOPIC_SUFFIX}, the default of
     *                   {@code deepmerge.shadow.topic}), with the output's partitions
     */
    public record Config(String bootstrap, List<byte[]> messages, int partitions, AppFactory app, ScoreClock clock,
                         Duration timeout, boolean shadow) {
        public Config {
            messages = List.copyOf(messages);
        }

        /**
         * A configuration without a shadow model.
         *
         * @param bootstrap  broker address
         * @param messages   alert messages, cycled
         * @param partitions input/output topic partitions
         * @param app        starts the scoring application
         * @param clock      reads score timestamps
         * @param timeout    longest wait for all scores of a mode
         */
        public Config(String bootstrap, List<byte[]> messages, int partitions, AppFactory app, ScoreClock clock,
                      Duration timeout) {
            this(bootstrap, messages, partitions, app, clock, timeout, false);
        }
    }

    /** Suffix of the shadow topic's name after the output topic's, as {@code deepmerge.shadow.topic} defaults it. */
    public static final String SHADOW_TOPIC_SUFFIX = ".shadow";

    /**
     * @param mode             preloaded, offered or visit
     * @param alerts           alerts sent (timed part only)
     * @param scores           committed scores received
     * @param deadLetters      committed dead letters received
     * @param seconds          the mode's time span, s (preloaded: first to last output; offered: first append to
     *                         last output; visit: first append to last committed output)
     * @param alertsPerSecond  (scores + dead letters) / seconds
     * @param offeredRate      offered alerts/s (offered mode), else NaN
     * @param latency          score timestamp - append time, ms
     * @param visible          read_committed receive time - append time, ms
     * @param rssStartBytes    this JVM's resident memory when the timed part started
     * @param rssEndBytes      ... when it ended
     * @param cpuSeconds       CPU time of this JVM (broker when embedded, Kafka Streams, ONNX Runtime) during the
     *                         timed part, s
     * @param cpuByThreadGroup the same CPU time split by thread-name group (see {@link CpuTime#byThreadGroup}), s
     * @param jitSeconds       JIT compilation time during the timed part (the JVM's accounting: duration of the
     *                         compile tasks, summed over compiler threads), s; -1 when the JVM does not report it
     * @param gcPauseSeconds   GC pause time during the timed part, wall-clock s
     * @param host             what the whole machine did during the timed part (CPU states of all cores, page
     *                         cache written back); {@code null} where /proc is not readable
     * @param warmupAlerts     outputs (scores + dead letters) received before the timed part, from the warm-up
     */
    public record Result(String mode, int alerts, int scores, int deadLetters, double seconds, double alertsPerSecond,
                         double offeredRate, Percentiles latency, Percentiles visible, long rssStartBytes,
                         long rssEndBytes, double cpuSeconds, Map<String, Double> cpuByThreadGroup, double jitSeconds,
                         double gcPauseSeconds, HostStats host, int warmupAlerts) {
        /** @return outputs per CPU-second of the JVM: what the pipeline would do with one full core per CPU-second */
        public double alertsPerCpuSecond() {
            return cpuSeconds > 0 ? (scores + deadLetters) / cpuSeconds : Double.NaN;
        }
    }

    private PipelineBenchmark() {
    }

    /**
     * N alerts appended while the application is paused; sustained rate from the first to the last committed output
     * after it resumes. The same application first scores {@code warmup} alerts (JIT, ONNX Runtime session, batch
     * store code), then is paused ({@link RunningApp#pause()}) while the N alerts are appended, so the timed part runs
     * on the threads, group membership and compiled code of a scorer in its steady state, as a long-running one
     * does. (Until 2 Dec 2026 the timed part was a second application started after the warm-up one had closed: its
     * new threads and clients hit branches the warm-up never took in code already compiled, and the JIT
     * deoptimised and recompiled it during the timed part.) While paused, the stream threads may already fetch (not
     * process) up to Kafka Streams' {@code buffered.records.per.partition} alerts per partition.
     *
     * @param c      config
     * @param n      alerts, &gt;= 1
     * @param warmup alerts scored by the application before the timed part, &gt;= 0, or {@link #AUTO_WARMUP}
     * @return figures
     * @throws DeepMergeException INVALID_CONFIG, IO_ERROR (broker), INFERENCE_FAILED on timeout
     */
    public static Result preloaded(Config c, int n, int warmup) throws DeepMergeException {
        Run run = new Run(c, "preloaded");
        try (run) {
            run.startApp();
            int warmed = run.warmUp(warmup);
            run.app.pause();
            run.produce(n, 0);
            run.markStart();
            run.app.resume();
            run.collector.await(n, c.timeout());
            return run.result(n, Double.NaN, false, warmed);
        }
    }

    /**
     * A fixed offered load after a warm-up, with latency percentiles.
     *
     * @param c       config
     * @param rate    offered alerts/s, &gt; 0
     * @param seconds duration of the offered load, &gt; 0
     * @param warmup  alerts sent and scored before the timed part (session, JIT, batch store), &gt;= 0, or {@link #AUTO_WARMUP}
     * @return figures
     * @throws DeepMergeException INVALID_CONFIG, IO_ERROR (broker), INFERENCE_FAILED on timeout
     */
    public static Result offered(Config c, double rate, double seconds, int warmup) throws DeepMergeException {
        if (!(rate > 0) || !(seconds > 0)) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "offered load needs rate > 0 and seconds > 0, got "
                    + rate + ", " + seconds);
        }
        Run run = new Run(c, "offered");
        try (run) {
            run.startApp();
            int warmed = run.warmUp(warmup);
            int n = (int) Math.round(rate * seconds);
            run.markStart();
            run.produce(n, rate);
            run.collector.await(n, c.timeout());
            return run.result(n, rate, true, warmed);
        }
    }

    /**
     * One survey visit: a burst of N alerts (Rubin: ~10,000 on average, 40,000 at peak) sent as fast as the
     * producer can after a warm-up; the time from the first append to the last committed output.
     *
     * @param c      config
     * @param n      alerts in the visit, &gt;= 1
     * @param warmup alerts scored before the visit, &gt;= 0, or {@link #AUTO_WARMUP}
     * @return figures ({@code seconds} is the visit time)
     * @throws DeepMergeException INVALID_CONFIG, IO_ERROR (broker), INFERENCE_FAILED on timeout
     */
    public static Result visit(Config c, int n, int warmup) throws DeepMergeException {
        Run run = new Run(c, "visit");
        try (run) {
            run.startApp();
            int warmed = run.warmUp(warmup);
            run.markStart();
            run.produce(n, 0);
            run.collector.await(n, c.timeout());
            return run.result(n, Double.NaN, true, warmed);
        }
    }

    /**
     * The record timestamp latency is measured from. Paced: the time the record was due to be sent, not the time it
     * was, so a producer held up (by a GC pause, a slow send, the scorer taking the CPU) does not hide the delay
     * from the latency of the records it held back (coordinated omission, G. Tene, "How NOT to measure latency").
     *
     * @return {@code wall0 + i / rate} in ms since the epoch, or null (the producer's send time) when not paced
     */
    static Long intended(long wall0, int i, double rate) {
        return rate > 0 ? wall0 + (long) (i * 1000.0 / rate) : null;
    }

    /** {@code --warmup} value asking for a warm-up that lasts until the JIT is done (see {@code Run.warmUp}). */
    public static final int AUTO_WARMUP = -1;
    /** Alerts per round of the automatic warm-up. */
    static final int AUTO_WARMUP_ROUND = 5_000;
    /** Most alerts the automatic warm-up sends. */
    static final int AUTO_WARMUP_MAX = 100_000;
    /** The automatic warm-up ends after a round in which the JIT compiler threads used less than this share of the CPU. */
    static final double AUTO_WARMUP_JIT_SHARE = 0.05;

    /** One mode's topics, producer, collector and application. */
    private static final class Run implements AutoCloseable {
        private final Config c;
        private final String mode;
        private final String input;
        private final String output;
        private final String dlq;
        private final KafkaProducer<byte[], byte[]> producer;
        private final AtomicLong sendFailures = new AtomicLong();
        private final AtomicReference<Exception> firstSendFailure = new AtomicReference<>();
        private final Collector collector;
        private RunningApp app;
        private int next;
        private boolean primed;
        private CpuTime.Snapshot threads0 = CpuTime.snapshot();
        private long gc0;
        private long jit0;
        private long rss0;
        private long cpu0;
        private HostStats host0;

        Run(Config c, String mode) throws DeepMergeException {
            if (c.messages().isEmpty() || c.partitions() < 1) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, "pipeline benchmark needs messages and partitions >= 1");
            }
            this.c = c;
            this.mode = mode;
            String id = mode + "-" + UUID.randomUUID().toString().substring(0, 8);
            this.input = "bench-alerts-" + id;
            this.output = "bench-scores-" + id;
            this.dlq = "bench-dlq-" + id;
            createTopics();
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrap());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
            p.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
            p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 * 1024 * 1024);
            this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
            this.collector = new Collector(c, output, dlq);
            collector.start();
        }

        private void createTopics() throws DeepMergeException {
            List<NewTopic> topics = new ArrayList<>(List.of(
                    new NewTopic(input, c.partitions(), (short) 1).configs(Map.of(
                            // offered load: the producer stamps each record with its intended send time
                            TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, mode.equals("offered") ? "CreateTime"
                                    : "LogAppendTime",
                            TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(8 * 1024 * 1024))),
                    new NewTopic(output, c.partitions(), (short) 1),
                    new NewTopic(dlq, 1, (short) 1).configs(Map.of(
                            TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(8 * 1024 * 1024)))));
            if (c.shadow()) {
                topics.add(new NewTopic(output + SHADOW_TOPIC_SUFFIX, c.partitions(), (short) 1));
            }
            KafkaStartup.createTopicsIfMissing(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrap()), topics,
                    Duration.ofSeconds(60));
        }

        void startApp() throws DeepMergeException {
            app = c.app().start(c.bootstrap(), "deepmerge-bench-" + input, input, output, dlq);
        }

        /**
         * Sends n alerts, waits for their outputs and forgets them; n = {@link #AUTO_WARMUP}: rounds of
         * {@link #AUTO_WARMUP_ROUND} alerts until the JIT compiler threads used less than {@link #AUTO_WARMUP_JIT_SHARE}
         * of the process CPU in a round, at most {@link #AUTO_WARMUP_MAX} alerts.
         *
         * @return the outputs (scores + dead letters) received
         */
        int warmUp(int n) throws DeepMergeException {
            if (n == AUTO_WARMUP) {
                int outputs = 0;
                while (outputs < AUTO_WARMUP_MAX) {
                    CpuTime.Snapshot threads = CpuTime.snapshot();
                    long cpu = CpuTime.processNanos();
                    outputs += warmUp(AUTO_WARMUP_ROUND);
                    double roundCpu = (CpuTime.processNanos() - cpu) / 1e9;
                    double jit = CpuTime.byThreadGroup(threads).getOrDefault("(JIT compiler threads)", 0.0);
                    if (roundCpu > 0 && jit / roundCpu < AUTO_WARMUP_JIT_SHARE) {
                        break;
                    }
                }
                return outputs;
            }
            int outputs = 0;
            if (n > 0) {
                produce(n, 0);
                collector.await(n, c.timeout());
                Collector.Snapshot s = collector.snapshot();
                outputs = s.scores() + s.deadLetters();
            }
            collector.reset();
            return outputs;
        }

        /**
         * Sends n messages; rate 0 = as fast as possible, else paced at rate/s from now. {@code linger.ms=0}: each
         * record leaves as soon as the producer's sender is free, so paced records are not held back, and a burst
         * still forms batches while earlier requests are in flight.
         */
        void produce(int n, double rate) throws DeepMergeException {
            long t0 = System.nanoTime();
            long wall0 = System.currentTimeMillis();
            try {
                int i = 0;
                // One acknowledged record per partition of a new topic before the pipelined burst: a just-created
                // partition can answer the first produce request NOT_LEADER_OR_FOLLOWER, and when later batches of
                // the idempotent producer were already appended, its retry of that first batch loops on
                // OUT_OF_ORDER_SEQUENCE_NUMBER until the delivery timeout (Kafka 4.3.1, embedded broker, after a
                // 100,000-alert warm-up, 2 Dec 2026). A lone record retries cleanly.
                for (; !primed && i < Math.min(n, c.partitions()); i++) {
                    producer.send(new ProducerRecord<>(input, i, intended(wall0, i, rate), null, nextMessage()))
                            .get(60, TimeUnit.SECONDS);
                }
                primed = true;
                for (; i < n; i++) {
                    if (rate > 0) {
                        long due = t0 + (long) (i * 1e9 / rate);
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        }
                    }
                    producer.send(new ProducerRecord<>(input, null, intended(wall0, i, rate), null, nextMessage()), (meta, e) -> {
                        if (e != null && sendFailures.getAndIncrement() == 0) {
                            firstSendFailure.set(e);
                        }
                    });
                }
                producer.flush();
                long failed = sendFailures.get();
                if (failed > 0) {
                    Exception e = firstSendFailure.get();
                    throw new DeepMergeException(Reason.IO_ERROR, failed + " of the alerts sent to " + input
                            + " were not appended (the benchmark would wait for their scores in vain); first error: "
                            + e, e);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DeepMergeException(Reason.IO_ERROR, "interrupted producing alerts", e);
            } catch (ExecutionException | TimeoutException e) {
                throw new DeepMergeException(Reason.IO_ERROR, "cannot append the first alert to each partition of "
                        + input + ": " + e, e);
            } catch (RuntimeException e) {
                throw new DeepMergeException(Reason.IO_ERROR, "cannot produce alerts to " + input + ": " + e.getMessage(), e);
            }
        }

        /** @return the next message of the cycled inputs */
        private byte[] nextMessage() {
            return c.messages().get(next++ % c.messages().size());
        }

        /** Takes the counters the result is measured from: the start of the timed part. */
        void markStart() {
            app.timedPartStarts();
            rss0 = RssProbe.rssBytes();
            cpu0 = CpuTime.processNanos();
            threads0 = CpuTime.snapshot();
            gc0 = CpuTime.gcMillis();
            jit0 = CpuTime.jitMillis();
            host0 = HostStats.now();
        }

        Result result(int n, double rate, boolean fromFirstAppend, int warmed) {
            long rss1 = RssProbe.rssBytes();
            HostStats host1 = HostStats.now();
            HostStats host = host0 == null || host1 == null ? null : host1.since(host0);
            double cpu = (CpuTime.processNanos() - cpu0) / 1e9;
            Map<String, Double> groups = CpuTime.byThreadGroup(threads0);
            long jit1 = CpuTime.jitMillis();
            double jit = jit0 < 0 || jit1 < 0 ? -1 : (jit1 - jit0) / 1000.0;
            double gc = (CpuTime.gcMillis() - gc0) / 1000.0;
            Collector.Snapshot s = collector.snapshot();
            long start = fromFirstAppend ? s.firstAppendMs : s.firstReceiveMs;
            double seconds = Math.max(1, s.lastReceiveMs - start) / 1000.0;
            return new Result(mode, n, s.scores, s.deadLetters, seconds, (s.scores + s.deadLetters) / seconds, rate,
                    Percentiles.of(s.latencyMs), Percentiles.of(s.visibleMs), rss0, rss1, cpu, groups, jit, gc, host,
                    warmed);
        }

        @Override
        public void close() throws DeepMergeException {
            collector.stop();
            producer.close(Duration.ofSeconds(10));
            if (app != null) {
                try {
                    app.close();
                } catch (Exception e) {
                    throw new DeepMergeException(Reason.IO_ERROR, "cannot stop the scoring application: " + e.getMessage(), e);
                }
            }
        }
    }

    /** A read_committed consumer of the score and dead-letter topics recording per-record times. */
    private static final class Collector implements Runnable {
        private final Config c;
        private final String output;
        private final String dlq;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;
        private final Object lock = new Object();
        private volatile Throwable failure;
        private final List<Double> latency = new ArrayList<>();
        private final List<Double> visible = new ArrayList<>();
        private int scores;
        private int deadLetters;
        private long firstAppend = Long.MAX_VALUE;
        private long firstReceive = Long.MAX_VALUE;
        private long lastReceive = Long.MIN_VALUE;

        record Snapshot(int scores, int deadLetters, double[] latencyMs, double[] visibleMs, long firstAppendMs,
                        long firstReceiveMs, long lastReceiveMs) {
        }

        Collector(Config c, String output, String dlq) {
            this.c = c;
            this.output = output;
            this.dlq = dlq;
            this.thread = new Thread(this, "bench-collector-" + output);
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        @Override
        public void run() {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrap());
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                List<TopicPartition> parts = new ArrayList<>();
                for (int i = 0; i < c.partitions(); i++) {
                    parts.add(new TopicPartition(output, i));
                }
                parts.add(new TopicPartition(dlq, 0));
                consumer.assign(parts);
                consumer.seekToBeginning(parts);
                while (running.get()) {
                    ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(20));
                    long now = System.currentTimeMillis();
                    synchronized (lock) {
                        for (ConsumerRecord<byte[], byte[]> r : records) {
                            firstAppend = Math.min(firstAppend, r.timestamp());
                            firstReceive = Math.min(firstReceive, now);
                            lastReceive = Math.max(lastReceive, now);
                            visible.add((double) (now - r.timestamp()));
                            if (r.topic().equals(dlq)) {
                                deadLetters++;
                            } else {
                                scores++;
                                latency.add((double) (c.clock().scoreTimestampMs(r.value()) - r.timestamp()));
                            }
                        }
                        lock.notifyAll();
                    }
                }
            } catch (Throwable e) {
                failure = e;
                synchronized (lock) {
                    lock.notifyAll();
                }
            }
        }

        void await(int n, Duration timeout) throws DeepMergeException {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (lock) {
                while (scores + deadLetters < n) {
                    if (failure != null) {
                        throw new DeepMergeException(Reason.IO_ERROR, "score consumer failed: " + failure, failure);
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new DeepMergeException(Reason.INFERENCE_FAILED, "timed out after " + timeout.toSeconds()
                                + " s waiting for " + n + " outputs on " + output + "/" + dlq + "; got " + scores
                                + " scores and " + deadLetters + " dead letters");
                    }
                    try {
                        lock.wait(Math.max(1, left / 1_000_000));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new DeepMergeException(Reason.IO_ERROR, "interrupted waiting for scores", e);
                    }
                }
            }
        }

        void reset() {
            synchronized (lock) {
                latency.clear();
                visible.clear();
                scores = 0;
                deadLetters = 0;
                firstAppend = Long.MAX_VALUE;
                firstReceive = Long.MAX_VALUE;
                lastReceive = Long.MIN_VALUE;
            }
        }

        Snapshot snapshot() {
            synchronized (lock) {
                return new Snapshot(scores, deadLetters, latency.stream().mapToDouble(Double::doubleValue).toArray(),
                        visible.stream().mapToDouble(Double::doubleValue).toArray(), firstAppend, firstReceive, lastReceive);
            }
        }

        void stop() {
            running.set(false);
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
