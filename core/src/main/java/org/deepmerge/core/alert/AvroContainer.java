package org.deepmerge.core.alert;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.NameValidator;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.file.DataFileConstants;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * Reads Avro Object Container Files held in memory (one ZTF or Fink alert per Kafka message) with a cache of
 * parsed writer schemas.
 *
 * <p>Avro's {@code DataFileStream} parses the embedded JSON schema and builds a new resolver for every file;
 * for alert streams, where every message is a whole container file carrying one of a handful of schema
 * versions, that was ~70% of the CPU time to decode a ZTF alert (docs/benchmarks.md). This class walks the
 * container framing of the Avro specification ("Object Container Files": magic {@code Obj\x01}, metadata map,
 * 16-byte sync marker, then blocks of {@code count, size, data, sync}) with Avro's own {@link BinaryDecoder} and
 * {@link GenericDatumReader}, and parses each distinct schema text once. Only the {@code null} codec (what ZTF
 * and Fink write) takes this path; compressed containers go through {@code DataFileStream}. Equivalence with
 * {@code DataFileStream} is tested on every real alert in the test data.
 *
 * <p>Thread-safe: the cache is concurrent and bounded ({@value #MAX_SCHEMAS} schemas, cleared when full).
 */
final class AvroContainer {
    static final int MAX_SCHEMAS = 64;
    private static final int SYNC_SIZE = DataFileConstants.SYNC_SIZE;

    /** The writer schema of one container and its records, in file order (without history when so constructed). */
    record Parsed(Schema schema, List<GenericRecord> records) { }

    /** Accepts or refuses a writer schema before any record is decoded. */
    @FunctionalInterface
    interface SchemaCheck {
        void check(Schema writer) throws DeepMergeException;
    }

    /** Schema text as a map key: CRC-32C (a CPU intrinsic) as the hash, the bytes for equality. */
    private static final class SchemaText {
        private final byte[] bytes;
        private final int hash;

        SchemaText(byte[] bytes) {
            this.bytes = bytes;
            CRC32C crc = new CRC32C();
            crc.update(bytes);
            this.hash = (int) crc.getValue();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SchemaText && ((SchemaText) o).hash == hash && Arrays.equals(((SchemaText) o).bytes, bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** A parsed writer schema and one reader per thread (Avro's fast reader is built once per reader). */
    private static final class Entry {
        final Schema schema;
        final ThreadLocal<GenericDatumReader<GenericRecord>> reader;

        Entry(Schema schema, boolean skipHistory) {
            this.schema = schema;
            Schema read = skipHistory ? ProjectedReaders.project(schema) : schema;
            this.reader = ThreadLocal.withInitial(() -> new GenericDatumReader<>(schema, read));
        }
    }

    private final Map<SchemaText, Entry> schemas = new ConcurrentHashMap<>();
    private final boolean skipHistory;

    /** A reader that decodes every field. */
    AvroContainer() {
        this(false);
    }

    /**
     * @param skipHistory decode records without their history arrays ({@link ProjectedReaders#HISTORY_FIELDS})
     */
    AvroContainer(boolean skipHistory) {
        this.skipHistory = skipHistory;
    }

    /**
     * @param message   a complete container file
     * @param firstOnly stop after the first record
     * @param where     message location for errors
     * @param check     called with the writer schema before records are decoded; its exception propagates
     * @return the writer schema and the records (none when the container has no block)
     * @throws DeepMergeException MALFORMED_ALERT for a bad magic, header, codec, block size or sync marker,
     *                            or undecodable record bytes
     */
    Parsed read(byte[] message, boolean firstOnly, String where, SchemaCheck check) throws DeepMergeException {
        try {
            BinaryDecoder in = DecoderFactory.get().binaryDecoder(message, null);
            Header header = header(in, where);
            check.check(header.entry.schema);
            if (!DataFileConstants.NULL_CODEC.equals(header.codec)) {
                return readWithDataFileStream(message, firstOnly);
            }
            GenericDatumReader<GenericRecord> reader = header.entry.reader.get();
            List<GenericRecord> records = new ArrayList<>(1);
            byte[] sync = new byte[SYNC_SIZE];
            while (!in.isEnd()) {
                long count = in.readLong();
                long size = in.readLong();
                if (count < 0 || size < 0 || size > message.length) {
                    throw new DeepMergeException(Reason.MALFORMED_ALERT, where + ": block " + records.size()
                            + " declares " + count + " records in " + size + " bytes (message is " + message.length + " bytes)");
                }
                byte[] block = new byte[(int) size];
                in.readFixed(block);
                in.readFixed(sync);
                if (!Arrays.equals(sync, header.sync)) {
                    throw new DeepMergeException(Reason.MALFORMED_ALERT, where + ": sync marker after block "
                            + records.size() + " does not match the header's (truncated or garbled?)");
                }
                BinaryDecoder data = DecoderFactory.get().binaryDecoder(block, null);
                for (long i = 0; i < count; i++) {
                    records.add(reader.read(null, data));
                    if (firstOnly) {
                        return new Parsed(header.entry.schema, records);
                    }
                }
            }
            return new Parsed(header.entry.schema, records);
        } catch (IOException | AvroRuntimeException | IllegalArgumentException | IndexOutOfBoundsException
                 | ClassCastException | NegativeArraySizeException | UnsupportedOperationException e) {
            throw malformed(where, e);
        }
    }

    /**
     * @param message a complete container file
     * @param where   message location for errors
     * @return its writer schema (parsed once per distinct schema text)
     * @throws DeepMergeException MALFORMED_ALERT when the header cannot be read
     */
    Schema schema(byte[] message, String where) throws DeepMergeException {
        try {
            return header(DecoderFactory.get().binaryDecoder(message, null), where).entry.schema;
        } catch (IOException | AvroRuntimeException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw malformed(where, e);
        }
    }

    private record Header(Entry entry, String codec, byte[] sync) { }

    private Header header(BinaryDecoder in, String where) throws IOException, DeepMergeException {
        byte[] magic = new byte[DataFileConstants.MAGIC.length];
        in.readFixed(magic);
        if (!Arrays.equals(magic, DataFileConstants.MAGIC)) {
            throw new DeepMergeException(Reason.MALFORMED_ALERT, where + ": not an Avro container (bad magic)");
        }
        byte[] schemaBytes = null;
        String codec = DataFileConstants.NULL_CODEC;
        for (long n = in.readMapStart(); n != 0; n = in.mapNext()) {
            for (long i = 0; i < n; i++) {
                String key = in.readString();
                ByteBuffer value = in.readBytes(null);
                if (DataFileConstants.SCHEMA.equals(key)) {
                    schemaBytes = new byte[value.remaining()];
                    value.get(schemaBytes);
                } else if (DataFileConstants.CODEC.equals(key)) {
                    codec = StandardCharsets.UTF_8.decode(value).toString();
                }
            }
        }
        if (schemaBytes == null) {
            throw new DeepMergeException(Reason.MALFORMED_ALERT, where + ": container header has no avro.schema");
        }
        byte[] sync = new byte[SYNC_SIZE];
        in.readFixed(sync);
        return new Header(entryFor(schemaBytes), codec, sync);
    }

    private Entry entryFor(byte[] schemaBytes) {
        SchemaText key = new SchemaText(schemaBytes);
        Entry cached = schemas.get(key);
        if (cached != null) {
            return cached;
        }
        Entry parsed = new Entry(new Schema.Parser(NameValidator.NO_VALIDATION).setValidateDefaults(false)
                .parse(new String(schemaBytes, StandardCharsets.UTF_8)), skipHistory);
        if (schemas.size() >= MAX_SCHEMAS) {
            schemas.clear();
        }
        Entry raced = schemas.putIfAbsent(key, parsed);
        return raced == null ? parsed : raced;
    }

    /** Compressed containers (deflate, snappy, ...; no survey alert uses one) are left to Avro's own reader. */
    private static Parsed readWithDataFileStream(byte[] message, boolean firstOnly) throws IOException {
        try (DataFileStream<GenericRecord> in = new DataFileStream<>(new ByteArrayInputStream(message), new GenericDatumReader<>())) {
            List<GenericRecord> records = new ArrayList<>(1);
            while (in.hasNext() && !(firstOnly && !records.isEmpty())) {
                records.add(in.next());
            }
            return new Parsed(in.getSchema(), records);
        }
    }

    static DeepMergeException malformed(String where, Throwable e) {
        if (e instanceof DeepMergeException) {
            return (DeepMergeException) e;
        }
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
        return new DeepMergeException(Reason.MALFORMED_ALERT, where + " cannot be parsed (truncated or garbled?): " + msg, e);
    }
}
