package org.deepmerge.streams.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.deepmerge.avro.v1.MergerScore;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.registry.SchemaRegistryClient;
import org.deepmerge.streams.config.DeepMergeStreamsConfig;
import org.deepmerge.streams.config.DeepMergeStreamsConfig.OutputEncoding;

/**
 * Serde of {@link MergerScore} values ({@code schemas/merger_score.avsc}) in one of three encodings:
 * <ul>
 *   <li>{@code plain}: Avro binary of the record, no framing;</li>
 *   <li>{@code single-object}: Avro single-object encoding (Avro spec 1.12 "Single object encoding":
 *       {@code C3 01}, 8-byte little-endian CRC-64-AVRO fingerprint of the schema, Avro binary);</li>
 *   <li>{@code confluent}: Confluent wire format ({@code 0x00}, 4-byte big-endian schema id, Avro binary),
 *       the id obtained from a schema registry (subject {@code <topic>-value}) or configured.</li>
 * </ul>
 * The deserializer accepts the encoding it was built for and checks the framing (magic bytes, fingerprint
 * or schema id), failing with a {@link SerializationException} that says what was found.
 */
public final class MergerScoreSerde implements Serde<MergerScore> {
    private final OutputEncoding encoding;
    private final SchemaIdSource schemaIds;

    /**
     * The source of the Confluent schema id of the MergerScore schema for a topic.
     */
    @FunctionalInterface
    public interface SchemaIdSource {
        /**
         * @param topic the topic written to
         * @return the schema id
         * @throws DeepMergeException when the registry cannot be reached or refuses the schema
         */
        int idFor(String topic) throws DeepMergeException;
    }

    /**
     * @param encoding  the encoding
     * @param schemaIds schema ids for {@code confluent} (ignored otherwise; may be null then)
     */
    public MergerScoreSerde(OutputEncoding encoding, SchemaIdSource schemaIds) {
        if (encoding == OutputEncoding.CONFLUENT && schemaIds == null) {
            throw new IllegalArgumentException("confluent encoding needs a schema id source");
        }
        this.encoding = encoding;
        this.schemaIds = schemaIds;
    }

    /**
     * @param config the configuration ({@code deepmerge.output.encoding}, output registry or fixed schema id); the
     *               registry is reached with {@link SchemaRegistryClient} (retries, limits and credentials from its
     *               settings)
     * @return the serde the configuration asks for
     */
    public static MergerScoreSerde fromConfig(DeepMergeStreamsConfig config) {
        SchemaIdSource ids = null;
        if (config.outputEncoding() == OutputEncoding.CONFLUENT) {
            if (config.outputRegistry().isPresent()) {
                SchemaRegistryClient client = new SchemaRegistryClient(config.outputRegistry().get());
                ids = topic -> client.register(topic + "-value", MergerScore.getClassSchema());
            } else {
                int id = config.outputSchemaId();
                ids = topic -> id;
            }
        }
        return new MergerScoreSerde(config.outputEncoding(), ids);
    }

    /** @return the encoding */
    public OutputEncoding encoding() {
        return encoding;
    }

    @Override
    public Serializer<MergerScore> serializer() {
        return new Serializer<>() {
            private final java.util.Map<String, Integer> ids = new java.util.concurrent.ConcurrentHashMap<>();

            @Override
            public byte[] serialize(String topic, MergerScore data) {
                if (data == null) {
                    return null;
                }
                switch (encoding) {
                    case PLAIN:
                        return avroBinary(data, null);
                    case SINGLE_OBJECT:
                        try {
                            ByteBuffer bb = data.toByteBuffer();
                            byte[] out = new byte[bb.remaining()];
                            bb.get(out);
                            return out;
                        } catch (IOException e) {
                            throw new SerializationException("cannot encode MergerScore " + data.getSourceId(), e);
                        }
                    default:
                        int id = ids.computeIfAbsent(topic, t -> {
                            try {
                                return schemaIds.idFor(t);
                            } catch (DeepMergeException e) {
                                throw new SerializationException("no schema id for MergerScore on topic " + t + ": "
                                        + e.getMessage(), e);
                            }
                        });
                        return avroBinary(data, new byte[] {0, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id});
                }
            }
        };
    }

    @Override
    public Deserializer<MergerScore> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                switch (encoding) {
                    case PLAIN:
                        return readBinary(bytes, 0);
                    case SINGLE_OBJECT:
                        return MergerScore.fromByteBuffer(ByteBuffer.wrap(bytes));
                    default:
                        if (bytes.length < 5 || bytes[0] != 0) {
                            throw new SerializationException("not Confluent wire format on topic " + topic
                                    + ": first byte " + (bytes.length == 0 ? "none" : String.format("0x%02x", bytes[0])));
                        }
                        return readBinary(bytes, 5);
                }
            } catch (IOException | RuntimeException e) {
                if (e instanceof SerializationException se) {
                    throw se;
                }
                throw new SerializationException("cannot decode " + encoding.value() + " MergerScore on topic " + topic
                        + " (" + bytes.length + " bytes): " + e.getMessage(), e);
            }
        };
    }

    /**
     * @param bytes a Confluent wire-format message
     * @return its schema id
     */
    public static int confluentSchemaId(byte[] bytes) {
        return ByteBuffer.wrap(bytes, 1, 4).getInt();
    }

    private static byte[] avroBinary(MergerScore data, byte[] prefix) {
        try {
            ByteArrayOutputStream bos = new ByteArrayOutputStream(256);
            if (prefix != null) {
                bos.write(prefix);
            }
            BinaryEncoder enc = EncoderFactory.get().binaryEncoder(bos, null);
            new SpecificDatumWriter<>(MergerScore.class).write(data, enc);
            enc.flush();
            return bos.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static MergerScore readBinary(byte[] bytes, int offset) throws IOException {
        BinaryDecoder dec = DecoderFactory.get().binaryDecoder(bytes, offset, bytes.length - offset, null);
        MergerScore s = new SpecificDatumReader<>(MergerScore.class).read(null, dec);
        if (!dec.isEnd()) {
            throw new SerializationException("trailing bytes after the MergerScore record");
        }
        return s;
    }
}
