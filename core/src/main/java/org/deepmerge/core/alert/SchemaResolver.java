package org.deepmerge.core.alert;

import java.net.URI;
import java.nio.file.Paths;
import org.apache.avro.Schema;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/** Finds the Avro writer schema of a Confluent wire-format message by its schema id. */
public interface SchemaResolver {
    /**
     * @param schemaId the 4-byte big-endian id after the 0x00 magic byte (Rubin: MAJOR*100+MINOR)
     * @return the writer schema
     * @throws DeepMergeException UNKNOWN_SCHEMA when no schema has that id
     */
    Schema schemaById(int schemaId) throws DeepMergeException;

    /**
     * One configuration value for where schemas live.
     *
     * @param location an {@code http(s)://} registry URL ({@link RegistrySchemaResolver}) or a directory path
     *                 ({@link LocalSchemaDirectory})
     * @return the resolver
     * @throws DeepMergeException INVALID_CONFIG for an empty location or bad URL, IO_ERROR for a missing directory
     */
    static SchemaResolver forLocation(String location) throws DeepMergeException {
        if (location == null || location.isBlank()) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "schema location is empty (give a registry URL or a directory)");
        }
        String l = location.trim();
        if (l.startsWith("http://") || l.startsWith("https://")) {
            try {
                return new RegistrySchemaResolver(URI.create(l));
            } catch (IllegalArgumentException e) {
                throw new DeepMergeException(Reason.INVALID_CONFIG, "schema registry URL " + l + " is invalid: " + e.getMessage(), e);
            }
        }
        return new LocalSchemaDirectory(Paths.get(l));
    }
}
