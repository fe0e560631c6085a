package org.deepmerge.core.alert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.deepmerge.avro.v1.Cutout;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.fits.Stamp;
import org.deepmerge.core.fits.StampDecoder;
import org.deepmerge.core.fits.StampEncoder;
import org.deepmerge.core.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The project's Cutout record round-trips in every encoding; bad bytes fail with the right reason. */
class CutoutRecordsTest {
    @TempDir
    Path tmp;

    private static float[] ramp(int w, int h) {
        float[] p = new float[w * h];
        for (int i = 0; i < p.length; i++) {
            p[i] = i * 0.5f - 3;
        }
        return p;
    }

    private static Cutout sample() {
        byte[] f814 = StampEncoder.encode(75, 75, ramp(75, 75), 0.1875, 150.1, 2.2, false);
        byte[] f160 = StampEncoder.encode(75, 60, ramp(75, 60), 0.1875, 150.1, 2.2, true);
        return CutoutRecords.cutout("sim-42", null, "SIM", 150.1, 2.2, 59000.25, List.of(
                CutoutRecords.band("F814W", "science", 0.1875, f814),
                CutoutRecords.band("F160W", "science", 0.1875, f160)));
    }

    private static void assertSample(Alert a) throws DeepMergeException {
        assertEquals(AlertFormat.DEEPMERGE_CUTOUT, a.format());
        assertEquals("sim-42", a.sourceId());
        assertNull(a.objectId());
        assertEquals("SIM", a.survey());
        assertEquals(150.1, a.ra(), 0);
        assertEquals(2.2, a.dec(), 0);
        assertEquals(59000.25, a.epochMjd(), 0);
        assertEquals(List.of("F814W", "F160W"), a.stamps().stream().map(CutoutStamp::band).collect(java.util.stream.Collectors.toList()));
        StampDecoder decoder = StampDecoder.withDefaults();
        Stamp s0 = decoder.decode(a.stamps().get(0));
        Stamp s1 = decoder.decode(a.stamps().get(1));
        assertEquals(75, s0.width());
        assertEquals(75, s0.height());
        assertEquals(75, s1.width());
        assertEquals(60, s1.height(), "non-square stamp");
        assertArrayEquals(ramp(75, 75), s0.pixels());
        assertArrayEquals(ramp(75, 60), s1.pixels());
        assertEquals(0.1875, s0.pixelScaleArcsec(), 1e-9, "scale from the written CD matrix");
    }

    @Test
    void containerSingleObjectAndConfluentRoundTrip() throws Exception {
        Cutout c = sample();
        AlertReader reader = new AlertReader(null);

        byte[] container = CutoutRecords.toContainerFile(List.of(c, c));
        assertEquals('O', container[0]);
        assertSample(reader.read(container));
        assertEquals(2, reader.readAll(container).size());
        ByteArrayOutputStream deflated = new ByteArrayOutputStream();
        try (DataFileWriter<Cutout> w = new DataFileWriter<>(new org.apache.avro.specific.SpecificDatumWriter<>(Cutout.class))) {
            w.setCodec(org.apache.avro.file.CodecFactory.deflateCodec(6));
            w.create(Cutout.getClassSchema(), deflated);
            w.append(c);
        }
        assertSample(reader.read(deflated.toByteArray()));

        byte[] single = CutoutRecords.toSingleObject(c);
        assertEquals(0xC3, single[0] & 0xFF);
        assertEquals(0x01, single[1]);
        assertSample(reader.read(single));

        Files.writeString(tmp.resolve("17.avsc"), new org.apache.avro.JsonSchemaFormatter(true).format(CutoutRecords.schema()));
        AlertReader framed = new AlertReader(new LocalSchemaDirectory(tmp));
        byte[] confluent = CutoutRecords.toConfluent(c, 17);
        assertEquals(0, confluent[0]);
        assertEquals(17, java.nio.ByteBuffer.wrap(confluent, 1, 4).getInt());
        assertEquals(AlertFormat.DEEPMERGE_CUTOUT, framed.detect(confluent));
        assertSample(framed.read(confluent));
    }

    @Test
    void aRealAlertConvertsToACutoutRecordAndBack() throws Exception {
        AlertReader reader = new AlertReader(null);
        Path ztf = RealAlertsTest.files("alerts/ztf").get(0);
        Alert original = reader.read(Files.readAllBytes(ztf));
        Alert again = reader.read(CutoutRecords.toSingleObject(CutoutRecords.fromAlert(original)));
        assertEquals(original.sourceId(), again.sourceId());
        assertEquals(original.objectId(), again.objectId());
        assertEquals("ZTF", again.survey());
        assertEquals(original.epochMjd(), again.epochMjd(), 0);
        for (int i = 0; i < 3; i++) {
            assertEquals(original.stamps().get(i).kind(), again.stamps().get(i).kind());
            assertArrayEquals(original.stamps().get(i).data(), again.stamps().get(i).data());
        }
    }

    @Test
    void unknownBytesNameWhatTheyLookLike() throws Exception {
        AlertReader reader = new AlertReader(null);
        byte[] jpeg = Files.readAllBytes(TestData.require("images/hubble_deep_field.jpg"));
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> reader.read(jpeg));
        assertEquals(Reason.UNKNOWN_FORMAT, e.reason());
        assertTrue(e.getMessage().contains("FF D8") && e.getMessage().contains("JPEG"), e.getMessage());

        byte[] fits = Files.readAllBytes(TestData.require("images/iraf_dev_pix_m51_B.fits"));
        e = assertThrows(DeepMergeException.class, () -> reader.read(fits));
        assertEquals(Reason.UNKNOWN_FORMAT, e.reason());
        assertTrue(e.getMessage().contains("FITS"), e.getMessage());

        assertEquals(Reason.UNKNOWN_FORMAT, assertThrows(DeepMergeException.class, () -> reader.read(new byte[0])).reason());
    }

    @Test
    void truncatedAndGarbledAvroIsMalformed() throws Exception {
        AlertReader reader = new AlertReader(null);
        byte[] ztf = Files.readAllBytes(RealAlertsTest.files("alerts/ztf").get(0));
        for (int cut : new int[] {5, 100, ztf.length / 2, ztf.length - 20}) {
            DeepMergeException e = assertThrows(DeepMergeException.class, () -> reader.read(Arrays.copyOf(ztf, cut)));
            assertEquals(Reason.MALFORMED_ALERT, e.reason(), cut + ": " + e.getMessage());
        }
        byte[] single = CutoutRecords.toSingleObject(sample());
        DeepMergeException e = assertThrows(DeepMergeException.class,
                () -> reader.read(Arrays.copyOf(single, single.length - 100)));
        assertEquals(Reason.MALFORMED_ALERT, e.reason(), e.getMessage());

        // a container whose first block claims 1.9 GB: rejected from the byte count, nothing allocated
        byte[] c = CutoutRecords.toContainerFile(List.of(sample()));
        byte[] sync = Arrays.copyOfRange(c, c.length - 16, c.length);
        int headerEnd = -1;
        for (int i = 0; i + 16 <= c.length && headerEnd < 0; i++) {
            if (Arrays.equals(Arrays.copyOfRange(c, i, i + 16), sync)) {
                headerEnd = i + 16;
            }
        }
        ByteArrayOutputStream liar = new ByteArrayOutputStream();
        liar.write(c, 0, headerEnd);
        org.apache.avro.io.BinaryEncoder enc = org.apache.avro.io.EncoderFactory.get().binaryEncoder(liar, null);
        enc.writeLong(1);
        enc.writeLong(1_900_000_000L);
        enc.flush();
        liar.write(new byte[] {1, 2, 3, 4});
        e = assertThrows(DeepMergeException.class, () -> reader.read(liar.toByteArray()));
        assertEquals(Reason.MALFORMED_ALERT, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("1900000000"), e.getMessage());

        byte[] otherFingerprint = single.clone();
        otherFingerprint[5] ^= 0x55;
        e = assertThrows(DeepMergeException.class, () -> reader.read(otherFingerprint));
        assertEquals(Reason.UNKNOWN_SCHEMA, e.reason(), e.getMessage());
    }

    @Test
    void missingIdsOrPositionsAreNamed() throws Exception {
        AlertReader reader = new AlertReader(null);
        Cutout noRa = sample();
        noRa.setRa(Double.NaN);
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> reader.read(CutoutRecords.toSingleObject(noRa)));
        assertEquals(Reason.INVALID_FIELD, e.reason(), "present but NaN: invalid, not missing");
        assertTrue(e.getMessage().contains("Cutout.ra = NaN"), e.getMessage());

        // a ZTF-like schema of another version: detected by content, position missing
        Schema candidate = SchemaBuilder.record("candidate").namespace("ztf.alert").fields()
                .requiredLong("jd").requiredInt("fid").optionalDouble("ra").requiredDouble("dec").endRecord();
        Schema alert = SchemaBuilder.record("alert").namespace("ztf").fields().requiredString("schemavsn")
                .requiredString("objectId").requiredLong("candid").name("candidate").type(candidate).noDefault()
                .endRecord();
        GenericRecord cand = new GenericData.Record(candidate);
        cand.put("jd", 2459000L);
        cand.put("fid", 2);
        cand.put("ra", null);
        cand.put("dec", 10.0);
        GenericRecord rec = new GenericData.Record(alert);
        rec.put("schemavsn", "9.9");
        rec.put("objectId", "ZTF20abcdefg");
        rec.put("candid", 123L);
        rec.put("candidate", cand);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DataFileWriter<GenericRecord> w = new DataFileWriter<>(new GenericDatumWriter<>(alert))) {
            w.create(alert, out);
            w.append(rec);
        }
        assertEquals(AlertFormat.ZTF_AVRO_CONTAINER, reader.detect(out.toByteArray()));
        e = assertThrows(DeepMergeException.class, () -> reader.read(out.toByteArray()));
        assertEquals(Reason.MISSING_FIELD, e.reason());
        assertTrue(e.getMessage().contains("candidate.ra"), e.getMessage());

        cand.put("ra", 12.5);
        ByteArrayOutputStream ok = new ByteArrayOutputStream();
        try (DataFileWriter<GenericRecord> w = new DataFileWriter<>(new GenericDatumWriter<>(alert))) {
            w.create(alert, ok);
            w.append(rec);
        }
        Alert a = reader.read(ok.toByteArray());
        assertEquals("123", a.sourceId());
        assertEquals("r", a.stamps().get(0).band());
        assertTrue(a.stamps().stream().noneMatch(CutoutStamp::present), "schema without cutouts: absent stamps");
        assertEquals(2459000 - 2400000.5, a.epochMjd(), 0);
    }
}
