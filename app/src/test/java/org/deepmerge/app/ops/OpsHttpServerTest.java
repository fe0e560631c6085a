package org.deepmerge.app.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.KafkaStreams;
import org.deepmerge.core.model.ModelIdentity;
import org.deepmerge.streams.topology.ScoringMetrics;
import org.junit.jupiter.api.Test;

/** The HTTP server of deepmerge serve without Kafka: probe answers follow the health state; /metrics is Prometheus text. */
class OpsHttpServerTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void probesFollowKafkaStreamsStateAndTheModel() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Health health = new Health();
        try (OpsHttpServer server = OpsHttpServer.start("127.0.0.1", 0, registry, health)) {
            int port = server.port();
            assertTrue(port > 0);
            // model loading: live, not ready
            assertEquals(200, get(port, "/livez").statusCode());
            HttpResponse<String> ready = get(port, "/readyz");
            assertEquals(503, ready.statusCode());
            assertTrue(ready.body().contains("not created"), ready.body());

            AtomicReference<KafkaStreams.State> state = new AtomicReference<>(KafkaStreams.State.CREATED);
            AtomicBoolean warmed = new AtomicBoolean(false);
            health.streams(state::get);
            health.model(warmed::get);
            state.set(KafkaStreams.State.RUNNING);
            assertEquals(503, get(port, "/readyz").statusCode(), "no model warmed yet");
            warmed.set(true);
            assertEquals(200, get(port, "/readyz").statusCode());
            assertEquals(200, get(port, "/livez").statusCode());
            state.set(KafkaStreams.State.REBALANCING);
            assertEquals(503, get(port, "/readyz").statusCode());
            assertEquals(200, get(port, "/livez").statusCode(), "a rebalance is no reason to restart");
            for (KafkaStreams.State dead : new KafkaStreams.State[] {KafkaStreams.State.PENDING_ERROR,
                    KafkaStreams.State.ERROR, KafkaStreams.State.PENDING_SHUTDOWN, KafkaStreams.State.NOT_RUNNING}) {
                state.set(dead);
                HttpResponse<String> live = get(port, "/livez");
                assertEquals(503, live.statusCode(), dead.name());
                assertTrue(live.body().contains(dead.name()), live.body());
                assertEquals(503, get(port, "/readyz").statusCode(), dead.name());
            }
            assertEquals(404, get(port, "/").statusCode());
            assertEquals(404, get(port, "/livezz").statusCode());
            assertEquals(404, get(port, "/metrics/x").statusCode());
            HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/livez"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, post.statusCode());
        }
    }

    @Test
    void metricsAreThePrometheusTextOfTheRegistry() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ScoringMetrics metrics = new ScoringMetrics(registry);
        metrics.liveModel(new ModelIdentity("deepmerge", "1.0", "ab".repeat(32)), "CPUExecutionProvider");
        metrics.liveModel(new ModelIdentity("deepmerge", "1.1", "cd".repeat(32)), "CPUExecutionProvider");
        metrics.inferenceRun(16, 3_000_000);
        try (OpsHttpServer server = OpsHttpServer.start("127.0.0.1", 0, registry, new Health())) {
            HttpResponse<String> r = get(server.port(), "/metrics");
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                    r.headers().toString());
            String body = r.body();
            assertTrue(body.contains("deepmerge_model_info{name=\"deepmerge\",provider=\"CPUExecutionProvider\",sha256=\""
                    + "cd".repeat(32) + "\",version=\"1.1\"} 1"), body);
            assertTrue(!body.contains("ab".repeat(32)), "the replaced model's row is gone");
            assertTrue(body.contains("deepmerge_inference_run_seconds_count 1"), body);
            assertTrue(body.contains("deepmerge_inference_batch_size_bucket{le=\"16.0\"} 1"), body);
            assertTrue(body.contains("deepmerge_alerts_in_total 0"), body);
        }
    }
}
