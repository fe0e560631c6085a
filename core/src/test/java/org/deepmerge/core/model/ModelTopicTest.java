package org.deepmerge.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.apache.avro.SchemaNormalization;
import org.deepmerge.avro.v1.ModelArtifact;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.junit.jupiter.api.Test;

class ModelTopicTest {

    private static ModelArtifact artifact() {
        return ModelArtifact.newBuilder().setName("deepmerge-da").setVersion("1.2.0").setSha256("ab".repeat(32))
                .setOnnx(ByteBuffer.wrap(new byte[] {8, 7, 1, 2})).setModelCardJson("{\"name\":\"deepmerge-da\"}")
                .setCreatedAt(Instant.ofEpochMilli(1_700_000_000_000L)).setProducer("test")
                .setContract(Map.of(ModelContract.KEY_MODEL_NAME, "deepmerge-da")).build();
    }

    @Test
    void valuesAreAvroSingleObjectsThatDecodeBack() throws Exception {
        ModelArtifact a = artifact();
        byte[] value = ModelTopic.encode(a);
        assertEquals((byte) 0xC3, value[0], "single-object magic");
        assertEquals((byte) 0x01, value[1]);
        long fingerprint = SchemaNormalization.parsingFingerprint64(ModelArtifact.getClassSchema());
        assertEquals(fingerprint, ByteBuffer.wrap(value, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(),
                "CRC-64-AVRO fingerprint of the ModelArtifact schema");
        assertEquals(a, ModelTopic.decode(value));
    }

    @Test
    void keysAreTheModelNameInUtf8() {
        assertArrayEquals("deepmerge-da".getBytes(StandardCharsets.UTF_8), ModelTopic.key("deepmerge-da"));
        assertTrue(ModelTopic.isKeyOf(ModelTopic.key("galaxy-é"), "galaxy-é"));
        assertFalse(ModelTopic.isKeyOf(ModelTopic.key("deepmerge-da"), "deepmerge"));
        assertFalse(ModelTopic.isKeyOf(null, "deepmerge-da"), "tombstones and keyless records are no artifact");
    }

    @Test
    void otherRecordsAreRefusedWithAReason() throws Exception {
        ByteBuffer b = org.deepmerge.avro.v1.Classification.newBuilder().setClassName("merger").setProbability(0.5f)
                .build().toByteBuffer();
        byte[] other = new byte[b.remaining()];
        b.get(other);
        assertEquals(Reason.UNKNOWN_SCHEMA, assertThrows(DeepMergeException.class, () -> ModelTopic.decode(other)).reason());
        assertEquals(Reason.INVALID_MODEL, assertThrows(DeepMergeException.class,
                () -> ModelTopic.decode(new byte[] {1, 2, 3})).reason());
        byte[] truncated = java.util.Arrays.copyOf(ModelTopic.encode(artifact()), 14);
        assertEquals(Reason.INVALID_MODEL, assertThrows(DeepMergeException.class, () -> ModelTopic.decode(truncated)).reason());
        assertEquals(Reason.IO_ERROR, assertThrows(DeepMergeException.class,
                () -> ModelTopic.encode(new ModelArtifact())).reason(), "required fields unset");
    }

    @Test
    void theSchemaDocumentsTheDefaultTopic() {
        assertTrue(ModelArtifact.getClassSchema().getDoc().contains(ModelTopic.DEFAULT_TOPIC + ", key = model name"),
                ModelArtifact.getClassSchema().getDoc());
        assertEquals("compact", ModelTopic.CLEANUP_POLICY);
    }
}
