package org.deepmerge.streams.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.avro.Schema;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * A minimal client of the Confluent Schema Registry REST API (also served by Apicurio's and Karapace's
 * compatibility endpoints): register a schema under a subject and fetch a schema by id. Uses
 * {@code java.net.http}; content type {@code application/vnd.schemaregistry.v1+json}.
 */
public final class SchemaRegistryClient {
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** @param baseUrl registry base URL, e.g. {@code http://localhost:8081} */
    public SchemaRegistryClient(String baseUrl) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    /**
     * {@code POST /subjects/{subject}/versions}: registers the schema (idempotent: an identical schema gets its
     * existing id).
     *
     * @param subject e.g. {@code merger-scores-value}
     * @param schema  the Avro schema
     * @return the registry's schema id
     * @throws DeepMergeException IO_ERROR when the registry is unreachable or answers with an error
     */
    public int register(String subject, Schema schema) throws DeepMergeException {
        String body = JSON.createObjectNode().put("schema", schema.toString()).toString();
        JsonNode r = call(HttpRequest.newBuilder(URI.create(baseUrl + "/subjects/"
                        + URLEncoder.encode(subject, StandardCharsets.UTF_8) + "/versions"))
                .header("Content-Type", CONTENT_TYPE)
                .POST(HttpRequest.BodyPublishers.ofString(body)), "register subject " + subject);
        if (!r.has("id")) {
            throw new DeepMergeException(Reason.IO_ERROR, "schema registry " + baseUrl + " answered without an id: " + r);
        }
        return r.get("id").asInt();
    }

    /**
     * {@code GET /schemas/ids/{id}}.
     *
     * @param id schema id
     * @return the parsed Avro schema
     * @throws DeepMergeException UNKNOWN_SCHEMA when the registry has no such id, IO_ERROR when unreachable
     */
    public Schema schemaById(int id) throws DeepMergeException {
        JsonNode r = call(HttpRequest.newBuilder(URI.create(baseUrl + "/schemas/ids/" + id)).GET(), "schema id " + id);
        return new Schema.Parser().parse(r.get("schema").asText());
    }

    private JsonNode call(HttpRequest.Builder req, String what) throws DeepMergeException {
        try {
            HttpResponse<String> resp = http.send(req.timeout(Duration.ofSeconds(30)).header("Accept", CONTENT_TYPE).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() == 404) {
                throw new DeepMergeException(Reason.UNKNOWN_SCHEMA, "schema registry " + baseUrl + " has no " + what
                        + ": " + resp.body());
            }
            if (resp.statusCode() / 100 != 2) {
                throw new DeepMergeException(Reason.IO_ERROR, "schema registry " + baseUrl + " refused " + what
                        + ": HTTP " + resp.statusCode() + " " + resp.body());
            }
            return JSON.readTree(resp.body());
        } catch (IOException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "schema registry " + baseUrl + " unreachable (" + what + "): "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeepMergeException(Reason.IO_ERROR, "interrupted talking to schema registry " + baseUrl, e);
        }
    }
}
