package org.deepmerge.streams.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.alert.LocalSchemaDirectory;
import org.deepmerge.core.testing.TestData;

/**
 * A Confluent-compatible schema registry in the JVM (the JDK's HttpServer) serving the official Rubin schemas of
 * {@code schemas/lsst} by id ({@code GET /schemas/ids/{id}}, 404 for other ids), optionally requiring an
 * {@code Authorization} header (401 otherwise) or answering every request with an error status.
 */
public final class TestRegistry implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final LocalSchemaDirectory schemas;
    private final AtomicInteger requests = new AtomicInteger();
    private volatile String requiredAuthorization;
    private volatile int failWith;

    private TestRegistry() throws IOException, DeepMergeException {
        schemas = new LocalSchemaDirectory(TestData.require("schemas/lsst"));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/schemas/ids/", exchange -> {
            requests.incrementAndGet();
            int status;
            String body;
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            if (requiredAuthorization != null && !requiredAuthorization.equals(auth)) {
                status = 401;
                body = "{\"error_code\":401,\"message\":\"Unauthorized\"}";
            } else if (failWith != 0) {
                status = failWith;
                body = "{\"error_code\":" + failWith + "03,\"message\":\"registry unavailable\"}";
            } else {
                try {
                    String id = exchange.getRequestURI().getPath().substring("/schemas/ids/".length());
                    body = JSON.writeValueAsString(Map.of("schema", schemas.schemaById(Integer.parseInt(id)).toString()));
                    status = 200;
                } catch (DeepMergeException | NumberFormatException e) {
                    status = 404;
                    body = "{\"error_code\":40403,\"message\":\"Schema not found\"}";
                }
            }
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
            exchange.sendResponseHeaders(status, b.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(b);
            }
        });
        server.start();
    }

    /** @return a running registry; close it */
    public static TestRegistry start() throws IOException, DeepMergeException {
        return new TestRegistry();
    }

    /** @return {@code http://127.0.0.1:<port>} */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** @param userInfo {@code user:password} every request must carry as HTTP basic auth from now on */
    public void requireBasicAuth(String userInfo) {
        requiredAuthorization = "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    }

    /** @param status HTTP status every (authorised) request is answered with from now on; 0 = serve schemas */
    public void failWith(int status) {
        failWith = status;
    }

    /** @return requests received so far */
    public int requests() {
        return requests.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
