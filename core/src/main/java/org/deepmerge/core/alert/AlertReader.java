package org.deepmerge.core.alert;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.deepmerge.avro.v1.Cutout;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;

/**
 * Decodes alert message bytes of any supported {@link AlertFormat}, detected from the first bytes.
 *
 * <p>Detection (see {@code docs/formats.md}):
 * <ul>
 *   <li>{@code Obj\x01}: Avro Object Container File, read with its <em>embedded</em> writer schema
 *       (never a compiled-in survey schema); the schema's content decides ZTF ({@code candid}, {@code objectId},
 *       {@code candidate.fid}), Rubin ({@code diaSource}) or the project's {@code Cutout} record;</li>
 *   <li>{@code 0x00} + 4-byte big-endian schema id: Confluent wire format; writer schema from the
 *       {@link SchemaResolver} (Rubin schema ids are MAJOR*100+MINOR);</li>
 *   <li>{@code 0xC3 0x01} + 8-byte little-endian CRC-64-AVRO fingerprint: Avro single-object encoding of the
 *       {@code Cutout} record (Avro specification, "Single-object encoding").</li>
 * </ul>
 * Thread-safe when its {@link SchemaResolver} is.
 */
public final class AlertReader {
    /** ZTF pixel scale, arcsec/px (ZTF Science Data System, Bellm et al. 2019 PASP 131 018002). */
    public static final double ZTF_PIXEL_SCALE_ARCSEC = 1.012;
    /** Rubin LSSTCam pixel scale, arcsec/px (LSST Science Requirements Document, LPM-17). */
    public static final double RUBIN_PIXEL_SCALE_ARCSEC = 0.2;
    /** The three stamp kinds of ZTF and Rubin alerts, in this order in {@link Alert#stamps()}. */
    public static final List<String> KINDS = List.of("science", "template", "difference");
    /**
     * Default cap on the records decoded from one Avro container file by {@link #readAll(byte[])}: 1,000. A survey
     * alert file holds one record; the cap bounds the memory one file can take (a 333-byte container can declare
     * 2^40 zero-byte records) to the cap times a record's decoded size.
     */
    public static final int DEFAULT_MAX_RECORDS_PER_CONTAINER = 1000;

    /**
     * The records decoded from one message, within a cap.
     *
     * @param alerts    one alert per decoded record, in file order, at least one
     * @param beyondCap records the container declares after the cap, not decoded (0 when all were decoded)
     * @param atLeast   {@code beyondCap} is a lower bound (compressed containers are not inflated past the cap)
     */
    public record Capped(List<Alert> alerts, long beyondCap, boolean atLeast) {
        /**
         * @return for messages, e.g. "declares 1099511627776 records, more than the limit of 1000 per file: the
         *         1099511626776 after the first 1000 are not decoded"
         */
        public String describeBeyond() {
            return describe(alerts.size(), beyondCap, atLeast);
        }

        static String describe(long decoded, long beyond, boolean atLeast) {
            long declared = decoded + beyond < 0 ? Long.MAX_VALUE : decoded + beyond;
            return "declares " + (atLeast ? "more than " + decoded : String.valueOf(declared)) + " records, more than"
                    + " the limit of " + decoded + " per file: the " + (atLeast ? "" : beyond + " ") + "records after"
                    + " the first " + decoded + " are not decoded";
        }
    }

    private static final Set<String> ALL_KINDS = Set.copyOf(KINDS);
    private static final byte[] CONTAINER_MAGIC = {'O', 'b', 'j', 1};
    private static final long CUTOUT_FINGERPRINT = SchemaNormalization.parsingFingerprint64(Cutout.getClassSchema());

    private final SchemaResolver resolver;
    private final Function<String, Set<String>> kindsBySurvey;
    private final AvroContainer containers = new AvroContainer(this::skippedFields);
    private final ProjectedReaders readers = new ProjectedReaders(this::skippedFields);

    /**
     * A reader that decodes every cutout of an alert.
     *
     * @param resolver writer schemas for Confluent wire-format messages; may be null when no such
     *                 messages are expected (they then fail with UNKNOWN_SCHEMA)
     */
    public AlertReader(SchemaResolver resolver) {
        this(resolver, survey -> ALL_KINDS);
    }

    /**
     * A reader that decodes only the cutouts a model uses: for a ZTF ({@code "ZTF"}) or Rubin ({@code "LSST"}) alert,
     * the cutout fields ({@code cutoutScience}, {@code cutoutTemplate}, {@code cutoutDifference}) of other kinds are
     * skipped by Avro schema resolution and left out of {@link Alert#stamps()}. A ZTF cutout is a gzipped FITS file
     * of a few kB; not copying the two unused ones was 20% of the decode time of a ZTF alert (docs/benchmarks.md).
     * The DeepMerge Cutout record has no such fields and is read whole.
     *
     * @param resolver      as {@link #AlertReader(SchemaResolver)}
     * @param kindsBySurvey the cutout kinds ({@link #KINDS}) to decode for a survey name as in {@link Alert#survey()},
     *                      e.g. {@code survey -> Set.of(channelMapping.kindFor(survey))}
     */
    public AlertReader(SchemaResolver resolver, Function<String, Set<String>> kindsBySurvey) {
        this.resolver = resolver;
        this.kindsBySurvey = java.util.Objects.requireNonNull(kindsBySurvey, "kindsBySurvey");
    }

    /** @return estimated bytes held by the cache of container writer schemas (for tests and metrics) */
    long containerCacheWeight() {
        return containers.cachedWeight();
    }

    /** The history arrays and, for ZTF and Rubin schemas, the cutouts of kinds not decoded. */
    private Set<String> skippedFields(Schema writer) {
        Kind kind;
        try {
            kind = kindOf(writer, "writer schema");
        } catch (DeepMergeException e) {
            return ProjectedReaders.HISTORY_FIELDS;
        }
        if (kind == Kind.CUTOUT) {
            return ProjectedReaders.HISTORY_FIELDS;
        }
        Set<String> keep = kindsBySurvey.apply(survey(kind));
        Set<String> skip = new HashSet<>(ProjectedReaders.HISTORY_FIELDS);
        for (String k : KINDS) {
            if (!keep.contains(k)) {
                skip.add(AlertMapping.cutoutField(k));
            }
        }
        return Set.copyOf(skip);
    }

    private static String survey(Kind kind) {
        return kind == Kind.ZTF ? AlertMapping.ZTF : AlertMapping.LSST;
    }

    /**
     * Decodes one message. For container files holding several records, the first one.
     *
     * @param message one Kafka message value / one archived alert file
     * @return the decoded alert; its stamps are not decoded (see {@code StampDecoder})
     * @throws DeepMergeException UNKNOWN_FORMAT (bytes of no supported format, message names the first bytes),
     *                            MALFORMED_ALERT (truncated/garbled Avro), UNKNOWN_SCHEMA (Confluent id or
     *                            single-object fingerprint not known), MISSING_FIELD (id or position absent),
     *                            INVALID_FIELD (position NaN, infinite or out of range)
     */
    public Alert read(byte[] message) throws DeepMergeException {
        List<Alert> alerts = decode(message, true);
        return alerts.get(0);
    }

    /**
     * Decodes every record of a message: all records of a container file (at most
     * {@link #DEFAULT_MAX_RECORDS_PER_CONTAINER}), else the one record.
     *
     * @param message one Kafka message value / one archived alert file
     * @return one alert per record, at least one
     * @throws DeepMergeException as {@link #read(byte[])}; INPUT_TOO_LARGE when a container declares more than
     *                            {@link #DEFAULT_MAX_RECORDS_PER_CONTAINER} records (use {@link #readAll(byte[], int)}
     *                            to keep the records within a cap)
     */
    public List<Alert> readAll(byte[] message) throws DeepMergeException {
        requireBytes(message);
        if (startsWith(message, CONTAINER_MAGIC)) {
            return readContainer(message, DEFAULT_MAX_RECORDS_PER_CONTAINER, false, true).alerts();
        }
        return decode(message, false);
    }

    /**
     * Decodes the records of a message one at a time up to a cap: at most {@code maxRecords} records of a container
     * file, else the one record. Records past the cap are counted from the container's block headers, not decoded,
     * so a container declaring any number of records costs at most {@code maxRecords} decoded records of memory.
     *
     * @param message    one Kafka message value / one archived alert file
     * @param maxRecords most records decoded, at least 1
     * @return the decoded alerts (at least one) and the number of records declared beyond the cap
     * @throws DeepMergeException as {@link #read(byte[])}; a record within the cap that cannot be mapped fails the
     *                            whole message
     * @throws IllegalArgumentException when {@code maxRecords < 1}
     */
    public Capped readAll(byte[] message, int maxRecords) throws DeepMergeException {
        if (maxRecords < 1) {
            throw new IllegalArgumentException("maxRecords must be >= 1, got " + maxRecords);
        }
        requireBytes(message);
        if (startsWith(message, CONTAINER_MAGIC)) {
            return readContainer(message, maxRecords, false, false);
        }
        return new Capped(decode(message, false), 0, false);
    }

    /**
     * @param message message bytes
     * @return the format the bytes announce, without decoding them
     * @throws DeepMergeException UNKNOWN_FORMAT when no magic matches; UNKNOWN_SCHEMA/MALFORMED_ALERT when the
     *                            format depends on a schema that cannot be found or read
     */
    public AlertFormat detect(byte[] message) throws DeepMergeException {
        requireBytes(message);
        if (startsWith(message, CONTAINER_MAGIC)) {
            return containerFormat(kindOf(containers.schema(message, "Avro container header"), "Avro container"));
        }
        if (message[0] == 0 && message.length >= 5) {
            Kind kind = kindOf(confluentSchema(message), "Confluent schema id " + confluentId(message));
            return kind == Kind.CUTOUT ? AlertFormat.DEEPMERGE_CUTOUT : AlertFormat.RUBIN_CONFLUENT;
        }
        if (isSingleObject(message)) {
            return AlertFormat.DEEPMERGE_CUTOUT;
        }
        throw unknownFormat(message);
    }

    private List<Alert> decode(byte[] message, boolean firstOnly) throws DeepMergeException {
        requireBytes(message);
        if (startsWith(message, CONTAINER_MAGIC)) {
            return readContainer(message, firstOnly ? 1 : DEFAULT_MAX_RECORDS_PER_CONTAINER, firstOnly, !firstOnly)
                    .alerts();
        }
        if (message[0] == 0 && message.length >= 5) {
            return List.of(readConfluent(message));
        }
        if (isSingleObject(message)) {
            return List.of(readSingleObject(message));
        }
        throw unknownFormat(message);
    }

    private enum Kind { ZTF, RUBIN, CUTOUT }

    /**
     * @param strict fail with INPUT_TOO_LARGE, before mapping any record, when records are declared beyond the cap;
     *               else return them counted
     */
    private Capped readContainer(byte[] message, int maxRecords, boolean firstOnly, boolean strict)
            throws DeepMergeException {
        String where = "Avro container";
        AvroContainer.SchemaCheck check = schema -> kindOf(schema, where);
        AvroContainer.Parsed parsed = firstOnly ? containers.read(message, true, where, check)
                : containers.read(message, maxRecords, where, check);
        String beyond = "";
        if (parsed.beyondCap() > 0) {
            beyond = where + " " + Capped.describe(parsed.records().size(), parsed.beyondCap(), parsed.atLeast());
            if (strict) {
                throw new DeepMergeException(Reason.INPUT_TOO_LARGE, beyond);
            }
        }
        Kind kind = kindOf(parsed.schema(), where);
        AlertFormat format = containerFormat(kind);
        if (parsed.records().isEmpty()) {
            throw new DeepMergeException(Reason.MALFORMED_ALERT,
                    where + " (schema " + parsed.schema().getFullName() + ") holds no record");
        }
        List<Alert> out = new ArrayList<>(parsed.records().size());
        for (GenericRecord rec : parsed.records()) {
            try {
                out.add(map(kind, format, rec, where + " record " + out.size()));
            } catch (AvroRuntimeException | IllegalArgumentException | IndexOutOfBoundsException e) {
                throw withBeyond(malformed(where, e), beyond);
            } catch (DeepMergeException e) {
                throw withBeyond(e, beyond);
            }
        }
        return new Capped(out, parsed.beyondCap(), parsed.atLeast());
    }

    /** A failing record of a container that also exceeds the cap: the message names both. */
    private static DeepMergeException withBeyond(DeepMergeException e, String beyond) {
        return beyond.isEmpty() ? e : new DeepMergeException(e.reason(), e.getMessage() + "; " + beyond, e);
    }

    private static AlertFormat containerFormat(Kind kind) {
        switch (kind) {
            case ZTF:
                return AlertFormat.ZTF_AVRO_CONTAINER;
            case RUBIN:
                return AlertFormat.RUBIN_AVRO_CONTAINER;
            default:
                return AlertFormat.DEEPMERGE_CUTOUT;
        }
    }

    private Alert readConfluent(byte[] message) throws DeepMergeException {
        int id = confluentId(message);
        String where = "Confluent message (schema id " + id + ")";
        Schema schema = confluentSchema(message);
        Kind kind = kindOf(schema, where);
        if (kind == Kind.ZTF) {
            throw new DeepMergeException(Reason.UNKNOWN_FORMAT,
                    where + " carries a ZTF alert schema; ZTF alerts are read as Avro container files only");
        }
        GenericRecord rec = decodeBinary(schema, message, 5, where);
        return map(kind, kind == Kind.CUTOUT ? AlertFormat.DEEPMERGE_CUTOUT : AlertFormat.RUBIN_CONFLUENT, rec, where);
    }

    private Schema confluentSchema(byte[] message) throws DeepMergeException {
        int id = confluentId(message);
        if (resolver == null) {
            throw new DeepMergeException(Reason.UNKNOWN_SCHEMA,
                    "Confluent message with schema id " + id + " but no schema directory or registry is configured");
        }
        return resolver.schemaById(id);
    }

    private static int confluentId(byte[] message) {
        return ByteBuffer.wrap(message, 1, 4).getInt();
    }

    private static boolean isSingleObject(byte[] message) {
        return message.length >= 10 && (message[0] & 0xFF) == 0xC3 && message[1] == 0x01;
    }

    private Alert readSingleObject(byte[] message) throws DeepMergeException {
        long fingerprint = ByteBuffer.wrap(message, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        if (fingerprint != CUTOUT_FINGERPRINT) {
            throw new DeepMergeException(Reason.UNKNOWN_SCHEMA, String.format(
                    "Avro single-object message with schema fingerprint %016x; only the Cutout schema (%016x) is known",
                    fingerprint, CUTOUT_FINGERPRINT));
        }
        String where = "Avro single-object Cutout";
        GenericRecord rec = decodeBinary(Cutout.getClassSchema(), message, 10, where);
        return map(Kind.CUTOUT, AlertFormat.DEEPMERGE_CUTOUT, rec, where);
    }

    private GenericRecord decodeBinary(Schema schema, byte[] message, int offset, String where)
            throws DeepMergeException {
        try {
            BinaryDecoder dec = DecoderFactory.get().binaryDecoder(message, offset, message.length - offset, null);
            GenericRecord rec = readers.read(schema, dec);
            if (!dec.isEnd()) {
                throw new DeepMergeException(Reason.MALFORMED_ALERT,
                        where + ": trailing bytes after the Avro record (wrong schema for these bytes?)");
            }
            return rec;
        } catch (IOException | AvroRuntimeException | IllegalArgumentException | IndexOutOfBoundsException
                 | ClassCastException | NegativeArraySizeException | UnsupportedOperationException e) {
            throw malformed(where, e);
        }
    }

    private static Kind kindOf(Schema schema, String where) throws DeepMergeException {
        if (schema.getType() == Schema.Type.RECORD) {
            if ("Cutout".equals(schema.getName())
                    || (schema.getField("sourceId") != null && schema.getField("bands") != null)) {
                return Kind.CUTOUT;
            }
            if (schema.getField("diaSource") != null) {
                return Kind.RUBIN;
            }
            Schema.Field candidate = schema.getField("candidate");
            if (schema.getField("candid") != null && schema.getField("objectId") != null && candidate != null) {
                Schema c = recordBranch(candidate.schema());
                if (c != null && c.getField("fid") != null) {
                    return Kind.ZTF;
                }
            }
        }
        throw new DeepMergeException(Reason.UNKNOWN_FORMAT, where + " has schema " + schema.getFullName()
                + ", which is neither a ZTF alert (candid, objectId, candidate.fid), a Rubin alert (diaSource)"
                + " nor a DeepMerge Cutout (sourceId, bands)");
    }

    private static Schema recordBranch(Schema s) {
        if (s.getType() == Schema.Type.RECORD) {
            return s;
        }
        if (s.getType() == Schema.Type.UNION) {
            for (Schema b : s.getTypes()) {
                if (b.getType() == Schema.Type.RECORD) {
                    return b;
                }
            }
        }
        return null;
    }

    private Alert map(Kind kind, AlertFormat format, GenericRecord rec, String where)
            throws DeepMergeException {
        switch (kind) {
            case ZTF:
                return AlertMapping.ztf(format, rec, where, kindsBySurvey.apply(AlertMapping.ZTF));
            case RUBIN:
                return AlertMapping.rubin(format, rec, where, kindsBySurvey.apply(AlertMapping.LSST));
            default:
                return AlertMapping.cutout(format, rec, where);
        }
    }

    private static void requireBytes(byte[] message) throws DeepMergeException {
        if (message == null || message.length == 0) {
            throw new DeepMergeException(Reason.UNKNOWN_FORMAT, "empty message (0 bytes)");
        }
    }

    private static boolean startsWith(byte[] b, byte[] prefix) {
        if (b.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static DeepMergeException malformed(String where, Throwable e) {
        return AvroContainer.malformed(where, e);
    }

    private static DeepMergeException unknownFormat(byte[] message) {
        return new DeepMergeException(Reason.UNKNOWN_FORMAT, "message of " + message.length + " bytes "
                + FormatSniffer.describe(message) + " is not an Avro container (Obj 01), Confluent wire format (00 + schema id)"
                + " or Avro single-object (C3 01) message");
    }
}
