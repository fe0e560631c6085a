package org.deepmerge.core.alert;

import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.avro.Schema;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.registry.RegistrySettings;

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
     * @param location an {@code http(s)://} registry URL ({@link RegistrySchemaResolver} with the default
     *                 {@link RegistrySettings}; user info in the URL is used as basic-auth credentials) or a directory
     *                 path ({@link LocalSchemaDirectory})
     * @return the resolver
     * @throws DeepMergeException INVALID_CONFIG for an empty location or bad URL, IO_ERROR for a missing directory
     */
    static SchemaResolver forLocation(String location) throws DeepMergeException {
        if (location == null || location.isBlank()) {
            throw new DeepMergeException(Reason.INVALID_CONFIG, "schema location is empty (give a registry URL or a directory)");
        }
        String l = location.trim();
        if (l.startsWith("http://") || l.startsWith("https://")) {
            return new RegistrySchemaResolver(RegistrySettings.parse(l));
        }
        return new LocalSchemaDirectory(Paths.get(l));
    }

    /**
     * The schema directory first, then the registry: an id the directory does not hold (UNKNOWN_SCHEMA) is asked of
     * the registry; any other failure of the directory is thrown as is.
     *
     * @param directory    a schema directory ({@link LocalSchemaDirectory}), or null
     * @param registry     a registry, or null
     * @param unconfigured what to tell the user when both are null (how to configure one), ends the UNKNOWN_SCHEMA
     *                     message thrown for every id then
     * @return the resolver
     * @throws DeepMergeException IO_ERROR when the directory cannot be read
     */
    static SchemaResolver directoryThenRegistry(Path directory, RegistrySettings registry, String unconfigured)
            throws DeepMergeException {
        SchemaResolver dir = directory == null ? null : new LocalSchemaDirectory(directory);
        SchemaResolver reg = registry == null ? null : new RegistrySchemaResolver(registry);
        return id -> {
            if (dir != null) {
                try {
                    return dir.schemaById(id);
                } catch (DeepMergeException e) {
                    if (reg == null || e.reason() != Reason.UNKNOWN_SCHEMA) {
                        throw e;
                    }
                }
            }
            if (reg != null) {
                return reg.schemaById(id);
            }
            throw new DeepMergeException(Reason.UNKNOWN_SCHEMA, "Confluent schema id " + id + " unknown: "
                    + unconfigured);
        };
    }
}
