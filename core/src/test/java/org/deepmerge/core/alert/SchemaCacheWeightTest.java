package org.deepmerge.core.alert;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.testing.HostileInputs;
import org.junit.jupiter.api.Test;

/** Writer-schema caches are bounded by (estimated) bytes, whatever the producers send. */
class SchemaCacheWeightTest {

    @Test
    void manyDistinctLargeWriterSchemasKeepTheContainerCacheUnderItsBound() throws Exception {
        AlertReader reader = new AlertReader(null);
        for (int i = 0; i < 20; i++) {
            byte[] alert = HostileInputs.largeSchema(i, 1_250_000);
            // a Cutout-named schema without the Cutout fields: the schema is parsed and cached, the record rejected
            assertThrows(DeepMergeException.class, () -> reader.readAll(alert));
            long weight = reader.containerCacheWeight();
            assertTrue(weight <= SchemaWeights.DEFAULT_MAX_BYTES, "after " + (i + 1) + " schemas the cache holds "
                    + weight + " bytes, above its bound of " + SchemaWeights.DEFAULT_MAX_BYTES);
        }
    }

    @Test
    void projectedReadersOfManyDistinctLargeWriterSchemasStayUnderTheirBound() throws Exception {
        ProjectedReaders readers = new ProjectedReaders(w -> ProjectedReaders.HISTORY_FIELDS, 8L << 20);
        for (int i = 0; i < 10; i++) {
            org.apache.avro.Schema writer = new org.apache.avro.Schema.Parser().parse(
                    "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"v" + i + "\",\"doc\":\""
                            + "x".repeat(200_000) + "\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}");
            org.apache.avro.generic.GenericRecord rec = readers.read(writer,
                    org.apache.avro.io.DecoderFactory.get().binaryDecoder(new byte[] {2}, null));
            assertTrue(Integer.valueOf(1).equals(rec.get("a")), rec.toString());
            assertTrue(readers.cachedWeight() <= 8L << 20, "after " + (i + 1) + ": " + readers.cachedWeight());
        }
    }
}
