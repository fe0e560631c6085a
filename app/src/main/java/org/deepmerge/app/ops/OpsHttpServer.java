package org.deepmerge.app.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one small HTTP server of {@code deepmerge serve} (JDK {@code com.sun.net.httpserver}, one thread):
 * <ul>
 *   <li>{@code GET /metrics}: every meter of the registry in the Prometheus text format (OpenMetrics when the
 *       scraper asks for it in {@code Accept})</li>
 *   <li>{@code GET /livez}: 200 while {@link Health#live()} passes, else 503; the body is one line saying why</li>
 *   <li>{@code GET /readyz}: 200 while {@link Health#ready()} passes, else 503</li>
 * </ul>
 * Anything else is 404 (unknown path) or 405 (not GET/HEAD). No request is logged.
 */
public final class OpsHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OpsHttpServer.class);

    private final HttpServer server;
    private final ExecutorService executor;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private OpsHttpServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * @param bindAddress address to listen on, e.g. {@code 0.0.0.0}
     * @param port        port, 0 = any free port ({@link #port()} tells which)
     * @param registry    the meters {@code /metrics} shows
     * @param health      what {@code /livez} and {@code /readyz} answer
     * @return the started server
     * @throws DeepMergeException IO_ERROR when the port cannot be bound
     */
    public static OpsHttpServer start(String bindAddress, int port, PrometheusMeterRegistry registry, Health health)
            throws DeepMergeException {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(bindAddress, port), 16);
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot listen on " + bindAddress + ":" + port
                    + " for /metrics, /livez and /readyz (deepmerge.http.port, deepmerge.http.bind.address): " + e, e);
        }
        server.createContext("/metrics", ex -> handle(ex, "/metrics", () -> {
            String accept = ex.getRequestHeaders().getFirst("Accept");
            String type = accept != null && accept.contains("application/openmetrics-text")
                    ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                    : "text/plain; version=0.0.4; charset=utf-8";
            return new Answer(200, type, registry.scrape(type));
        }));
        server.createContext("/livez", ex -> handle(ex, "/livez", () -> probe(health.live())));
        server.createContext("/readyz", ex -> handle(ex, "/readyz", () -> probe(health.ready())));
        server.createContext("/", ex -> handle(ex, null, null));
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "deepmerge-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.start();
        LOG.info("HTTP: /metrics, /livez, /readyz on {}:{}", bindAddress, server.getAddress().getPort());
        return new OpsHttpServer(server, executor);
    }

    private record Answer(int status, String contentType, String body) {
    }

    private static Answer probe(Health.Status s) {
        return new Answer(s.ok() ? 200 : 503, "text/plain; charset=utf-8", (s.ok() ? "ok: " : "not ok: ") + s.detail() + "\n");
    }

    /**
     * @param path   the one path this handler answers (contexts match by prefix: anything longer is 404); null = 404
     * @param answer the answer to a GET or HEAD of that path
     */
    private static void handle(HttpExchange ex, String path, Supplier<Answer> answer) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            Answer a;
            if (path == null || !path.equals(ex.getRequestURI().getPath())) {
                a = new Answer(404, "text/plain; charset=utf-8", "not found: /metrics, /livez, /readyz\n");
            } else if (!method.equals("GET") && !method.equals("HEAD")) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                a = new Answer(405, "text/plain; charset=utf-8", "method not allowed\n");
            } else {
                try {
                    a = answer.get();
                } catch (RuntimeException e) {
                    LOG.warn("HTTP {} failed: {}", ex.getRequestURI().getPath(), e.toString());
                    a = new Answer(500, "text/plain; charset=utf-8", "internal error\n");
                }
            }
            byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", a.contentType());
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            if (method.equals("HEAD")) {
                ex.sendResponseHeaders(a.status(), -1);
            } else {
                ex.sendResponseHeaders(a.status(), body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    /** @return the port the server listens on */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops the server at once (requests in progress are cut). Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.stop(0);
        executor.shutdownNow();
        LOG.info("HTTP server on port {} stopped", port());
    }
}
