package org.deepmerge.core.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParser;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The project's one client of the Confluent Schema Registry REST API (Confluent Schema Registry API reference; also
 * served by Karapace and Apicurio's Confluent-compatible API): fetch a schema by id ({@code GET /schemas/ids/{id}},
 * answer {@code {"schema": "<schema JSON as a string>"}}) and register one under a subject
 * ({@code POST /subjects/{subject}/versions}, answer {@code {"id": N}}). Uses the JDK {@link HttpClient}, content type
 * {@code application/vnd.schemaregistry.v1+json}. Thread-safe.
 *
 * <p>Limits ({@link RegistrySettings}):
 * <ul>
 *   <li>each attempt, connect to last body byte, within {@link RegistrySettings#timeout()};</li>
 *   <li>at most {@link RegistrySettings#maxResponseBytes()} body bytes read per answer (a larger answer is refused as
 *       soon as it passes the limit: IO_ERROR, not retried);</li>
 *   <li>HTTP 408, 429, 5xx, timeouts and connection failures are retried up to {@link RegistrySettings#maxAttempts()}
 *       attempts with exponential backoff; other statuses are not retried;</li>
 *   <li>a failure is remembered per schema id or subject (negative cache, at most {@value #MAX_REMEMBERED_FAILURES}
 *       entries): UNKNOWN_SCHEMA for {@link RegistrySettings#notFoundTtl()}, any other for
 *       {@link RegistrySettings#unavailableTtl()}; within that time the same request fails at once with the same
 *       reason and a message starting {@code cached failure until <instant>}.</li>
 * </ul>
 * Credentials ({@link RegistryAuth}) are sent as the {@code Authorization} header only; they appear in no message,
 * and text echoed by the server is redacted. Redirects are followed only when no credentials are configured, so a
 * redirect cannot carry them to another host.
 *
 * <p>Successful lookups are not cached here; {@code core.alert.RegistrySchemaResolver} caches schemas by id.
 */
public final class SchemaRegistryClient {
    /** Content type of Schema Registry requests and answers. */
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    /** Most distinct failures (ids, subjects) remembered at once; the least recent are forgotten beyond. */
    public static final int MAX_REMEMBERED_FAILURES = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int EXCERPT_CHARS = 200;

    private final RegistrySettings settings;
    private final HttpClient http;
    private final Clock clock;
    private final Cache<String, Failure> failures;

    /** A remembered failure. */
    private record Failure(Reason reason, String message, Instant until) {
    }

    /** A complete answer: status and body (at most the limit). */
    private record Answer(int status, byte[] body) {
    }

    /** @param settings where and how to reach the registry */
    public SchemaRegistryClient(RegistrySettings settings) {
        this(settings, Clock.systemUTC());
    }

    /**
     * @param settings where and how to reach the registry
     * @param clock    time of the negative cache
     */
    SchemaRegistryClient(RegistrySettings settings, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.http = HttpClient.newBuilder().connectTimeout(settings.timeout())
                .followRedirects(settings.auth().kind() == RegistryAuth.Kind.NONE
                        ? HttpClient.Redirect.NORMAL : HttpClient.Redirect.NEVER)
                .build();
        Duration longest = settings.notFoundTtl().compareTo(settings.unavailableTtl()) > 0
                ? settings.notFoundTtl() : settings.unavailableTtl();
        this.failures = Caffeine.newBuilder().maximumSize(MAX_REMEMBERED_FAILURES)
                .expireAfterWrite(longest.plusSeconds(1))
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                .executor(Runnable::run).build();
    }

    /** @return the settings (without secrets in their {@code toString}) */
    public RegistrySettings settings() {
        return settings;
    }

    /**
     * {@code GET {url}/schemas/ids/{id}}: the Avro schema registered under a global id.
     *
     * @param id schema id
     * @return the parsed schema (not cached: every call not answered by the negative cache is a request)
     * @throws DeepMergeException UNKNOWN_SCHEMA when the registry answers 404, or an answer that is not a
     *                            self-contained Avro schema (no {@code schema} string, another {@code schemaType},
     *                            {@code references}, unparseable); IO_ERROR when it cannot be reached, times out or
     *                            answers 408/429/5xx on every attempt, refuses the credentials (401, 403), answers more
     *                            than the response limit or any other status; either reason from the negative cache
     */
    public Schema schemaById(int id) throws DeepMergeException {
        String key = "schema id " + id;
        Failure cached = remembered(key);
        if (cached != null) {
            throw cachedFailure(cached);
        }
        try {
            URI uri = URI.create(settings.url() + "/schemas/ids/" + id);
            Answer a = exchange(uri, key, () -> request(uri).GET().build());
            if (a.status() == 404) {
                throw fail(Reason.UNKNOWN_SCHEMA, uri + " has no " + key + " (HTTP 404: " + excerpt(a.body()) + ")", null);
            }
            requireSuccess(a, uri, key);
            return parseSchema(a.body(), uri);
        } catch (DeepMergeException e) {
            remember(key, e);
            throw e;
        }
    }

    /**
     * {@code POST {url}/subjects/{subject}/versions}: registers an Avro schema under a subject; idempotent (an
     * identical schema gets its existing id), so it is retried like a lookup.
     *
     * @param subject e.g. {@code merger-scores-value}
     * @param schema  the Avro schema
     * @return the registry's global schema id
     * @throws DeepMergeException IO_ERROR when the registry cannot be reached or times out on every attempt, refuses
     *                            the schema (e.g. 409 incompatible, 422 invalid) or the credentials, answers more than
     *                            the response limit or without an integer {@code id}; also from the negative cache
     */
    public int register(String subject, Schema schema) throws DeepMergeException {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(schema, "schema");
        String key = "subject " + subject;
        Failure cached = remembered(key);
        if (cached != null) {
            throw cachedFailure(cached);
        }
        try {
            URI uri = URI.create(settings.url() + "/subjects/"
                    + URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20") + "/versions");
            String body = JSON.createObjectNode().put("schema", schema.toString()).toString();
            Answer a = exchange(uri, "register " + key, () -> request(uri).header("Content-Type", CONTENT_TYPE)
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build());
            requireSuccess(a, uri, "register " + key);
            JsonNode id;
            try {
                id = JSON.readTree(a.body()).get("id");
            } catch (IOException e) {
                id = null;
            }
            if (id == null || !id.canConvertToInt()) {
                throw fail(Reason.IO_ERROR, uri + " answered without an integer \"id\": " + excerpt(a.body()), null);
            }
            return id.asInt();
        } catch (DeepMergeException e) {
            remember(key, e);
            throw e;
        }
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(settings.timeout())
                .header("Accept", CONTENT_TYPE + ", application/json");
        settings.auth().authorization().ifPresent(v -> b.header("Authorization", v));
        return b;
    }

    /**
     * Sends a request, retrying 408, 429, 5xx, timeouts and connection failures.
     *
     * @return the first answer that is not retried
     */
    private Answer exchange(URI uri, String what, Supplier<HttpRequest> request) throws DeepMergeException {
        long start = System.nanoTime();
        for (int attempt = 1; ; attempt++) {
            String failure;
            Throwable cause;
            try {
                Answer a = once(request.get());
                if (!retried(a.status())) {
                    return a;
                }
                failure = "HTTP " + a.status() + " " + excerpt(a.body());
                cause = null;
            } catch (BoundedBody.TooLarge e) {
                throw fail(Reason.IO_ERROR, uri + " (" + what + "): " + e.getMessage() + "; refused", e);
            } catch (HttpTimeoutException | TimeoutException e) {
                failure = "no complete answer within " + settings.timeout().toMillis() + " ms";
                cause = e;
            } catch (IOException e) {
                failure = "unreachable (" + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")";
                cause = e;
            }
            if (attempt >= settings.maxAttempts()) {
                throw fail(Reason.IO_ERROR, uri + " (" + what + "): gave up after " + attempt + " attempt"
                        + (attempt == 1 ? "" : "s") + " in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
                        + " ms; last: " + failure, cause);
            }
            Duration wait = settings.backoffBefore(attempt);
            LOG.debug("schema registry {} ({}): attempt {} of {} failed ({}); retrying in {} ms", uri, what, attempt,
                    settings.maxAttempts(), failure, wait.toMillis());
            try {
                Thread.sleep(wait.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw fail(Reason.IO_ERROR, uri + " (" + what + "): interrupted while waiting to retry", e);
            }
        }
    }

    /** One attempt, bounded in time (whole exchange) and in body bytes. */
    private Answer once(HttpRequest request) throws IOException, TimeoutException, DeepMergeException {
        CompletableFuture<HttpResponse<byte[]>> f = http.sendAsync(request, new BoundedBody(settings.maxResponseBytes()));
        try {
            HttpResponse<byte[]> r = f.get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
            return new Answer(r.statusCode(), r.body());
        } catch (TimeoutException e) {
            f.cancel(true);
            throw e;
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw fail(Reason.IO_ERROR, request.uri() + ": interrupted", e);
        } catch (ExecutionException e) {
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                if (c instanceof BoundedBody.TooLarge tooLarge) {
                    throw tooLarge;
                }
            }
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(String.valueOf(e.getCause()), e.getCause());
        }
    }

    private static boolean retried(int status) {
        return status == 408 || status == 429 || status >= 500;
    }

    private void requireSuccess(Answer a, URI uri, String what) throws DeepMergeException {
        int s = a.status();
        if (s / 100 == 2) {
            return;
        }
        if (s == 401 || s == 403) {
            throw fail(Reason.IO_ERROR, uri + " (" + what + ") refused the credentials: HTTP " + s
                    + (settings.auth().kind() == RegistryAuth.Kind.NONE
                    ? " and no credentials are configured (basic auth user info or bearer token)"
                    : " with " + settings.auth() + "; check the registry credentials")
                    + " (" + excerpt(a.body()) + ")", null);
        }
        String redirect = s / 100 == 3 && settings.auth().kind() != RegistryAuth.Kind.NONE
                ? " (redirects are not followed when credentials are configured: use the final URL)" : "";
        throw fail(Reason.IO_ERROR, uri + " (" + what + ") answered HTTP " + s + redirect + ": " + excerpt(a.body()), null);
    }

    /**
     * @return the Avro schema of a {@code GET /schemas/ids/{id}} answer
     * @throws DeepMergeException UNKNOWN_SCHEMA when the answer is not a self-contained Avro schema
     */
    private Schema parseSchema(byte[] body, URI uri) throws DeepMergeException {
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (IOException e) {
            throw fail(Reason.UNKNOWN_SCHEMA, uri + " answered something that is not JSON: " + excerpt(body), null);
        }
        if (node == null || !node.isObject()) {
            throw fail(Reason.UNKNOWN_SCHEMA, uri + " answered JSON that is not an object", null);
        }
        JsonNode type = node.get("schemaType");
        if (type != null && !"AVRO".equalsIgnoreCase(type.asText())) {
            throw fail(Reason.UNKNOWN_SCHEMA, uri + " holds a " + quote(type.asText()) + " schema, not Avro", null);
        }
        JsonNode refs = node.get("references");
        if (refs != null && refs.size() > 0) {
            throw fail(Reason.UNKNOWN_SCHEMA, uri + " uses schema references, which are not supported", null);
        }
        JsonNode schema = node.get("schema");
        if (schema == null || !schema.isTextual()) {
            throw fail(Reason.UNKNOWN_SCHEMA, uri + " answered without a \"schema\" string: " + excerpt(body), null);
        }
        try {
            return SchemaParser.parseSingle(schema.asText());
        } catch (RuntimeException e) {
            throw fail(Reason.UNKNOWN_SCHEMA, uri + " answered a \"schema\" that is not an Avro schema: "
                    + quote(String.valueOf(e.getMessage())), null);
        } catch (StackOverflowError e) {
            throw fail(Reason.UNKNOWN_SCHEMA, uri + " answered an Avro schema nested too deeply to parse", null);
        }
    }

    /** @return an exception whose message has every trace of the credentials removed */
    private DeepMergeException fail(Reason reason, String message, Throwable cause) {
        return new DeepMergeException(reason, "schema registry " + settings.auth().redact(message), cause);
    }

    /**
     * @return the start of an answer's body, on one line, without the credentials (redacted before it is cut, over a
     *         window long enough to hold any secret starting within the excerpt)
     */
    private String excerpt(byte[] body) {
        if (body == null || body.length == 0) {
            return "empty body";
        }
        int window = 4 * (EXCERPT_CHARS + settings.auth().longestSecret());
        return quote(new String(body, 0, Math.min(body.length, window), StandardCharsets.UTF_8));
    }

    /** @return text from the server without the credentials, then on one line and at most {@value #EXCERPT_CHARS} chars */
    private String quote(String serverText) {
        String one = settings.auth().redact(serverText).replaceAll("\\p{Cntrl}+", " ");
        return one.length() > EXCERPT_CHARS ? one.substring(0, EXCERPT_CHARS) + "..." : one;
    }

    private Failure remembered(String key) {
        Failure f = failures.getIfPresent(key);
        if (f != null && !clock.instant().isBefore(f.until())) {
            failures.asMap().remove(key, f);
            return null;
        }
        return f;
    }

    private void remember(String key, DeepMergeException e) {
        if (e.getCause() instanceof InterruptedException) {
            return;
        }
        Duration ttl = e.reason() == Reason.UNKNOWN_SCHEMA ? settings.notFoundTtl() : settings.unavailableTtl();
        if (!ttl.isZero()) {
            failures.put(key, new Failure(e.reason(), e.getMessage(), clock.instant().plus(ttl)));
        }
    }

    private static DeepMergeException cachedFailure(Failure f) {
        return new DeepMergeException(f.reason(), "cached failure until " + f.until() + " (not asked again before"
                + " then): " + f.message());
    }

    /** @return the registry URL and the kind of credentials; never a secret */
    @Override
    public String toString() {
        return "SchemaRegistryClient[" + settings.url() + ", " + settings.auth() + "]";
    }
}
