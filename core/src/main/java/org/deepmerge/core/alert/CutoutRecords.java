package org.deepmerge.core.alert;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.deepmerge.avro.v1.Cutout;
import org.deepmerge.avro.v1.CutoutBand;

/**
 * Builds the project's {@code org.deepmerge.avro.v1.Cutout} records ({@code schemas/cutout.avsc}) and encodes them in
 * every form {@link AlertReader} reads: Avro Object Container File, Avro single-object encoding, and Confluent wire
 * format. Used by tests, demos and the synthetic generator.
 */
public final class CutoutRecords {
    private CutoutRecords() {
    }

    /** @return the Cutout writer schema */
    public static Schema schema() {
        return Cutout.getClassSchema();
    }

    /**
     * @param band             band/filter name, e.g. {@code F814W}, {@code g}
     * @param kind             {@code science}, {@code template} or {@code difference}
     * @param pixelScaleArcsec pixel scale, arcsec/px (used when the FITS has no WCS)
     * @param stampData        FITS file bytes, gzipped or not (copied)
     * @return one band entry
     */
    public static CutoutBand band(String band, String kind, double pixelScaleArcsec, byte[] stampData) {
        return CutoutBand.newBuilder().setBand(band).setKind(kind).setPixelScaleArcsec(pixelScaleArcsec)
                .setStampData(ByteBuffer.wrap(stampData.clone())).build();
    }

    /**
     * @param sourceId unique id of this detection/cutout set (score key)
     * @param objectId object id, may be null
     * @param survey   survey name, e.g. {@code HST}, {@code SIM}
     * @param ra       right ascension, degrees
     * @param dec      declination, degrees
     * @param epochMjd epoch, MJD; null or NaN when unknown
     * @param bands    one entry per band
     * @return the record
     */
    public static Cutout cutout(String sourceId, String objectId, String survey, double ra, double dec,
                                Double epochMjd, List<CutoutBand> bands) {
        return Cutout.newBuilder().setSourceId(sourceId).setObjectId(objectId).setSurvey(survey).setRa(ra).setDec(dec)
                .setEpochMjd(epochMjd == null || epochMjd.isNaN() ? null : epochMjd).setBands(new ArrayList<>(bands))
                .build();
    }

    /**
     * Converts a decoded alert (any format) into a Cutout record, keeping only its present stamps.
     *
     * @param alert a decoded alert
     * @return the record; {@code sourceId}, ids, position, epoch and stamps carried over
     */
    public static Cutout fromAlert(Alert alert) {
        List<CutoutBand> bands = new ArrayList<>();
        for (CutoutStamp s : alert.stamps()) {
            if (s.present()) {
                bands.add(band(s.band(), s.kind(), s.pixelScaleArcsec(), s.data()));
            }
        }
        return cutout(alert.sourceId(), alert.objectId(), alert.survey(), alert.ra(), alert.dec(),
                alert.epochMjd(), bands);
    }

    /**
     * @param records records to write, in order (one per Kafka message is the usual case)
     * @return an Avro Object Container File (magic {@code Obj\x01}, schema embedded, null codec)
     */
    public static byte[] toContainerFile(List<Cutout> records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DataFileWriter<Cutout> w = new DataFileWriter<>(new SpecificDatumWriter<>(Cutout.class))) {
            w.create(Cutout.getClassSchema(), out);
            for (Cutout c : records) {
                w.append(c);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("in-memory Avro container write failed", e);
        }
        return out.toByteArray();
    }

    /**
     * @param record one record
     * @return Avro single-object encoding: C3 01, 8-byte little-endian CRC-64-AVRO fingerprint of the schema, binary record
     */
    public static byte[] toSingleObject(Cutout record) {
        try {
            ByteBuffer bb = Cutout.getEncoder().encode(record);
            byte[] out = new byte[bb.remaining()];
            bb.get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("in-memory Avro single-object write failed", e);
        }
    }

    /**
     * @param record   one record
     * @param schemaId the id under which the Cutout schema is registered
     * @return Confluent wire format: 0x00, 4-byte big-endian schema id, Avro binary record
     */
    public static byte[] toConfluent(Cutout record, int schemaId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(schemaId >>> 24);
        out.write(schemaId >>> 16);
        out.write(schemaId >>> 8);
        out.write(schemaId);
        try {
            BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
            new SpecificDatumWriter<>(Cutout.class).write(record, enc);
            enc.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("in-memory Avro binary write failed", e);
        }
        return out.toByteArray();
    }
}
