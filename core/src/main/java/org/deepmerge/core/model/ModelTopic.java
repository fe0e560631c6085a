package org.deepmerge.core.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.message.MissingSchemaException;
import org.deepmerge.avro.v1.ModelArtifact;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * The model-topic protocol, the one definition that the training module's publisher and the scorer's follower
 * share (docs/model-publishing.md): a compacted Kafka topic, {@value #DEFAULT_TOPIC} by default, holding one record
 * per published model version with key = the model name (UTF-8), so compaction keeps the latest artifact of every
 * model, and value = a {@link ModelArtifact} (schemas/model_artifact.avsc) in Avro single-object encoding (magic
 * {@code C3 01}, the schema's CRC-64-AVRO fingerprint, Avro binary). No headers. The Kafka types stay with the
 * publisher and the follower; this class holds the names, sizes and the value encoding.
 */
public final class ModelTopic {
    /** Default topic name. */
    public static final String DEFAULT_TOPIC = "deepmerge.models";
    /** {@code cleanup.policy} the topic must have: followers find the latest artifact of every model from the start. */
    public static final String CLEANUP_POLICY = "compact";
    /**
     * {@code max.message.bytes} of a model topic the publisher creates: 16 MiB, room for the ~1 MB DeepMerge model
     * (174,801 float32 parameters = 0.7 MB) and much larger networks. Kafka's broker default is ~1 MiB.
     */
    public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
    /** Record overhead allowed beyond the encoded value when checking size limits (key, batch header). */
    public static final int RECORD_OVERHEAD_BYTES = 64 * 1024;

    private ModelTopic() {
    }

    /**
     * @param modelName the model name
     * @return the record key: the name in UTF-8
     */
    public static byte[] key(String modelName) {
        return modelName.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param key       a record key (null for none)
     * @param modelName a model name
     * @return true when the record is an artifact of that model
     */
    public static boolean isKeyOf(byte[] key, String modelName) {
        return key != null && Arrays.equals(key, key(modelName));
    }

    /**
     * @param artifact an artifact
     * @return the record value: Avro single-object encoding
     * @throws DeepMergeException IO_ERROR when Avro cannot encode it (e.g. a required field null: Avro reports
     *                            that as a NullPointerException naming the field)
     */
    public static byte[] encode(ModelArtifact artifact) throws DeepMergeException {
        try {
            ByteBuffer b = artifact.toByteBuffer();
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (IOException | RuntimeException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot encode the ModelArtifact record: " + e, e);
        }
    }

    /**
     * @param value a record value
     * @return the artifact
     * @throws DeepMergeException UNKNOWN_SCHEMA when the value is the single-object encoding of another schema;
     *                            INVALID_MODEL when it is not a decodable ModelArtifact
     */
    public static ModelArtifact decode(byte[] value) throws DeepMergeException {
        try {
            return ModelArtifact.fromByteBuffer(ByteBuffer.wrap(value));
        } catch (MissingSchemaException e) {
            throw new DeepMergeException(Reason.UNKNOWN_SCHEMA, "record is not a ModelArtifact (unknown Avro "
                    + "single-object schema fingerprint): " + e.getMessage(), e);
        } catch (IOException | AvroRuntimeException e) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "record is not a decodable ModelArtifact: " + e, e);
        }
    }
}
