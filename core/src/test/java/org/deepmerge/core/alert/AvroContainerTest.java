package org.deepmerge.core.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.junit.jupiter.api.Test;

/** {@link AvroContainer} against Avro's own {@code DataFileStream} as the reference reader. */
class AvroContainerTest {
    private static final AvroContainer.SchemaCheck ANY = s -> { };

    private static List<GenericRecord> reference(byte[] bytes) throws Exception {
        List<GenericRecord> out = new ArrayList<>();
        try (DataFileStream<GenericRecord> in = new DataFileStream<>(new ByteArrayInputStream(bytes), new GenericDatumReader<>())) {
            in.forEach(out::add);
        }
        return out;
    }

    @Test
    void everyRealAlertReadsAsDataFileStreamReadsIt() throws Exception {
        AvroContainer container = new AvroContainer();
        int files = 0;
        for (String dir : List.of("alerts/ztf", "alerts/rubin-v9_0")) {
            for (Path f : RealAlertsTest.files(dir)) {
                byte[] bytes = Files.readAllBytes(f);
                List<GenericRecord> expected = reference(bytes);
                AvroContainer.Parsed parsed = container.read(bytes, false, f.toString(), ANY);
                assertEquals(expected, parsed.records(), f.toString());
                assertEquals(expected.get(0).getSchema(), parsed.schema(), f.toString());
                files++;
            }
        }
        assertEquals(87 + 288, files);
    }

    @Test
    void skippingTheHistoryKeepsEveryOtherFieldOfEveryRealAlert() throws Exception {
        AvroContainer projected = new AvroContainer(writer -> ProjectedReaders.HISTORY_FIELDS);
        int skipped = 0;
        for (String dir : List.of("alerts/ztf", "alerts/rubin-v9_0")) {
            for (Path f : RealAlertsTest.files(dir)) {
                byte[] bytes = Files.readAllBytes(f);
                GenericRecord full = reference(bytes).get(0);
                GenericRecord light = projected.read(bytes, true, f.toString(), ANY).records().get(0);
                for (org.apache.avro.Schema.Field field : full.getSchema().getFields()) {
                    if (ProjectedReaders.HISTORY_FIELDS.contains(field.name())) {
                        assertEquals(null, light.getSchema().getField(field.name()), field.name() + " is not decoded");
                        skipped++;
                    } else {
                        assertEquals(full.get(field.name()), light.get(field.name()), f + ": " + field.name());
                    }
                }
            }
        }
        assertTrue(skipped >= 87 + 2 * 288, "history fields skipped: " + skipped);
    }

    @Test
    void parsesEachDistinctSchemaOnce() throws Exception {
        List<Path> ztf = RealAlertsTest.files("alerts/ztf");
        AvroContainer container = new AvroContainer();
        Schema first = container.schema(Files.readAllBytes(ztf.get(0)), "first");
        Schema again = container.read(Files.readAllBytes(ztf.get(0)), true, "again", ANY).schema();
        assertSame(first, again, "the second read of the same schema text reuses the parsed schema");
    }

    /**
     * A header Avro's writer never produces but the specification allows: metadata in two map blocks, the first
     * with a negative count followed by its byte size, and user metadata around the schema.
     */
    @Test
    void metadataMapBlocksWithByteSizesAndUserKeysReadAsDataFileStreamReadsThem() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        org.apache.avro.io.BinaryEncoder enc = org.apache.avro.io.EncoderFactory.get().directBinaryEncoder(out, null);
        byte[] sync = new byte[16];
        Arrays.fill(sync, (byte) 0x5A);
        out.write(org.apache.avro.file.DataFileConstants.MAGIC);
        ByteArrayOutputStream firstBlock = new ByteArrayOutputStream();
        org.apache.avro.io.BinaryEncoder block = org.apache.avro.io.EncoderFactory.get().directBinaryEncoder(firstBlock, null);
        block.writeString("user.note");
        block.writeBytes("\u00e9t\u00e9".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        block.writeString("avro.schema");
        block.writeBytes(SMALL.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        enc.writeLong(-2);
        enc.writeLong(firstBlock.size());
        enc.flush();
        out.write(firstBlock.toByteArray());
        enc.writeLong(1);
        enc.writeString("avro.codec");
        enc.writeBytes("null".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        enc.writeLong(0);
        enc.writeFixed(sync);
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        org.apache.avro.io.BinaryEncoder rec = org.apache.avro.io.EncoderFactory.get().directBinaryEncoder(records, null);
        GenericDatumWriter<GenericRecord> writer = new GenericDatumWriter<>(SMALL);
        for (long i = 0; i < 3; i++) {
            GenericRecord r = new GenericData.Record(SMALL);
            r.put("id", i * 1_000_000_007L);
            r.put("payload", java.nio.ByteBuffer.wrap(new byte[] {(byte) i, 2, 3}));
            writer.write(r, rec);
        }
        enc.writeLong(3);
        enc.writeLong(records.size());
        enc.flush();
        out.write(records.toByteArray());
        enc.writeFixed(sync);
        enc.flush();
        byte[] bytes = out.toByteArray();
        List<GenericRecord> expected = reference(bytes);
        assertEquals(3, expected.size());
        assertEquals(expected, new AvroContainer().read(bytes, false, "blocks", ANY).records());
    }

    private static final Schema SMALL = SchemaBuilder.record("Small").fields()
            .requiredLong("id").requiredBytes("payload").endRecord();

    private static byte[] container(int records, CodecFactory codec) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DataFileWriter<GenericRecord> w = new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(SMALL))) {
            w.setCodec(codec);
            w.setSyncInterval(64);
            w.create(SMALL, out);
            for (int i = 0; i < records; i++) {
                GenericRecord r = new GenericData.Record(SMALL);
                r.put("id", (long) i);
                byte[] payload = new byte[100 + i];
                Arrays.fill(payload, (byte) i);
                r.put("payload", java.nio.ByteBuffer.wrap(payload));
                w.append(r);
            }
        }
        return out.toByteArray();
    }

    @Test
    void readsDeflatedMultiBlockContainersAndStopsAfterTheFirstWhenAsked() throws Exception {
        byte[] bytes = container(25, CodecFactory.deflateCodec(6));
        AvroContainer container = new AvroContainer();
        assertEquals(reference(bytes), container.read(bytes, false, "deflate", ANY).records());
        List<GenericRecord> first = container.read(bytes, true, "deflate", ANY).records();
        assertEquals(1, first.size());
        assertEquals(0L, first.get(0).get("id"));
    }

    @Test
    void schemaCheckRunsBeforeRecordsAreDecoded() throws Exception {
        byte[] bytes = container(3, CodecFactory.nullCodec());
        byte[] garbledRecords = Arrays.copyOf(bytes, bytes.length);
        garbledRecords[bytes.length - 40] ^= 0x7F;
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> new AvroContainer().read(garbledRecords, false, "m",
                s -> { throw new DeepMergeException(Reason.UNKNOWN_FORMAT, "schema " + s.getName() + " refused"); }));
        assertEquals(Reason.UNKNOWN_FORMAT, e.reason());
    }

    @Test
    void truncatedOrResyncedContainersAreMalformedWithTheirLocation() throws Exception {
        byte[] bytes = container(10, CodecFactory.nullCodec());
        AvroContainer container = new AvroContainer();
        for (int cut : new int[] {3, 20, bytes.length / 2, bytes.length - 1}) {
            DeepMergeException e = assertThrows(DeepMergeException.class,
                    () -> container.read(Arrays.copyOf(bytes, cut), false, "topic/3@17", ANY), "cut at " + cut);
            assertEquals(Reason.MALFORMED_ALERT, e.reason());
            assertTrue(e.getMessage().startsWith("topic/3@17"), e.getMessage());
        }
        byte[] badSync = Arrays.copyOf(bytes, bytes.length);
        badSync[bytes.length - 1] ^= 0x01;
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> container.read(badSync, false, "m", ANY));
        assertTrue(e.getMessage().contains("sync marker"), e.getMessage());
    }

    /** Issue 19 fuzzing found it: a block grown by a few bytes after its record, size varint to match, was scored. */
    @Test
    void aBlockWhoseRecordEndsBeforeItsDeclaredSizeIsMalformed() throws Exception {
        AvroContainer container = new AvroContainer();
        for (String dir : List.of("alerts/ztf", "alerts/rubin-v9_0")) {
            Path f = RealAlertsTest.files(dir).get(0);
            byte[] bytes = Files.readAllBytes(f);
            byte[] padded = padFirstBlock(bytes, 3);
            Exception ref = assertThrows(Exception.class, () -> reference(padded), "Avro's own reader rejects it: " + f);
            assertTrue(String.valueOf(ref.getMessage()).contains("Block read partially"), ref.toString());
            for (boolean firstOnly : new boolean[] {true, false}) {
                DeepMergeException e = assertThrows(DeepMergeException.class,
                        () -> container.read(padded, firstOnly, f.toString(), ANY));
                assertEquals(Reason.MALFORMED_ALERT, e.reason());
                assertTrue(e.getMessage().contains("end before"), e.getMessage());
            }
            assertEquals(1, container.read(bytes, false, f.toString(), ANY).records().size());
        }
    }

    /** The container with {@code extra} zero bytes appended inside its first block and the block size grown. */
    private static byte[] padFirstBlock(byte[] in, int extra) throws Exception {
        org.apache.avro.io.BinaryDecoder d = org.apache.avro.io.DecoderFactory.get().binaryDecoder(in, null);
        d.readFixed(new byte[4]);
        for (long n = d.readMapStart(); n != 0; n = d.mapNext()) {
            for (long i = 0; i < n; i++) {
                d.readString();
                d.readBytes(null);
            }
        }
        d.readFixed(new byte[16]);
        long count = d.readLong();
        int sizeAt = in.length - d.inputStream().available();
        long size = d.readLong();
        int dataAt = in.length - d.inputStream().available();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(in, 0, sizeAt);
        org.apache.avro.io.BinaryEncoder e = org.apache.avro.io.EncoderFactory.get().directBinaryEncoder(out, null);
        e.writeLong(size + extra);
        e.flush();
        out.write(in, dataAt, (int) size);
        out.write(new byte[extra]);
        out.write(in, dataAt + (int) size, in.length - dataAt - (int) size);
        assertEquals(1, count);
        return out.toByteArray();
    }
}
