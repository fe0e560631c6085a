package org.deepmerge.app.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.deepmerge.app.testing.ChildJvm;
import org.deepmerge.avro.v1.Cutout;
import org.deepmerge.core.alert.Alert;
import org.deepmerge.core.alert.CutoutRecords;
import org.deepmerge.core.model.ContractOverrides;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.runtime.ScoringRuntime;
import org.deepmerge.streams.testing.Alerts;
import org.deepmerge.streams.testing.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scale-out and failover (issue 16, item 3): Kafka Streams is the distributed engine, and this proves it with
 * {@code deepmerge serve} instances in child JVMs sharing one application id on one input topic of 6 partitions.
 *
 * <ol>
 *   <li>Three instances start, static members by their {@code HOSTNAME} (scale-a, scale-b, scale-c); the test waits for
 *       each one's {@code /readyz}.</li>
 *   <li>{@value #INPUTS} Cutout records built from the 87 real ZTF alerts, each with its own source id, are produced
 *       at {@value #RATE} per second.</li>
 *   <li>When a fifth has a committed result, scale-a is SIGKILLed and scale-d added.</li>
 *   <li>Once scale-a's session has expired and the group is stable with b, c and d (all ready, no rebalance
 *       for {@link #SETTLE}: a join under the cooperative protocol takes two rebalances), scale-b gets a rolling
 *       restart: SIGTERM, then the same {@code HOSTNAME} (static member id) and state directory again. It is back
 *       within its session timeout, so scale-c and scale-d must not rebalance (static membership).</li>
 *   <li>Once the input is produced, the application's consumer group has lag 0 on every input partition and the live
 *       instances' batch buffers are empty ({@code deepmerge_buffer_images} on their /metrics), the remaining
 *       instances are stopped with SIGTERM and the score and dead-letter topics are read with read_committed from the
 *       start to the end: every input id has exactly one committed score or dead letter, none twice, none
 *       missing.</li>
 * </ol>
 * Timing is printed; on the 2-core development machine see docs/operations.md ("Scale-out test").
 */
class ScaleOutIT {
    /** Inputs produced; 87 real ZTF alerts cycled with unique source ids. */
    static final int INPUTS = Integer.getInteger("deepmerge.scaleout.inputs", 6000);
    /** Production rate, inputs per second (the run lasts at least INPUTS / RATE seconds). */
    static final int RATE = Integer.getInteger("deepmerge.scaleout.rate", 120);
    static final String APP = "deepmerge-scaleout";
    /** Session timeout of the instances: Kafka's default, the window a restarted static member has to come back. */
    static final int SESSION_TIMEOUT_MS = 45_000;
    /** Session timeout of the instance that is SIGKILLed and never comes back: how long its partitions wait. */
    static final int KILLED_SESSION_TIMEOUT_MS = 10_000;
    /** How long b, c and d must go without a rebalance before scale-b's rolling restart starts. */
    static final Duration SETTLE = Duration.ofSeconds(5);
    static final int PARTITIONS = 6;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path tmp;

    /** A serve instance in its own JVM. */
    private final class Instance {
        final String name;
        final Path log;
        final Process process;
        private int port = -1;

        Instance(String name, String bootstrap, Path model) throws Exception {
            this(name, name, bootstrap, model, SESSION_TIMEOUT_MS);
        }

        /**
         * @param host             its HOSTNAME (group.instance.id) and state directory: a restarted pod keeps both
         * @param sessionTimeoutMs its consumer's session timeout (each member of a classic group has its own)
         */
        Instance(String name, String host, String bootstrap, Path model, int sessionTimeoutMs) throws Exception {
            this.name = name;
            this.log = tmp.resolve(name + ".log");
            this.process = ChildJvm.start(tmp, log, "640m", List.of(), Map.of("HOSTNAME", host), List.of("serve",
                    "--bootstrap", bootstrap, "--input-topic", "alerts", "--output-topic", "scores",
                    "--dlq-topic", "dead", "--model", model.toString(),
                    "--set", "application.id=" + APP,
                    "--set", "state.dir=" + tmp.resolve("state-" + host),
                    "--set", "commit.interval.ms=100",
                    "--set", "num.stream.threads=1",
                    "--set", "deepmerge.device=cpu",
                    "--set", "deepmerge.inference.threads=1",
                    "--set", "deepmerge.max.batch.size=16",
                    "--set", "deepmerge.max.wait.ms=100",
                    "--set", "deepmerge.http.port=0",
                    "--set", "deepmerge.http.bind.address=127.0.0.1",
                    "--set", "consumer.session.timeout.ms=" + sessionTimeoutMs,
                    "--set", "consumer.heartbeat.interval.ms=1000",
                    "--set", "producer.transaction.timeout.ms=5000"));
        }

        /** @return the HTTP port the instance printed, or -1 before it did */
        int port() {
            if (port < 0) {
                try {
                    Matcher m = Pattern.compile("http: /metrics, /livez, /readyz on 127\\.0\\.0\\.1 port (\\d+)")
                            .matcher(Files.exists(log) ? Files.readString(log) : "");
                    port = m.find() ? Integer.parseInt(m.group(1)) : -1;
                } catch (java.io.IOException e) {
                    return -1;
                }
            }
            return port;
        }

        int get(String path) {
            String body = body(path);
            return body == null ? -1 : Integer.parseInt(body.substring(0, body.indexOf('\n')));
        }

        /** @return "STATUS\nBODY", or null when not answering */
        String body(String path) {
            int port = port();
            if (port < 0) {
                return null;
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                return r.statusCode() + "\n" + r.body();
            } catch (Exception e) {
                return null;
            }
        }

        /** @return images in the instance's batch buffers now (its /metrics), -1 when unknown */
        double bufferedImages() {
            String body = body("/metrics");
            if (body == null || !body.startsWith("200")) {
                return -1;
            }
            for (String line : body.split("\n")) {
                if (line.startsWith("deepmerge_buffer_images ")) {
                    return Double.parseDouble(line.substring(line.indexOf(' ') + 1));
                }
            }
            return -1;
        }

        void awaitReady(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new AssertionError(name + " died while starting:\n" + ChildJvm.tail(log));
                }
                if (get("/readyz") == 200) {
                    return;
                }
                Thread.sleep(200);
            }
            throw new AssertionError(name + " not ready in " + timeout + ":\n" + ChildJvm.tail(log));
        }

        /** SIGTERM, then waits for the exit; the instance must have closed Kafka Streams itself. */
        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(90, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(name + " did not stop within 90 s of SIGTERM:\n" + ChildJvm.tail(log));
            }
            assertTrue(ChildJvm.tail(log).contains("stopped: "), name + " closed cleanly on SIGTERM:\n"
                    + ChildJvm.tail(log));
        }
    }

    @Test
    @SuppressWarnings("try") // KafkaClusterTestKit.close() declares InterruptedException
    void threeInstancesOneKilledOneAddedOneStoppedScoreEveryInputExactlyOnce() throws Exception {
        long t0 = System.nanoTime();
        // the in-JVM KRaft test kit (as CrashRecoveryIT): timed-out transactions of the SIGKILLed instance are
        // aborted within a second of their timeout instead of the broker's default 10 s sweep
        try (KafkaClusterTestKit cluster = ScoringIntegrationIT.startCluster(Map.of(
                "transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000"))) {
            String bootstrap = cluster.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic("alerts", PARTITIONS, (short) 1),
                        new NewTopic("scores", 3, (short) 1), new NewTopic("dead", 1, (short) 1))).all().get();
                Path model = TestModels.meanSigmoid(tmp.resolve("m.onnx"));
                List<Alert> real = realAlerts(model);

                Map<String, Instance> instances = new LinkedHashMap<>();
                instances.put("scale-a", new Instance("scale-a", "scale-a", bootstrap, model, KILLED_SESSION_TIMEOUT_MS));
                for (String name : List.of("scale-b", "scale-c")) {
                    instances.put(name, new Instance(name, bootstrap, model));
                }
                try {
                    for (Instance i : instances.values()) {
                        i.awaitReady(Duration.ofSeconds(120));
                    }
                    long readyAt = System.nanoTime();
                    AtomicInteger produced = new AtomicInteger();
                    AtomicReference<Throwable> producerFailure = new AtomicReference<>();
                    Thread producer = new Thread(() -> produce(bootstrap, real, produced, producerFailure), "producer");
                    producer.start();

                    Map<String, Integer> seen = new HashMap<>();
                    long killedAt = -1;
                    long termAt = -1;
                    int killedAfter = -1;
                    int producedAtKill = -1;
                    int producedAtTerm = -1;
                    int termAfter = -1;
                    long drainedAt = -1;
                    int rebalancesBeforeRestart = -1;
                    long restartedAt = -1;
                    int rebalancesSeen = -1;
                    long rebalancedAt = System.nanoTime();
                    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                            ScoringIntegrationIT.consumerProps(bootstrap), new ByteArrayDeserializer(),
                            new ByteArrayDeserializer())) {
                        ScoringIntegrationIT.assignFromStart(consumer, List.of("scores", "dead"));
                        long deadline = System.nanoTime() + Duration.ofSeconds(240).toNanos();
                        while (System.nanoTime() < deadline) {
                            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                                seen.merge(key(r), 1, Integer::sum);
                            }
                            if (killedAt < 0 && seen.size() >= INPUTS / 5) {
                                killedAfter = seen.size();
                                producedAtKill = produced.get();
                                Instance a = instances.get("scale-a");
                                a.process.destroyForcibly().waitFor();
                                assertEquals(137, a.process.exitValue(), "scale-a was SIGKILLed");
                                killedAt = System.nanoTime();
                                instances.put("scale-d", new Instance("scale-d", bootstrap, model));
                            }
                            if (killedAt > 0 && termAt < 0) {
                                // settled: scale-a's session expired, scale-d joined, and the follow-up rebalances
                                // of the cooperative protocol are over (no new one in b, c, d for SETTLE)
                                int n = rebalances(instances, "scale-b", "scale-c", "scale-d");
                                if (n != rebalancesSeen) {
                                    rebalancesSeen = n;
                                    rebalancedAt = System.nanoTime();
                                }
                            }
                            if (killedAt > 0 && termAt < 0
                                    && System.nanoTime() - rebalancedAt > SETTLE.toNanos()
                                    && stableWith(admin, Set.of("scale-b", "scale-c", "scale-d"))
                                    && Set.of("scale-b", "scale-c", "scale-d").stream()
                                            .allMatch(h -> instances.get(h).get("/readyz") == 200)) {
                                // scale-a's session has expired and the group settled: a rolling restart of scale-b,
                                // SIGTERM then the same pod name (static member id) and state directory again
                                termAfter = seen.size();
                                producedAtTerm = produced.get();
                                rebalancesBeforeRestart = rebalances(instances, "scale-c", "scale-d");
                                instances.get("scale-b").stop();
                                termAt = System.nanoTime();
                                instances.put("scale-b2", new Instance("scale-b2", "scale-b", bootstrap, model,
                                        SESSION_TIMEOUT_MS));
                            }
                            if (termAt > 0 && restartedAt < 0 && instances.get("scale-b2").get("/readyz") == 200) {
                                restartedAt = System.nanoTime();
                            }
                            if (restartedAt > 0 && !producer.isAlive() && lag(admin) == 0 && buffersEmpty(instances, Set.of(
                                    "scale-c", "scale-d", "scale-b2"))) {
                                drainedAt = System.nanoTime();
                                break;
                            }
                        }
                    }
                    producer.join();
                    if (producerFailure.get() != null) {
                        throw new AssertionError("producing failed", producerFailure.get());
                    }
                    assertTrue(drainedAt > 0, String.format("not drained in time: %d produced, %d results seen, lag %d,"
                                    + " kill after %d, SIGTERM after %d%s", produced.get(), seen.size(), lag(admin),
                            killedAfter, termAfter, logs(instances)));
                    int rebalancesAfterRestart = rebalances(instances, "scale-c", "scale-d");
                    instances.get("scale-c").stop();
                    instances.get("scale-d").stop();
                    instances.get("scale-b2").stop();
                    long stoppedAt = System.nanoTime();

                    Map<String, Integer> results = readAllCommitted(bootstrap);
                    List<String> missing = new ArrayList<>();
                    Map<String, Integer> twice = new TreeMap<>();
                    for (int i = 0; i < INPUTS; i++) {
                        int n = results.getOrDefault(id(i), 0);
                        if (n == 0) {
                            missing.add(id(i));
                        } else if (n > 1) {
                            twice.put(id(i), n);
                        }
                    }
                    System.out.printf("scale-out: %d inputs (%d alerts/s) on %d partitions; 3 instances ready in %.1f s;"
                                    + " scale-a SIGKILLed after %d results of %d produced (+%.1f s), scale-d added,"
                                    + " scale-b SIGTERMed after %d of %d (+%.1f s) and back, ready in %.1f s"
                                    + " (rebalances of scale-c and scale-d from then on: %d); lag 0 and buffers empty"
                                    + " at +%.1f s; all stopped at +%.1f s;"
                                    + " %d committed results, %d missing, %d duplicated; test %.1f s%n",
                            INPUTS, RATE, PARTITIONS, (readyAt - t0) / 1e9, killedAfter, producedAtKill,
                            (killedAt - readyAt) / 1e9, termAfter, producedAtTerm, (termAt - readyAt) / 1e9,
                            (restartedAt - termAt) / 1e9,
                            rebalancesAfterRestart - rebalancesBeforeRestart,
                            (drainedAt - readyAt) / 1e9,
                            (stoppedAt - readyAt) / 1e9, results.values().stream().mapToInt(Integer::intValue).sum(),
                            missing.size(), twice.size(), (System.nanoTime() - t0) / 1e9);
                    for (Instance i : instances.values()) {
                        String log = Files.readString(i.log);
                        System.out.printf("  %s: exit %d, %d rebalances, %d images restored into batch buffers%n", i.name,
                                i.process.exitValue(), count(log, Pattern.compile("Kafka Streams \\w+ -> REBALANCING")),
                                sumRestored(log));
                    }
                    assertTrue(missing.isEmpty(), missing.size() + " inputs without a committed result, e.g. "
                            + missing.subList(0, Math.min(10, missing.size())) + logs(instances));
                    assertTrue(twice.isEmpty(), twice.size() + " inputs with more than one committed result: "
                            + twice.entrySet().stream().limit(10).toList() + logs(instances));
                    assertEquals(INPUTS, results.size(), "no result for an id that was not produced");
                    assertEquals(rebalancesBeforeRestart, rebalancesAfterRestart, String.format("static membership: "
                            + "scale-b came back as the same member %.1f s after its SIGTERM, within its %d ms session"
                            + " timeout, so the others do not rebalance%s", (restartedAt - termAt) / 1e9,
                            SESSION_TIMEOUT_MS, logs(instances)));
                } finally {
                    for (Instance i : instances.values()) {
                        i.process.destroyForcibly();
                    }
                }
            }
        }
    }

    /** @return the rebalances the named instances' logs show so far, added up */
    private static int rebalances(Map<String, Instance> instances, String... names) throws java.io.IOException {
        int n = 0;
        for (String name : names) {
            n += count(Files.readString(instances.get(name).log), Pattern.compile("Kafka Streams \\w+ -> REBALANCING"));
        }
        return n;
    }

    private static int count(String text, Pattern p) {
        Matcher m = p.matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static int sumRestored(String log) {
        Matcher m = Pattern.compile("(\\d+) images restored into the batch buffer").matcher(log);
        int n = 0;
        while (m.find()) {
            n += Integer.parseInt(m.group(1));
        }
        return n;
    }

    private static String key(ConsumerRecord<byte[], byte[]> r) {
        return r.key() == null ? "(no key)" : new String(r.key(), StandardCharsets.UTF_8);
    }

    static String id(int i) {
        return "scaleout-" + i;
    }

    /** @return the 87 real ZTF alerts, decoded */
    private static List<Alert> realAlerts(Path model) throws Exception {
        DeepMergeStreamsConfig config = DeepMergeStreamsConfig.load(null, Map.of(), Map.of(
                DeepMergeStreamsConfig.MODEL_PATH, model.toString(), DeepMergeStreamsConfig.DEVICE, "cpu"));
        List<Alert> out = new ArrayList<>();
        try (ScoringRuntime runtime = ScoringRuntime.open(config, ContractOverrides.none())) {
            for (Path p : Alerts.ztf()) {
                out.add(runtime.pipeline().reader().read(Alerts.bytes(p)));
            }
        }
        return out;
    }

    /**
     * Produces the inputs at {@link #RATE} per second: input i is real ZTF alert i mod 87 as a Cutout record (its
     * stamps, position and object id) with source id {@link #id}(i), keyed by that id.
     */
    private static void produce(String bootstrap, List<Alert> real, AtomicInteger produced, AtomicReference<Throwable> failure) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, "5"), new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Cutout> templates = real.stream().map(CutoutRecords::fromAlert).toList();
            long start = System.nanoTime();
            for (int i = 0; i < INPUTS; i++) {
                long due = start + (long) (i * 1e9 / RATE);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                Cutout c = Cutout.newBuilder(templates.get(i % templates.size())).setSourceId(id(i)).build();
                producer.send(new ProducerRecord<>("alerts", id(i).getBytes(StandardCharsets.UTF_8),
                        CutoutRecords.toSingleObject(c)));
                produced.incrementAndGet();
            }
            producer.flush();
        } catch (Throwable t) {
            failure.set(t);
        }
    }

    /** @return the application's lag on the input topic: end offsets minus committed offsets, all partitions */
    static long lag(Admin admin) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(APP)
                .partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            latest.put(new TopicPartition("alerts", p), OffsetSpec.latest());
        }
        long lag = 0;
        for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e
                : admin.listOffsets(latest).all().get().entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            lag += e.getValue().offset() - (c == null ? 0 : c.offset());
        }
        return lag;
    }

    /**
     * @param hosts the static members expected
     * @return whether the application's group is stable with exactly one member per stream thread of those hosts
     */
    private static boolean stableWith(Admin admin, Set<String> hosts) throws Exception {
        org.apache.kafka.clients.admin.ConsumerGroupDescription g = admin.describeConsumerGroups(List.of(APP))
                .describedGroups().get(APP).get();
        Set<String> members = new java.util.TreeSet<>();
        for (org.apache.kafka.clients.admin.MemberDescription m : g.members()) {
            members.add(m.groupInstanceId().map(id -> id.replaceFirst("-\\d+$", "")).orElse("(dynamic)"));
        }
        return g.groupState() == org.apache.kafka.common.GroupState.STABLE && members.equals(new java.util.TreeSet<>(hosts))
                && g.members().size() == hosts.size();
    }

    private static boolean buffersEmpty(Map<String, Instance> instances, Set<String> live) {
        for (String name : live) {
            if (instances.get(name).bufferedImages() != 0) {
                return false;
            }
        }
        return true;
    }

    /** @return committed results per key: the score and dead-letter topics read with read_committed to their end */
    private static Map<String, Integer> readAllCommitted(String bootstrap) {
        Map<String, Integer> results = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(ScoringIntegrationIT.consumerProps(bootstrap),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            ScoringIntegrationIT.assignFromStart(consumer, List.of("scores", "dead"));
            // under read_committed the end offsets are the last stable offsets: every transaction decided
            Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline && end.entrySet().stream()
                    .anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    results.merge(key(r), 1, Integer::sum);
                }
            }
        }
        return results;
    }

    private static String logs(Map<String, Instance> instances) {
        StringBuilder b = new StringBuilder();
        for (Instance i : instances.values()) {
            b.append("\n--- ").append(i.name).append(" ---\n").append(ChildJvm.tail(i.log));
        }
        return b.toString();
    }
}
