package org.deepmerge.core.alert;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import java.util.zip.CRC32C;
import com.github.benmanes.caffeine.cache.Cache;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.NameValidator;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.file.DataFileConstants;
import org.apache.avro.generic.GenericData;
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
 * 16-byte sync marker, then blocks of {@code count, size, data, sync}) in place, without copying the schema text
 * or the blocks, decodes the records with Avro's own {@link BinaryDecoder} and {@link GenericDatumReader}, and
 * parses each distinct schema text once. Only the {@code null} codec (what ZTF
 * and Fink write) takes this path; compressed containers go through {@code DataFileStream}. Equivalence with
 * {@code DataFileStream} is tested on every real alert in the test data.
 *
 * <p>Thread-safe: the cache is concurrent and bounded by estimated bytes ({@link SchemaWeights}, 32 MiB by default),
 * not by entries: distinct writer schemas of ~1.25 MB each held ~21 MB each, and 64 of them exhausted the heap.
 */
final class AvroContainer {
    private static final int SYNC_SIZE = DataFileConstants.SYNC_SIZE;

    /**
     * The writer schema of one container and its records, in file order (without history when so constructed), up to
     * the cap the caller asked for.
     *
     * @param beyondCap  records the container declares after the last one decoded (not decoded; 0 when all were read
     *                   or only the first was asked for)
     * @param atLeast    {@code beyondCap} is a lower bound (a compressed container, whose later blocks are not
     *                   inflated to count them)
     */
    record Parsed(Schema schema, List<GenericRecord> records, long beyondCap, boolean atLeast) {
        Parsed(Schema schema, List<GenericRecord> records) {
            this(schema, records, 0, false);
        }
    }

    /** Accepts or refuses a writer schema before any record is decoded. */
    @FunctionalInterface
    interface SchemaCheck {
        void check(Schema writer) throws DeepMergeException;
    }

    /**
     * Schema text as a map key: a range of bytes (of the message for a lookup, of a private copy once cached), CRC-32C
     * (a CPU intrinsic) as the hash, the bytes for equality.
     */
    private static final class SchemaText {
        private final byte[] bytes;
        private final int offset;
        private final int length;
        private final int hash;

        SchemaText(byte[] bytes, int offset, int length) {
            this.bytes = bytes;
            this.offset = offset;
            this.length = length;
            CRC32C crc = new CRC32C();
            crc.update(bytes, offset, length);
            this.hash = (int) crc.getValue();
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof SchemaText)) {
                return false;
            }
            SchemaText t = (SchemaText) o;
            return t.hash == hash && Arrays.equals(t.bytes, t.offset, t.offset + t.length, bytes, offset, offset + length);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /**
     * A parsed writer schema and its idle readers (Avro's fast reader is built once per reader; a reader is used by
     * one thread at a time). Idle readers live in the entry, not in thread-locals, and use the entry's own
     * {@link GenericData}, whose fast-reader cache (Avro's {@code FastReaderBuilder}, a weak-keyed map whose values refer
     * to their keys) would otherwise keep every writer schema ever seen: an evicted schema takes its readers with it.
     */
    private static final class Entry {
        final Schema schema;
        private final Schema read;
        private final GenericData data = new GenericData();
        private final ConcurrentLinkedQueue<GenericDatumReader<GenericRecord>> idle = new ConcurrentLinkedQueue<>();

        Entry(Schema schema, Function<Schema, Set<String>> skipped) {
            this.schema = schema;
            this.read = ProjectedReaders.project(schema, skipped.apply(schema));
        }

        GenericDatumReader<GenericRecord> borrow() {
            GenericDatumReader<GenericRecord> r = idle.poll();
            return r != null ? r : new GenericDatumReader<>(schema, read, data);
        }

        void giveBack(GenericDatumReader<GenericRecord> r) {
            idle.offer(r);
        }
    }

    private final Cache<SchemaText, Entry> schemas;
    private final Function<Schema, Set<String>> skipped;

    /** A reader that decodes every field. */
    AvroContainer() {
        this(writer -> Set.of());
    }

    /**
     * @param skipped the top-level fields not decoded for a writer schema (e.g. the history arrays,
     *                {@link ProjectedReaders#HISTORY_FIELDS})
     */
    AvroContainer(Function<Schema, Set<String>> skipped) {
        this(skipped, SchemaWeights.DEFAULT_MAX_BYTES);
    }

    /**
     * @param skipped       as {@link #AvroContainer(Function)}
     * @param maxCacheBytes bound of the schema cache, estimated bytes ({@link SchemaWeights#weigh(long)} per schema)
     */
    AvroContainer(Function<Schema, Set<String>> skipped, long maxCacheBytes) {
        this.skipped = skipped;
        this.schemas = SchemaWeights.cache(maxCacheBytes, (SchemaText k, Entry v) -> SchemaWeights.weigh(k.length));
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
        return read(message, firstOnly ? 1 : Integer.MAX_VALUE, firstOnly, where, check);
    }

    /**
     * Decodes at most {@code maxRecords} records, one at a time; the records declared after them are counted from the
     * block headers without being decoded (a few bytes can declare 2^40 zero-byte records), so memory is bounded by
     * the cap, not by what the container declares.
     *
     * @param message    a complete container file
     * @param maxRecords most records decoded, at least 1
     * @param where      message location for errors
     * @param check      called with the writer schema before records are decoded; its exception propagates
     * @return the writer schema, the records and how many more the container declares ({@link Parsed#beyondCap()})
     * @throws DeepMergeException as {@link #read(byte[], boolean, String, SchemaCheck)}, including for the framing
     *                            of blocks after the cap
     */
    Parsed read(byte[] message, int maxRecords, String where, SchemaCheck check) throws DeepMergeException {
        if (maxRecords < 1) {
            throw new IllegalArgumentException("maxRecords must be >= 1, got " + maxRecords);
        }
        return read(message, maxRecords, false, where, check);
    }

    private Parsed read(byte[] message, int maxRecords, boolean firstOnly, String where, SchemaCheck check)
            throws DeepMergeException {
        try {
            Framing in = new Framing(message, where);
            Header header = header(in);
            check.check(header.entry.schema);
            if (!DataFileConstants.NULL_CODEC.equals(header.codec)) {
                return readWithDataFileStream(message, maxRecords, firstOnly);
            }
            GenericDatumReader<GenericRecord> reader = header.entry.borrow();
            try {
                return readBlocks(message, in, header, reader, maxRecords, firstOnly, where);
            } finally {
                header.entry.giveBack(reader);
            }
        } catch (IOException | AvroRuntimeException | IllegalArgumentException | IndexOutOfBoundsException
                 | ClassCastException | NegativeArraySizeException | UnsupportedOperationException e) {
            throw malformed(where, e);
        }
    }

    private Parsed readBlocks(byte[] message, Framing in, Header header, GenericDatumReader<GenericRecord> reader,
                              int maxRecords, boolean firstOnly, String where) throws IOException, DeepMergeException {
        List<GenericRecord> records = new ArrayList<>(1);
        long beyond = 0;
        int blocks = 0;
        while (in.remaining() > 0) {
            long count = in.avro.readLong();
            long size = in.avro.readLong();
            if (count < 0 || size < 0 || size > in.remaining()) {
                throw new DeepMergeException(Reason.MALFORMED_ALERT, where + ": block " + blocks
                        + " declares " + count + " records in " + size + " bytes (" + in.remaining()
                        + " bytes follow)");
            }
            int blockStart = in.pos();
            in.skip(size, "block " + blocks);
            int syncAt = in.pos();
            in.skip(SYNC_SIZE, "the sync marker after block " + blocks);
            if (!Arrays.equals(message, syncAt, syncAt + SYNC_SIZE, message, header.syncOffset, header.syncOffset + SYNC_SIZE)) {
                throw new DeepMergeException(Reason.MALFORMED_ALERT, where + ": sync marker after block "
                        + blocks + " does not match the header's (truncated or garbled?)");
            }
            BinaryDecoder data = DecoderFactory.get().binaryDecoder(message, blockStart, (int) size, null);
            boolean capped = false;
            for (long i = 0; i < count; i++) {
                if (records.size() >= maxRecords) {
                    beyond = saturatedAdd(beyond, count - i);
                    capped = true;
                    break;
                }
                records.add(reader.read(null, data));
                if (firstOnly) {
                    if (count == 1) {
                        requireBlockEnd(data, blocks, count, size, where);
                    }
                    return new Parsed(header.entry.schema, records);
                }
            }
            if (!capped) {
                requireBlockEnd(data, blocks, count, size, where);
            }
            blocks++;
        }
        return new Parsed(header.entry.schema, records, beyond, false);
    }

    /**
     * A block's records fill exactly its declared size (Avro spec, object container files). Records that end early
     * were decoded from shifted bytes (a garbled length inside the record) or sit in a block whose size was
     * rewritten: either way the record is not the one that was written (issue 19 fuzzing: a padded block scored).
     */
    private static void requireBlockEnd(BinaryDecoder data, int block, long count, long size, String where)
            throws IOException, DeepMergeException {
        if (!data.isEnd()) {
            throw new DeepMergeException(Reason.MALFORMED_ALERT, where + ": block " + block + " declares " + size
                    + " bytes but its " + count + " record(s) end before them (garbled record or block size)");
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
            return header(new Framing(message, where)).entry.schema;
        } catch (IOException | AvroRuntimeException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw malformed(where, e);
        }
    }

    /** The parsed header: schema entry, codec name and the offset of the 16-byte sync marker in the message. */
    private record Header(Entry entry, String codec, int syncOffset) { }

    /**
     * The header walked in place (no copy of the schema text, which is most of a one-alert container's bytes):
     * magic, then the metadata map (keys strings, values bytes, both length-prefixed; read with Avro's map-block
     * iteration), then the sync marker.
     */
    private Header header(Framing in) throws IOException, DeepMergeException {
        byte[] m = in.message;
        int magic = DataFileConstants.MAGIC.length;
        if (m.length < magic || !Arrays.equals(m, 0, magic, DataFileConstants.MAGIC, 0, magic)) {
            throw new DeepMergeException(Reason.MALFORMED_ALERT, in.where + ": not an Avro container (bad magic)");
        }
        in.skip(magic, "the magic");
        int schemaOffset = -1;
        int schemaLength = 0;
        String codec = DataFileConstants.NULL_CODEC;
        for (long n = in.avro.readMapStart(); n != 0; n = in.avro.mapNext()) {
            for (long i = 0; i < n; i++) {
                int keyLength = in.length("metadata key");
                int keyOffset = in.pos();
                in.skip(keyLength, "a metadata key");
                int valueLength = in.length("metadata value");
                int valueOffset = in.pos();
                in.skip(valueLength, "a metadata value");
                if (is(m, keyOffset, keyLength, SCHEMA_KEY)) {
                    schemaOffset = valueOffset;
                    schemaLength = valueLength;
                } else if (is(m, keyOffset, keyLength, CODEC_KEY)) {
                    codec = new String(m, valueOffset, valueLength, StandardCharsets.UTF_8);
                }
            }
        }
        if (schemaOffset < 0) {
            throw new DeepMergeException(Reason.MALFORMED_ALERT, in.where + ": container header has no avro.schema");
        }
        int syncOffset = in.pos();
        in.skip(SYNC_SIZE, "the header's sync marker");
        return new Header(entryFor(m, schemaOffset, schemaLength), codec, syncOffset);
    }

    private static final byte[] SCHEMA_KEY = DataFileConstants.SCHEMA.getBytes(StandardCharsets.UTF_8);
    private static final byte[] CODEC_KEY = DataFileConstants.CODEC.getBytes(StandardCharsets.UTF_8);

    private static boolean is(byte[] m, int offset, int length, byte[] key) {
        return length == key.length && Arrays.equals(m, offset, offset + length, key, 0, key.length);
    }

    /**
     * A message read with Avro's unbuffered decoder, so that the read position is known and spans (schema text,
     * blocks) can be referred to in place instead of copied.
     */
    private static final class Framing {
        final byte[] message;
        final String where;
        final ByteArrayInputStream bytes;
        final BinaryDecoder avro;

        Framing(byte[] message, String where) {
            this.message = message;
            this.where = where;
            this.bytes = new ByteArrayInputStream(message);
            this.avro = DecoderFactory.get().directBinaryDecoder(bytes, null);
        }

        int remaining() {
            return bytes.available();
        }

        int pos() {
            return message.length - bytes.available();
        }

        /** An Avro length prefix (a {@code long}) that must fit in what follows. */
        int length(String what) throws IOException, DeepMergeException {
            long n = avro.readLong();
            if (n < 0 || n > remaining()) {
                throw new DeepMergeException(Reason.MALFORMED_ALERT, where + ": container header declares a " + what
                        + " of " + n + " bytes at byte " + pos() + ", but " + remaining() + " follow (truncated or garbled?)");
            }
            return (int) n;
        }

        void skip(long n, String what) throws DeepMergeException {
            if (n > remaining()) {
                throw new DeepMergeException(Reason.MALFORMED_ALERT, where + ": truncated container: " + what + " ("
                        + n + " bytes) expected at byte " + pos() + " of " + message.length);
            }
            bytes.skip(n);
        }
    }

    /** @return the estimated bytes the cached schemas hold ({@link SchemaWeights#weigh(long)} of their texts) */
    long cachedWeight() {
        return SchemaWeights.weight(schemas);
    }

    private Entry entryFor(byte[] message, int offset, int length) {
        SchemaText probe = new SchemaText(message, offset, length);
        Entry cached = schemas.getIfPresent(probe);
        if (cached != null) {
            return cached;
        }
        byte[] text = Arrays.copyOfRange(message, offset, offset + length);
        Entry parsed = new Entry(new Schema.Parser(NameValidator.NO_VALIDATION).setValidateDefaults(false)
                .parse(new String(text, StandardCharsets.UTF_8)), skipped);
        Entry raced = schemas.asMap().putIfAbsent(new SchemaText(text, 0, length), parsed);
        return raced == null ? parsed : raced;
    }

    /**
     * Compressed containers (deflate, snappy, ...; no survey alert uses one) are left to Avro's own reader. Past the
     * cap, the count of further records is not known without inflating them: reported as "at least 1".
     */
    private static Parsed readWithDataFileStream(byte[] message, int maxRecords, boolean firstOnly) throws IOException {
        try (DataFileStream<GenericRecord> in = new DataFileStream<>(new ByteArrayInputStream(message), new GenericDatumReader<>())) {
            List<GenericRecord> records = new ArrayList<>(1);
            while (in.hasNext() && records.size() < maxRecords) {
                records.add(in.next());
            }
            if (firstOnly || !in.hasNext()) {
                return new Parsed(in.getSchema(), records);
            }
            return new Parsed(in.getSchema(), records, 1, true);
        }
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    static DeepMergeException malformed(String where, Throwable e) {
        if (e instanceof DeepMergeException) {
            return (DeepMergeException) e;
        }
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
        return new DeepMergeException(Reason.MALFORMED_ALERT, where + " cannot be parsed (truncated or garbled?): " + msg, e);
    }
}
