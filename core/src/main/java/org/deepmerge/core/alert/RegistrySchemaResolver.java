package org.deepmerge.core.alert;

import com.github.benmanes.caffeine.cache.Cache;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import org.apache.avro.Schema;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.registry.RegistrySettings;
import org.deepmerge.core.registry.SchemaRegistryClient;

/**
 * Writer schemas by id from a Confluent-compatible schema registry (e.g. Rubin's alert registry), through the one
 * {@link SchemaRegistryClient} ({@code GET {url}/schemas/ids/{id}}; its limits, retries, negative cache and
 * credentials are those of its {@link RegistrySettings}). Every schema found is cached for the life of this object
 * (registry ids are immutable) while the cache's estimated bytes stay within its bound
 * ({@link #DEFAULT_MAX_CACHE_BYTES}; an evicted schema is fetched again when next needed). Thread-safe.
 *
 * <p>Only self-contained Avro schemas are supported: a {@code schemaType} other than AVRO, or schema
 * {@code references}, give UNKNOWN_SCHEMA.
 */
public final class RegistrySchemaResolver implements SchemaResolver {
    /** Default per-attempt timeout ({@link RegistrySettings#DEFAULT_TIMEOUT}). */
    public static final Duration DEFAULT_TIMEOUT = RegistrySettings.DEFAULT_TIMEOUT;
    /**
     * Default bound of the schema cache: 32 MiB of estimated heap (16 bytes per byte of schema JSON text); distinct
     * large schemas beyond it evict the least useful ones instead of growing the heap.
     */
    public static final long DEFAULT_MAX_CACHE_BYTES = SchemaWeights.DEFAULT_MAX_BYTES;

    private final SchemaRegistryClient client;
    private final Cache<Integer, Weighed> cache;

    /** A parsed schema and its estimated footprint. */
    private record Weighed(Schema schema, int weight) {
    }

    /**
     * @param baseUrl registry root, e.g. {@code https://usdf-alert-schemas-dev.slac.stanford.edu}; user info in it
     *                ({@code https://user:password@host}) is used as basic-auth credentials and removed from the URL
     * @throws DeepMergeException INVALID_CONFIG when the URL is not http(s)
     */
    public RegistrySchemaResolver(URI baseUrl) throws DeepMergeException {
        this(RegistrySettings.parse(Objects.requireNonNull(baseUrl, "baseUrl").toString()));
    }

    /**
     * @param baseUrl registry root (http or https)
     * @param timeout per-attempt timeout, connect to last body byte
     * @throws DeepMergeException INVALID_CONFIG when the URL is not http(s) or the timeout not positive
     */
    public RegistrySchemaResolver(URI baseUrl, Duration timeout) throws DeepMergeException {
        this(withTimeout(RegistrySettings.parse(Objects.requireNonNull(baseUrl, "baseUrl").toString()), timeout));
    }

    /** @param settings where and how to reach the registry */
    public RegistrySchemaResolver(RegistrySettings settings) {
        this(new SchemaRegistryClient(settings));
    }

    /** @param client the registry client to fetch schemas with */
    public RegistrySchemaResolver(SchemaRegistryClient client) {
        this.client = Objects.requireNonNull(client, "client");
        this.cache = SchemaWeights.cache(DEFAULT_MAX_CACHE_BYTES, (Integer id, Weighed w) -> w.weight());
    }

    private static RegistrySettings withTimeout(RegistrySettings s, Duration timeout) throws DeepMergeException {
        try {
            return s.withTimeout(Objects.requireNonNull(timeout, "timeout"));
        } catch (IllegalArgumentException e) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, e.getMessage(), e);
        }
    }

    /**
     * @param schemaId Confluent schema id
     * @return the writer schema, from the cache after the first successful request
     * @throws DeepMergeException as {@link SchemaRegistryClient#schemaById}: UNKNOWN_SCHEMA for a 404 or an answer
     *                            that is not an Avro schema; IO_ERROR when the registry cannot be reached, times out,
     *                            answers 5xx on every attempt, refuses the credentials or answers too much
     */
    @Override
    public Schema schemaById(int schemaId) throws DeepMergeException {
        Weighed cached = cache.getIfPresent(schemaId);
        if (cached != null) {
            return cached.schema();
        }
        Schema schema = client.schemaById(schemaId);
        Weighed raced = cache.asMap().putIfAbsent(schemaId,
                new Weighed(schema, SchemaWeights.weigh(schema.toString().length())));
        return raced == null ? schema : raced.schema();
    }

    /** @return the registry client */
    public SchemaRegistryClient client() {
        return client;
    }

    @Override
    public String toString() {
        return "RegistrySchemaResolver[" + client.settings().url() + ", " + client.settings().auth() + "]";
    }
}
