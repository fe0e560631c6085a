package org.deepmerge.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.deepmerge.app.broker.DevBroker;
import org.deepmerge.core.model.ModelIdentity;
import org.deepmerge.core.testing.TestData;
import org.deepmerge.streams.testing.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code deepmerge serve} with its HTTP server (issue 16, item 1), in this JVM against the in-JVM KRaft broker, tested
 * over HTTP as Kubernetes and Prometheus use it: {@code /readyz} is 503 while the model loads and Kafka Streams starts
 * and 200 once it runs; {@code /livez} is 200; after the 87 real ZTF alerts are replayed, {@code /metrics} counts every
 * one of them in the scorer's meters, names the live model by its SHA-256, and carries the Kafka Streams, client and
 * JVM metrics; no secret given in the configuration file appears in {@code /metrics} or in serve's output.
 */
class ServeHttpIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String JAAS_SECRET = "TOPSECRET-jaas-4711";
    private static final String REGISTRY_SECRET = "TOPSECRET-registry-0815";
    private static final String TRUSTSTORE_SECRET = "TOPSECRET-truststore-42";

    @TempDir
    Path tmp;

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** @return the value of the sample whose line starts with {@code series} (name and labels), or -1 when absent */
    static double sample(String metrics, String series) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        return -1;
    }

    /** @return the sum of every sample of the metric (any labels) */
    static double sum(String metrics, String name) {
        double total = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    @Test
    void metricsLivenessAndReadinessOverHttp() throws Exception {
        try (DevBroker broker = DevBroker.start(tmp.resolve("broker"), 0)) {
            String bootstrap = broker.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic("alerts", 2, (short) 1))).all().get();
            }
            Path model = TestModels.meanSigmoid(tmp.resolve("m.onnx"));
            String sha = ModelIdentity.sha256(Files.readAllBytes(model));
            // secrets as an operator gives them: in the --config file (PLAINTEXT broker: the SASL/TLS ones go unused)
            Path config = tmp.resolve("serve.properties");
            Files.writeString(config, String.join("\n",
                    "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
                            + "username=\"scorer\" password=\"" + JAAS_SECRET + "\";",
                    "ssl.truststore.password=" + TRUSTSTORE_SECRET,
                    "deepmerge.input.schema.registry.url=http://127.0.0.1:9",
                    "deepmerge.input.schema.registry.basic.auth.user.info=reg-user:" + REGISTRY_SECRET, ""));

            StringWriter err = new StringWriter();
            AtomicInteger exit = new AtomicInteger(Integer.MIN_VALUE);
            Thread serve = new Thread(() -> {
                CommandLine cli = DeepMergeCli.commandLine();
                cli.setOut(new PrintWriter(new StringWriter(), true));
                cli.setErr(new PrintWriter(err, true));
                exit.set(cli.execute("serve", "--bootstrap", bootstrap, "--input-topic", "alerts",
                        "--output-topic", "scores", "--dlq-topic", "dead", "--model", model.toString(),
                        "--config", config.toString(),
                        "--set", "deepmerge.http.port=0", "--set", "deepmerge.http.bind.address=127.0.0.1",
                        "--set", "application.id=deepmerge-http-it", "--set", "state.dir=" + tmp.resolve("state"),
                        "--set", "commit.interval.ms=100", "--set", "num.stream.threads=1",
                        "--set", "deepmerge.device=cpu", "--set", "deepmerge.inference.threads=1",
                        "--set", "deepmerge.max.wait.ms=100"));
            }, "serve-under-test");
            serve.start();
            try {
                int port = awaitPort(err, serve);
                // the server is up before the model is opened and Kafka Streams runs: not ready yet
                List<Integer> readiness = new ArrayList<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                while (System.nanoTime() < deadline) {
                    int code = get(port, "/readyz").statusCode();
                    if (readiness.isEmpty() || readiness.get(readiness.size() - 1) != code) {
                        readiness.add(code);
                    }
                    if (code == 200) {
                        break;
                    }
                    assertEquals(200, get(port, "/livez").statusCode(), "live while starting");
                    Thread.sleep(20);
                }
                assertEquals(List.of(503, 200), readiness, "503 until RUNNING with a warmed model, then 200\n" + err);
                HttpResponse<String> ready = get(port, "/readyz");
                assertTrue(ready.body().contains("RUNNING") && ready.body().contains("warmed"), ready.body());
                assertEquals(200, get(port, "/livez").statusCode());

                StringWriter replayErr = new StringWriter();
                CommandLine replay = DeepMergeCli.commandLine();
                replay.setOut(new PrintWriter(new StringWriter(), true));
                replay.setErr(new PrintWriter(replayErr, true));
                int replayed = replay.execute("replay", "--bootstrap", bootstrap, "--topic", "alerts",
                        TestData.require("alerts/ztf").toString());
                assertEquals(0, replayed, replayErr.toString());

                String metrics = "";
                deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                while (System.nanoTime() < deadline) {
                    metrics = get(port, "/metrics").body();
                    double done = sample(metrics, "deepmerge_scored_total") + sum(metrics, "deepmerge_not_applicable_total")
                            + sum(metrics, "deepmerge_dead_letters_total");
                    if (sample(metrics, "deepmerge_alerts_in_total") >= 87 && done >= 87) {
                        break;
                    }
                    Thread.sleep(200);
                }
                assertEquals(87.0, sample(metrics, "deepmerge_alerts_in_total"), metrics);
                double scored = sample(metrics, "deepmerge_scored_total");
                assertTrue(scored > 0, "real alerts scored");
                assertEquals(87.0, scored + sum(metrics, "deepmerge_not_applicable_total")
                        + sum(metrics, "deepmerge_dead_letters_total"), "every alert scored, not applicable or dead");
                assertTrue(sample(metrics, "deepmerge_batch_size_count") > 0, metrics);
                assertEquals(scored, sample(metrics, "deepmerge_buffer_wait_seconds_count"));
                assertEquals(scored, sample(metrics, "deepmerge_buffer_wait_seconds_bucket{le=\"+Inf\"}"));
                assertEquals(scored, sample(metrics, "deepmerge_inference_batch_size_sum"), "images per run add up");
                assertTrue(sample(metrics, "deepmerge_inference_run_seconds_count") > 0);
                assertTrue(sample(metrics, "deepmerge_buffer_entry_bytes_sum") > 0, "changelog bytes");
                Matcher info = Pattern.compile("deepmerge_model_info\\{name=\"mean-sigmoid-test\",provider=\"CPUExecutionProvider\","
                        + "sha256=\"" + sha + "\",version=\"[^\"]+\"} 1(\\.0)?\n").matcher(metrics);
                assertTrue(info.find(), "the live model, by its SHA-256\n" + grep(metrics, "deepmerge_model"));
                // the shadow meters as docs/operations.md names them, present (0 or NaN) while no shadow runs
                for (String family : new String[] {"kafka_stream_thread_", "kafka_consumer_", "kafka_producer_",
                        "jvm_memory_used_bytes", "jvm_gc_", "process_cpu_usage", "jvm_threads_live_threads",
                        "deepmerge_shadow_scored_total 0", "deepmerge_shadow_failed_total{reason=\"exception\"} 0",
                        "deepmerge_shadow_failed_total{reason=\"invalid_output\"} 0", "deepmerge_shadow_pairs_total 0",
                        "deepmerge_shadow_spearman NaN", "deepmerge_shadow_agreement NaN",
                        "deepmerge_shadow_mean_abs_delta NaN", "deepmerge_shadow_inference_seconds_count 0"}) {
                    assertTrue(metrics.contains("\n" + family), family + " missing from /metrics");
                }
                for (String secret : new String[] {JAAS_SECRET, REGISTRY_SECRET, TRUSTSTORE_SECRET, "TOPSECRET"}) {
                    assertFalse(metrics.contains(secret), "a secret in /metrics");
                    assertFalse(err.toString().contains(secret), "a secret in serve's output");
                }
                String dump = System.getProperty("deepmerge.metrics.dump"); // a sample scrape, e.g. for the docs
                if (dump != null) {
                    Files.writeString(Path.of(dump), metrics);
                }
                System.out.printf("serve over HTTP: /metrics %d bytes, %d lines; %.0f of 87 alerts scored%n",
                        metrics.length(), metrics.split("\n").length, scored);
            } finally {
                serve.interrupt();
                serve.join(Duration.ofSeconds(90).toMillis());
            }
            assertFalse(serve.isAlive(), "serve stops when its thread is interrupted\n" + err);
            assertEquals(0, exit.get(), err.toString());
            assertTrue(err.toString().contains("stopped: "), err.toString());
            Matcher m = Pattern.compile("port (\\d+)").matcher(err.toString());
            assertTrue(m.find());
            int port = Integer.parseInt(m.group(1));
            try {
                get(port, "/livez");
                throw new AssertionError("the HTTP server still answers after serve stopped");
            } catch (ConnectException expected) {
                // closed with serve
            }
        }
    }

    private static String grep(String text, String part) {
        return String.join("\n", text.lines().filter(l -> l.contains(part)).toList());
    }

    /** @return the port printed by serve on its "http: ..." line */
    private static int awaitPort(StringWriter err, Thread serve) throws InterruptedException {
        Pattern p = Pattern.compile("http: /metrics, /livez, /readyz on 127\\.0\\.0\\.1 port (\\d+)");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline && serve.isAlive()) {
            Matcher m = p.matcher(err.toString());
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            Thread.sleep(10);
        }
        throw new AssertionError("serve printed no HTTP port:\n" + err);
    }
}
