package org.deepmerge.core.alert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.avro.SchemaParser;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * Writer schemas by id from a Confluent-compatible schema registry (e.g. Rubin's alert registry):
 * {@code GET {baseUrl}/schemas/ids/{id}} returning {@code {"schema": "<schema JSON as a string>"}} (Confluent Schema
 * Registry API reference, "GET /schemas/ids/{int: id}"). Every schema found is cached for the life of this object
 * (registry ids are immutable) while the cache's estimated bytes stay within
 * its bound ({@link #DEFAULT_MAX_CACHE_BYTES}; an evicted schema is fetched again when next needed); failures are
 * not cached. Uses {@link HttpClient}; thread-safe.
 *
 * <p>Only self-contained Avro schemas are supported: a {@code schemaType} other than AVRO, or schema
 * {@code references}, give UNKNOWN_SCHEMA.
 */
public final class RegistrySchemaResolver implements SchemaResolver {
    /** Default connect and request timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI baseUrl;
    private final Duration timeout;
    private final HttpClient client;
    /**
     * Default bound of the schema cache: 32 MiB of estimated heap (16 bytes per byte of schema JSON text); distinct
     * large schemas beyond it evict the least useful ones instead of growing the heap.
     */
    public static final long DEFAULT_MAX_CACHE_BYTES = SchemaWeights.DEFAULT_MAX_BYTES;

    private final Cache<Integer, Weighed> cache;

    /** A parsed schema and its estimated footprint. */
    private record Weighed(Schema schema, int weight) {
    }

    /**
     * @param baseUrl registry root, e.g. {@code https://usdf-alert-schemas-dev.slac.stanford.edu}
     * @throws DeepMergeException INVALID_CONFIG when the URL is not http(s)
     */
    public RegistrySchemaResolver(URI baseUrl) throws DeepMergeException {
        this(baseUrl, DEFAULT_TIMEOUT);
    }

    /**
     * @param baseUrl registry root (http or https)
     * @param timeout connect timeout and per-request timeout
     * @throws DeepMergeException INVALID_CONFIG when the URL is not http(s) or the timeout not positive
     */
    public RegistrySchemaResolver(URI baseUrl, Duration timeout) throws DeepMergeException {
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(timeout, "timeout");
        String scheme = baseUrl.getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "schema registry URL " + baseUrl + " is not http(s)");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "schema registry timeout must be positive, got " + timeout);
        }
        String s = baseUrl.toString();
        this.baseUrl = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL).build();
        this.cache = SchemaWeights.cache(DEFAULT_MAX_CACHE_BYTES, (Integer id, Weighed w) -> w.weight());
    }

    /**
     * @param schemaId Confluent schema id
     * @return the writer schema, from the cache after the first successful request
     * @throws DeepMergeException UNKNOWN_SCHEMA when the registry answers 404 or a body that is not an Avro
     *                            schema; IO_ERROR when the registry cannot be reached, times out or answers
     *                            another error status
     */
    @Override
    public Schema schemaById(int schemaId) throws DeepMergeException {
        Weighed cached = cache.getIfPresent(schemaId);
        if (cached != null) {
            return cached.schema();
        }
        URI uri = URI.create(baseUrl + "/schemas/ids/" + schemaId);
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Accept", "application/vnd.schemaregistry.v1+json, application/json").GET().build();
        HttpResponse<String> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "schema registry " + uri + " timed out after " + timeout, e);
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "schema registry " + uri + " unreachable: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeepMergeException(Reason.IO_ERROR, "interrupted while fetching " + uri, e);
        }
        if (response.statusCode() == 404) {
            throw new DeepMergeException(Reason.UNKNOWN_SCHEMA, "schema registry has no schema id " + schemaId
                    + " (" + uri + " answered 404: " + abbreviate(response.body()) + ")");
        }
        if (response.statusCode() != 200) {
            throw new DeepMergeException(Reason.IO_ERROR, "schema registry " + uri + " answered HTTP "
                    + response.statusCode() + ": " + abbreviate(response.body()));
        }
        Schema schema = parse(response.body(), uri);
        Weighed raced = cache.asMap().putIfAbsent(schemaId, new Weighed(schema, SchemaWeights.weigh(response.body().length())));
        return raced == null ? schema : raced.schema();
    }

    private static Schema parse(String body, URI uri) throws DeepMergeException {
        try {
            JsonNode node = JSON.readTree(body);
            JsonNode type = node.get("schemaType");
            if (type != null && !"AVRO".equalsIgnoreCase(type.asText())) {
                throw new DeepMergeException(Reason.UNKNOWN_SCHEMA, uri + " holds a " + type.asText() + " schema, not Avro");
            }
            JsonNode refs = node.get("references");
            if (refs != null && refs.size() > 0) {
                throw new DeepMergeException(Reason.UNKNOWN_SCHEMA, uri + " uses schema references, which are not supported");
            }
            JsonNode schema = node.get("schema");
            if (schema == null || !schema.isTextual()) {
                throw new DeepMergeException(Reason.UNKNOWN_SCHEMA, uri + " answered without a \"schema\" string: "
                        + abbreviate(body));
            }
            return SchemaParser.parseSingle(schema.asText());
        } catch (IOException | SchemaParseException e) {
            throw new DeepMergeException(Reason.UNKNOWN_SCHEMA, uri + " answered something that is not a registry"
                    + " schema response: " + e.getMessage(), e);
        }
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    @Override
    public String toString() {
        return "RegistrySchemaResolver[" + baseUrl + "]";
    }
}
