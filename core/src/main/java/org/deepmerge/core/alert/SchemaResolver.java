package org.deepmerge.core.alert;

import org.apache.avro.Schema;
import org.deepmerge.core.DeepMergeException;

/** Finds the Avro writer schema of a Confluent wire-format message by its schema id. */
public interface SchemaResolver {
    /**
     * @param schemaId the 4-byte big-endian id after the 0x00 magic byte (Rubin: MAJOR*100+MINOR)
     * @return the writer schema
     * @throws DeepMergeException UNKNOWN_SCHEMA when no schema has that id
     */
    Schema schemaById(int schemaId) throws DeepMergeException;
}
