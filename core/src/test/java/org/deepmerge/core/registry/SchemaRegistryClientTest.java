package org.deepmerge.core.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SchemaRegistryClient} against a registry in the JVM (the JDK's {@link HttpServer}) that answers as each test
 * needs: credentials checked by the server, 503/429 then success, 503 forever, 404, broken answers, a 300 MB answer,
 * an answer that never ends, registration. Time of the negative cache is a clock the test moves.
 */
class SchemaRegistryClientTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Schema SCHEMA = SchemaBuilder.record("Thing").namespace("org.example").fields()
            .requiredString("name").requiredDouble("ra").endRecord();
    private static final String PASSWORD = "TopSecret-42";
    private static final String USER_INFO = "alice:" + PASSWORD;
    private static final String BASIC = "Basic " + Base64.getEncoder().encodeToString(USER_INFO.getBytes(StandardCharsets.UTF_8));

    /** What the server does with one request. */
    @FunctionalInterface
    private interface Handler {
        void handle(HttpExchange exchange) throws IOException;
    }

    /** A clock the test moves. */
    private static final class TestClock extends Clock {
        private volatile Instant now = Instant.parse("2025-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    private HttpServer server;
    private ExecutorService executor;
    private final AtomicInteger requests = new AtomicInteger();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private volatile Handler handler;
    private final TestClock clock = new TestClock();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        executor = Executors.newCachedThreadPool();
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            authorizations.add(auth == null ? "" : auth);
            try {
                handler.handle(exchange);
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        executor.shutdownNow();
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Settings for the test server: fast retries, the given credentials. */
    private RegistrySettings settings(String basic, String bearer) throws DeepMergeException {
        return RegistrySettings.parse(url(), basic, bearer).withRetries(3, Duration.ofMillis(5))
                .withTimeout(Duration.ofSeconds(5));
    }

    private SchemaRegistryClient client(RegistrySettings settings) {
        return new SchemaRegistryClient(settings, clock);
    }

    private static void respond(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", SchemaRegistryClient.CONTENT_TYPE);
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        }
    }

    private static String schemaAnswer(Schema s) throws IOException {
        return JSON.writeValueAsString(Map.of("schema", s.toString()));
    }

    /** A server that requires the given Authorization header value (401 otherwise) and serves SCHEMA. */
    private Handler requiring(String authorization) {
        return ex -> {
            if (!authorization.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"registry\"");
                respond(ex, 401, "{\"error_code\":401,\"message\":\"Unauthorized\"}");
                return;
            }
            respond(ex, 200, schemaAnswer(SCHEMA));
        };
    }

    @Test
    void basicAuthIsSentAndWithoutItTheServersRefusalIsAClearErrorNotRetried() throws Exception {
        handler = requiring(BASIC);
        assertEquals(SCHEMA, client(settings(USER_INFO, null)).schemaById(1));
        assertEquals(List.of(BASIC), authorizations);

        requests.set(0);
        DeepMergeException none = assertThrows(DeepMergeException.class, () -> client(settings(null, null)).schemaById(1));
        assertEquals(Reason.IO_ERROR, none.reason());
        assertTrue(none.getMessage().contains("refused the credentials: HTTP 401 and no credentials are configured"),
                none.getMessage());
        assertEquals(1, requests.get(), "a 401 is not retried");

        requests.set(0);
        DeepMergeException wrong = assertThrows(DeepMergeException.class,
                () -> client(settings("alice:not-it", null)).schemaById(1));
        assertEquals(Reason.IO_ERROR, wrong.reason());
        assertTrue(wrong.getMessage().contains("HTTP 401 with basic auth as alice; check the registry credentials"),
                wrong.getMessage());
        assertFalse(wrong.getMessage().contains("not-it"), wrong.getMessage());
        assertEquals(1, requests.get());
    }

    @Test
    void credentialsInTheUrlAreSentAsBasicAuthAndRemovedFromTheUrl() throws Exception {
        handler = requiring(BASIC);
        RegistrySettings s = RegistrySettings.parse(url().replace("://", "://alice:" + PASSWORD + "@") + "/");
        assertEquals(url(), s.url().toString(), "user info and trailing / removed");
        assertEquals(RegistryAuth.Kind.BASIC, s.auth().kind());
        assertEquals(SCHEMA, client(s.withRetries(1, Duration.ZERO)).schemaById(7));
        assertEquals(List.of(BASIC), authorizations);
        // percent-encoded user info (a password with '@' and ':')
        RegistrySettings encoded = RegistrySettings.parse(url().replace("://", "://bob:p%40ss%3Aw0rd@"));
        assertEquals("Basic " + Base64.getEncoder().encodeToString("bob:p@ss:w0rd".getBytes(StandardCharsets.UTF_8)),
                encoded.auth().authorization().orElseThrow());
    }

    @Test
    void bearerTokenIsSent() throws Exception {
        handler = requiring("Bearer tok.en-123");
        assertEquals(SCHEMA, client(settings(null, "tok.en-123")).schemaById(3));
        assertEquals(List.of("Bearer tok.en-123"), authorizations);
        assertEquals(Reason.IO_ERROR, assertThrows(DeepMergeException.class,
                () -> client(settings(null, "other")).schemaById(3)).reason());
    }

    @Test
    void status503TwiceThen200SucceedsAfterBackingOff() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        handler = ex -> {
            if (calls.incrementAndGet() <= 2) {
                respond(ex, 503, "{\"error_code\":50003,\"message\":\"Error while forwarding the request\"}");
            } else {
                respond(ex, 200, schemaAnswer(SCHEMA));
            }
        };
        RegistrySettings s = settings(null, null).withRetries(3, Duration.ofMillis(40));
        long t0 = System.nanoTime();
        assertEquals(SCHEMA, client(s).schemaById(900));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(3, requests.get());
        assertTrue(ms >= 40 + 80, "backed off 40 ms then 80 ms, took " + ms + " ms");

        calls.set(-10);
        requests.set(0);
        handler = ex -> respond(ex, calls.incrementAndGet() == -9 ? 429 : 200, schemaAnswer(SCHEMA));
        assertEquals(SCHEMA, client(s).schemaById(901));
        assertEquals(2, requests.get(), "429 is retried too");
    }

    @Test
    void status503ForeverIsAnIoErrorAfterTheLastAttemptThenACachedFailureUntilTheTtlEnds() throws Exception {
        handler = ex -> respond(ex, 503, "{\"error_code\":50003,\"message\":\"down\"}");
        SchemaRegistryClient c = client(settings(null, null).withRetries(4, Duration.ofMillis(1))
                .withNegativeCacheTtl(Duration.ofSeconds(60), Duration.ofSeconds(10)));
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> c.schemaById(900));
        assertEquals(Reason.IO_ERROR, e.reason());
        assertTrue(e.getMessage().contains("gave up after 4 attempts"), e.getMessage());
        assertTrue(e.getMessage().contains("HTTP 503"), e.getMessage());
        assertEquals(4, requests.get());

        clock.advance(Duration.ofSeconds(9));
        DeepMergeException cached = assertThrows(DeepMergeException.class, () -> c.schemaById(900));
        assertEquals(Reason.IO_ERROR, cached.reason());
        assertTrue(cached.getMessage().startsWith("cached failure until 2025-01-01T00:00:10Z"), cached.getMessage());
        assertTrue(cached.getMessage().contains("gave up after 4 attempts"), cached.getMessage());
        assertEquals(4, requests.get(), "no request within the TTL");

        assertThrows(DeepMergeException.class, () -> c.schemaById(901));
        assertEquals(8, requests.get(), "the failure is remembered per id");

        clock.advance(Duration.ofSeconds(1));
        handler = ex -> respond(ex, 200, schemaAnswer(SCHEMA));
        assertEquals(SCHEMA, c.schemaById(900), "asked again once the TTL is over");
        assertEquals(9, requests.get());
    }

    @Test
    void unreachableRegistryIsRetriedThenAnIoError() throws Exception {
        RegistrySettings s = settings(null, null).withRetries(3, Duration.ofMillis(1));
        server.stop(0);
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> client(s).schemaById(1));
        assertEquals(Reason.IO_ERROR, e.reason());
        assertTrue(e.getMessage().contains("gave up after 3 attempts") && e.getMessage().contains("unreachable"),
                e.getMessage());
    }

    @Test
    void notFoundIsUnknownSchemaRememberedForTheNotFoundTtl() throws Exception {
        handler = ex -> respond(ex, 404, "{\"error_code\":40403,\"message\":\"Schema 903 not found\"}");
        SchemaRegistryClient c = client(settings(null, null));
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> c.schemaById(903));
        assertEquals(Reason.UNKNOWN_SCHEMA, e.reason());
        assertTrue(e.getMessage().contains("has no schema id 903 (HTTP 404: {\"error_code\":40403"), e.getMessage());
        assertEquals(1, requests.get(), "a 404 is not retried");

        clock.advance(Duration.ofSeconds(59));
        DeepMergeException cached = assertThrows(DeepMergeException.class, () -> c.schemaById(903));
        assertEquals(Reason.UNKNOWN_SCHEMA, cached.reason());
        assertTrue(cached.getMessage().startsWith("cached failure until 2025-01-01T00:01:00Z"), cached.getMessage());
        assertEquals(1, requests.get());

        clock.advance(Duration.ofSeconds(1));
        assertEquals(Reason.UNKNOWN_SCHEMA, assertThrows(DeepMergeException.class, () -> c.schemaById(903)).reason());
        assertEquals(2, requests.get());

        SchemaRegistryClient noCache = client(settings(null, null).withNegativeCacheTtl(Duration.ZERO, Duration.ZERO));
        assertThrows(DeepMergeException.class, () -> noCache.schemaById(903));
        assertThrows(DeepMergeException.class, () -> noCache.schemaById(903));
        assertEquals(4, requests.get(), "TTL 0: every lookup asks");
    }

    @Test
    void answersThatAreNotAnAvroSchemaAreUnknownSchemaNotRetried() throws Exception {
        Map<String, String> bodies = Map.of(
                "no schema field", "{\"id\":1,\"subject\":\"x\"}",
                "schema not a string", "{\"schema\":{\"type\":\"string\"}}",
                "not JSON", "<html>gateway</html>",
                "JSON array", "[1,2]",
                "protobuf", "{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\";\"}",
                "references", "{\"schema\":\"\\\"string\\\"\",\"references\":[{\"name\":\"a\",\"subject\":\"a\",\"version\":1}]}",
                "bad Avro", "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"R\\\",\\\"fields\\\":[{\\\"name\\\":\\\"x\\\",\\\"type\\\":\\\"nope\\\"}]}\"}");
        for (Map.Entry<String, String> b : bodies.entrySet()) {
            requests.set(0);
            handler = ex -> respond(ex, 200, b.getValue());
            DeepMergeException e = assertThrows(DeepMergeException.class, () -> client(settings(null, null)).schemaById(5),
                    b.getKey());
            assertEquals(Reason.UNKNOWN_SCHEMA, e.reason(), b.getKey() + ": " + e.getMessage());
            assertTrue(e.getMessage().startsWith("schema registry " + url() + "/schemas/ids/5"), e.getMessage());
            assertEquals(1, requests.get(), b.getKey());
        }
    }

    @Test
    void registerRoundTripsThroughTheRegistry() throws Exception {
        Map<String, Integer> ids = new ConcurrentHashMap<>();
        Map<Integer, String> schemas = new ConcurrentHashMap<>();
        List<String> contentTypes = new CopyOnWriteArrayList<>();
        handler = ex -> {
            String path = ex.getRequestURI().getRawPath();
            if (ex.getRequestMethod().equals("POST") && path.startsWith("/subjects/") && path.endsWith("/versions")) {
                contentTypes.add(ex.getRequestHeaders().getFirst("Content-Type"));
                JsonNode req = JSON.readTree(ex.getRequestBody());
                String schema = req.get("schema").asText();
                int id = ids.computeIfAbsent(schema, k -> 100 + ids.size());
                schemas.put(id, schema);
                respond(ex, 200, "{\"id\":" + id + "}");
            } else if (path.startsWith("/schemas/ids/")) {
                String s = schemas.get(Integer.parseInt(path.substring("/schemas/ids/".length())));
                respond(ex, s == null ? 404 : 200, s == null ? "{\"error_code\":40403}" : JSON.writeValueAsString(Map.of("schema", s)));
            } else {
                respond(ex, 404, "{}");
            }
        };
        SchemaRegistryClient c = client(settings(null, null));
        int id = c.register("merger scores-value", SCHEMA);
        assertEquals(100, id);
        assertEquals(id, c.register("merger scores-value", SCHEMA), "idempotent");
        assertEquals(SCHEMA, c.schemaById(id));
        assertEquals(List.of(SchemaRegistryClient.CONTENT_TYPE, SchemaRegistryClient.CONTENT_TYPE), contentTypes);

        handler = ex -> respond(ex, 200, "{\"version\":1}");
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> c.register("other-value", SCHEMA));
        assertEquals(Reason.IO_ERROR, e.reason());
        assertTrue(e.getMessage().contains("without an integer \"id\""), e.getMessage());
        handler = ex -> respond(ex, 409, "{\"error_code\":409,\"message\":\"incompatible\"}");
        e = assertThrows(DeepMergeException.class, () -> c.register("third-value", SCHEMA));
        assertTrue(e.getMessage().contains("HTTP 409") && e.getMessage().contains("incompatible"), e.getMessage());
    }

    /** Writes a body of {@code total} bytes in 64 KiB chunks until done or the client goes; counts what was written. */
    private static void stream(HttpExchange ex, long declared, long total, AtomicLong written) throws IOException {
        ex.sendResponseHeaders(200, declared);
        byte[] chunk = new byte[64 * 1024];
        java.util.Arrays.fill(chunk, (byte) 'x');
        try (OutputStream out = ex.getResponseBody()) {
            out.write("{\"schema\":\"".getBytes(StandardCharsets.UTF_8));
            while (written.get() < total) {
                out.write(chunk);
                written.addAndGet(chunk.length);
            }
        } catch (IOException closedByClient) {
            // the client refused the rest
        }
    }

    @Test
    void a300MegabyteAnswerIsRefusedAfterReadingAtMostTheLimit() throws Exception {
        long total = 300L << 20;
        AtomicLong written = new AtomicLong();
        handler = ex -> stream(ex, 0, total, written); // chunked: no Content-Length
        RegistrySettings s = settings(null, null);
        assertEquals(8L << 20, s.maxResponseBytes(), "the default limit");
        long t0 = System.nanoTime();
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> client(s).schemaById(66));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(Reason.IO_ERROR, e.reason());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("refused after reading (\\d+) bytes").matcher(e.getMessage());
        assertTrue(m.find(), e.getMessage());
        long read = Long.parseLong(m.group(1));
        assertTrue(e.getMessage().contains("passed the limit of 8388608 bytes"), e.getMessage());
        assertTrue(read > s.maxResponseBytes() && read <= s.maxResponseBytes() + (64 << 10), "read " + read);
        assertEquals(1, requests.get(), "an oversize answer is not retried");
        Thread.sleep(200);
        System.out.println("300 MB answer: refused after the client read " + read + " bytes, in " + ms
                + " ms; the server had written " + written.get() + " bytes when the connection closed");
        assertTrue(ms < 5_000, ms + " ms");
        assertTrue(written.get() < 64L << 20, "the server could write only " + written.get() + " bytes: the client"
                + " stopped reading instead of draining 300 MB");

        // declared by Content-Length: refused before the body is read
        requests.set(0);
        AtomicLong written2 = new AtomicLong();
        handler = ex -> stream(ex, total, total, written2);
        DeepMergeException declared = assertThrows(DeepMergeException.class, () -> client(s).schemaById(67));
        assertEquals(Reason.IO_ERROR, declared.reason());
        assertTrue(declared.getMessage().contains("declares Content-Length 314572800 bytes, more than the limit"),
                declared.getMessage());
        assertEquals(1, requests.get());
    }

    @Test
    void anAnswerThatNeverEndsTimesOutPerAttempt() throws Exception {
        handler = ex -> {
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                for (int i = 0; i < 100; i++) {
                    out.write('{');
                    out.flush();
                    Thread.sleep(100);
                }
            } catch (IOException | InterruptedException gone) {
                // client gave up
            }
        };
        RegistrySettings s = settings(null, null).withTimeout(Duration.ofMillis(600)).withRetries(2, Duration.ofMillis(1));
        long t0 = System.nanoTime();
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> client(s).schemaById(1));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(Reason.IO_ERROR, e.reason());
        assertTrue(e.getMessage().contains("gave up after 2 attempts") && e.getMessage().contains("no complete answer"
                + " within 600 ms"), e.getMessage());
        assertEquals(2, requests.get());
        assertTrue(ms < 4_000, "bounded by attempts x timeout, took " + ms + " ms");
    }

    /** The secret in every form it is sent. */
    private static void assertNoSecret(Object o) {
        String s = String.valueOf(o);
        assertFalse(s.contains(PASSWORD), s);
        assertFalse(s.contains(BASIC.substring("Basic ".length())), s);
    }

    private static void assertNoSecretIn(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            assertNoSecret(t.getMessage());
            assertNoSecret(t.toString());
        }
    }

    @Test
    void credentialsAppearInNoMessageWhateverFails() throws Exception {
        String secretUrl = url().replace("://", "://alice:" + PASSWORD + "@");
        RegistrySettings s = RegistrySettings.parse(secretUrl).withRetries(2, Duration.ofMillis(1))
                .withMaxResponseBytes(4096);
        assertNoSecret(s);
        assertNoSecret(s.auth());
        assertNoSecret(s.url());
        SchemaRegistryClient c = client(s);
        assertNoSecret(c);
        // a hostile or misconfigured server echoing the request's credentials into its error bodies
        Map<Integer, Integer> statusById = Map.of(1, 404, 2, 503, 3, 401, 4, 200, 5, 400);
        handler = ex -> {
            int id = Integer.parseInt(ex.getRequestURI().getPath().replaceAll(".*/", ""));
            String echo = "{\"message\":\"you sent " + ex.getRequestHeaders().getFirst("Authorization") + " = "
                    + USER_INFO + "\"}";
            if (id == 6) {
                stream(ex, 0, 1 << 20, new AtomicLong());
            } else {
                respond(ex, statusById.get(id), echo);
            }
        };
        for (int id = 1; id <= 6; id++) {
            int i = id;
            DeepMergeException e = assertThrows(DeepMergeException.class, () -> c.schemaById(i));
            assertNoSecretIn(e);
            assertTrue(e.getMessage().contains(url()), e.getMessage());
            DeepMergeException cached = assertThrows(DeepMergeException.class, () -> c.schemaById(i));
            assertTrue(cached.getMessage().startsWith("cached failure"), cached.getMessage());
            assertNoSecretIn(cached);
        }
        DeepMergeException r = assertThrows(DeepMergeException.class, () -> c.register("x-value", SCHEMA));
        assertNoSecretIn(r);

        // invalid settings name what is wrong, never the secret
        for (String bad : List.of(secretUrl + "?x=1", secretUrl.replace("http:", "ftp:"), "http://alice:" + PASSWORD + "@:80:x")) {
            DeepMergeException e = assertThrows(DeepMergeException.class, () -> RegistrySettings.parse(bad));
            assertEquals(Reason.INVALID_CONFIG, e.reason());
            assertNoSecretIn(e);
        }
        DeepMergeException twice = assertThrows(DeepMergeException.class, () -> RegistrySettings.parse(secretUrl, USER_INFO, null));
        assertTrue(twice.getMessage().contains("give one kind of credentials"), twice.getMessage());
        assertNoSecretIn(twice);
        assertNoSecretIn(assertThrows(DeepMergeException.class, () -> RegistrySettings.parse(url(), USER_INFO, "tok")));
        assertNoSecretIn(assertThrows(IllegalArgumentException.class, () -> RegistryAuth.basic(PASSWORD)));
        assertNoSecretIn(assertThrows(IllegalArgumentException.class, () -> RegistryAuth.bearer(PASSWORD + " x")));
    }

    @Test
    void settingsAreValidatedAndBackoffDoublesUpToItsCap() throws Exception {
        RegistrySettings d = RegistrySettings.parse("https://registry.example.org/api/");
        assertEquals("https://registry.example.org/api", d.url().toString());
        assertEquals(RegistryAuth.none(), d.auth());
        assertEquals(Duration.ofMillis(250), d.backoffBefore(1));
        assertEquals(Duration.ofMillis(500), d.backoffBefore(2));
        assertEquals(RegistrySettings.MAX_BACKOFF, d.withRetries(10, Duration.ofSeconds(20)).backoffBefore(3));
        assertEquals(Duration.ofMillis(30_750), d.maxRequestTime(), "3 x 10 s + 250 ms + 500 ms");
        assertThrows(IllegalArgumentException.class, () -> d.withRetries(0, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> d.withRetries(11, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> d.withMaxResponseBytes(10));
        assertThrows(IllegalArgumentException.class, () -> d.withTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> d.withNegativeCacheTtl(Duration.ofSeconds(-1), Duration.ZERO));
        assertEquals(Reason.INVALID_CONFIG, assertThrows(DeepMergeException.class, () -> RegistrySettings.parse("")).reason());
        assertEquals(Reason.INVALID_CONFIG, assertThrows(DeepMergeException.class,
                () -> RegistrySettings.parse("file:///tmp")).reason());
        assertNull(RegistrySettings.redactUrl(null));
        assertEquals("https://[hidden]@h:1/p?a=b@c", RegistrySettings.redactUrl("https://u:p@h:1/p?a=b@c"));
    }
}
