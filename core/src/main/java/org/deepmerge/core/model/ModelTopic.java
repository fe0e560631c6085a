package org.deepmerge.core.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.message.MissingSchemaException;
import org.deepmerge.avro.v1.ModelArtifact;
import org.deepmerge.avro.v1.ModelLive;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * The model-topic protocol, the one definition that the publishers ({@code deepmerge-train publish},
 * {@code deepmerge models}) and the scorer's follower share (docs/model-publishing.md): a compacted Kafka topic,
 * {@value #DEFAULT_TOPIC} by default, with three kinds of record key (UTF-8; model names and versions cannot contain
 * {@code @} or {@code #}, so the kinds never collide):
 * <ul>
 *   <li>{@code <name>}, the original protocol: value = a {@link ModelArtifact} (schemas/model_artifact.avsc);
 *       compaction keeps the latest one, and without a live pointer it is the live model;</li>
 *   <li>{@code <name>@<version>} ({@link #versionKey}): a {@link ModelArtifact} kept per version, so compaction keeps
 *       every version (what promote and rollback choose from);</li>
 *   <li>{@code <name>#live} ({@link #liveKey}): a {@link ModelLive} naming the version and SHA-256 to serve and the
 *       earlier live versions (rollback). When present it decides which artifact is live.</li>
 *   <li>{@code <name>#shadow} ({@link #shadowKey}): a {@link ModelLive} (action {@code shadow}) naming the candidate
 *       the scorers also run on every micro-batch, writing its scores to the shadow topic; a tombstone clears it.</li>
 * </ul>
 * Values are Avro single-object encoded (magic {@code C3 01}, the schema's CRC-64-AVRO fingerprint, Avro binary); a
 * null value is a tombstone. No headers. Followers of the original protocol read only {@code <name>} and skip the
 * other keys. The Kafka types stay with the publishers and the follower; this class holds the names, sizes and
 * encodings; {@link ModelCatalog} the rules of which artifact is live.
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
     * @return true when the key is the plain {@code <name>} key of that model (the original protocol)
     */
    public static boolean isKeyOf(byte[] key, String modelName) {
        return key != null && Arrays.equals(key, key(modelName));
    }

    /** Separator of {@code <name>@<version>} keys. */
    public static final char VERSION_SEPARATOR = '@';
    /** Suffix of the live-pointer key {@code <name>#live}. */
    public static final String LIVE_SUFFIX = "#live";
    /** Suffix of the shadow-pointer key {@code <name>#shadow}. */
    public static final String SHADOW_SUFFIX = "#shadow";

    /**
     * @param modelName model name
     * @param version   model version
     * @return the key of that version's artifact, {@code <name>@<version>}
     */
    public static byte[] versionKey(String modelName, String version) {
        return (modelName + VERSION_SEPARATOR + version).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param modelName model name
     * @return the key of the model's live pointer, {@code <name>#live}
     */
    public static byte[] liveKey(String modelName) {
        return (modelName + LIVE_SUFFIX).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param modelName model name
     * @return the key of the model's shadow pointer, {@code <name>#shadow}: a {@link ModelLive} naming the candidate
     *         that scorers run beside the live model (shadow scoring)
     */
    public static byte[] shadowKey(String modelName) {
        return (modelName + SHADOW_SUFFIX).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * What a record key says.
     *
     * @param kind    plain artifact, versioned artifact or live pointer
     * @param name    model name
     * @param version version for {@link Kind#VERSION} keys, else null
     */
    public record Key(Kind kind, String name, String version) {
        /** Key kinds. */
        public enum Kind {
            /** {@code <name>}: an artifact (original protocol). */
            PLAIN,
            /** {@code <name>@<version>}: an artifact kept per version. */
            VERSION,
            /** {@code <name>#live}: the live pointer. */
            LIVE,
            /** {@code <name>#shadow}: the shadow pointer (a candidate scored beside the live model). */
            SHADOW
        }
    }

    /**
     * @param key a record key
     * @return its kind and model name; null for a null key
     */
    public static Key parseKey(byte[] key) {
        if (key == null) {
            return null;
        }
        String k = new String(key, StandardCharsets.UTF_8);
        if (k.endsWith(LIVE_SUFFIX)) {
            return new Key(Key.Kind.LIVE, k.substring(0, k.length() - LIVE_SUFFIX.length()), null);
        }
        if (k.endsWith(SHADOW_SUFFIX)) {
            return new Key(Key.Kind.SHADOW, k.substring(0, k.length() - SHADOW_SUFFIX.length()), null);
        }
        int at = k.indexOf(VERSION_SEPARATOR);
        if (at >= 0) {
            return new Key(Key.Kind.VERSION, k.substring(0, at), k.substring(at + 1));
        }
        return new Key(Key.Kind.PLAIN, k, null);
    }

    /**
     * @param pointer a live pointer
     * @return the record value: Avro single-object encoding
     * @throws DeepMergeException IO_ERROR when Avro cannot encode it
     */
    public static byte[] encodeLive(ModelLive pointer) throws DeepMergeException {
        return singleObject("ModelLive", pointer::toByteBuffer);
    }

    /**
     * @param value a {@code <name>#live} record value
     * @return the pointer
     * @throws DeepMergeException UNKNOWN_SCHEMA or INVALID_MODEL when it is not a decodable ModelLive
     */
    public static ModelLive decodeLive(byte[] value) throws DeepMergeException {
        try {
            return ModelLive.fromByteBuffer(ByteBuffer.wrap(value));
        } catch (MissingSchemaException e) {
            throw new DeepMergeException(Reason.UNKNOWN_SCHEMA, "record is not a ModelLive pointer: " + e.getMessage(), e);
        } catch (IOException | AvroRuntimeException e) {
            throw new DeepMergeException(Reason.INVALID_MODEL, "record is not a decodable ModelLive pointer: " + e, e);
        }
    }

    /**
     * @param artifact an artifact
     * @return the record value: Avro single-object encoding
     * @throws DeepMergeException IO_ERROR when Avro cannot encode it (e.g. a required field null: Avro reports
     *                            that as a NullPointerException naming the field)
     */
    public static byte[] encode(ModelArtifact artifact) throws DeepMergeException {
        return singleObject("ModelArtifact", artifact::toByteBuffer);
    }

    /** An Avro generated record's {@code toByteBuffer}. */
    private interface Encoder {
        ByteBuffer encode() throws IOException;
    }

    private static byte[] singleObject(String what, Encoder encoder) throws DeepMergeException {
        try {
            ByteBuffer b = encoder.encode();
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (IOException | RuntimeException e) {
            throw new DeepMergeException(Reason.IO_ERROR, "cannot encode the " + what + " record: " + e, e);
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
