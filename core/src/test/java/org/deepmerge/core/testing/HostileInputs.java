package org.deepmerge.core.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/** Crafted hostile inputs: small messages that declare or imply huge amounts of work or memory. */
public final class HostileInputs {
    private HostileInputs() {
    }

    /**
     * An Avro container file whose only block declares {@code records} records of a record schema named
     * {@code Cutout} with no fields: every record is zero bytes, so the block's data are empty and a few hundred
     * bytes declare any number of records (2^40 in the issue).
     *
     * @param records declared record count
     * @return the container bytes (a few hundred)
     */
    public static byte[] zeroByteRecords(long records) {
        String schema = "{\"type\":\"record\",\"name\":\"Cutout\",\"namespace\":\"org.deepmerge.hostile\","
                + "\"doc\":\"zero-byte records\",\"fields\":[]}";
        return container(schema, records, new byte[0]);
    }

    /**
     * A container of one record whose writer schema text is about {@code schemaBytes} long: a record named
     * {@code Cutout} with a first field padded by a long doc string, distinct per {@code variant}.
     *
     * @param variant     makes the schema text distinct
     * @param schemaBytes approximate length of the schema JSON, bytes
     * @return container bytes; the record has no data (all fields are null-less empty records)
     */
    public static byte[] largeSchema(int variant, int schemaBytes) {
        StringBuilder fields = new StringBuilder();
        int n = 0;
        // many small fields, as a real bloated schema (each field is parsed into objects, unlike one long doc string)
        while (fields.length() < schemaBytes) {
            if (n > 0) {
                fields.append(',');
            }
            fields.append("{\"name\":\"f").append(variant).append('_').append(n++)
                    .append("\",\"type\":{\"type\":\"record\",\"name\":\"R").append(variant).append('_').append(n)
                    .append("\",\"fields\":[]},\"doc\":\"padding field of a hostile schema\"}");
        }
        String schema = "{\"type\":\"record\",\"name\":\"Cutout\",\"namespace\":\"org.deepmerge.hostile.v" + variant
                + "\",\"fields\":[" + fields + "]}";
        return container(schema, 1, new byte[0]);
    }

    private static byte[] container(String schema, long records, byte[] blockData) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(new byte[] {'O', 'b', 'j', 1});
            BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
            enc.writeMapStart();
            enc.setItemCount(2);
            enc.startItem();
            enc.writeString("avro.schema");
            enc.writeBytes(schema.getBytes(StandardCharsets.UTF_8));
            enc.startItem();
            enc.writeString("avro.codec");
            enc.writeBytes("null".getBytes(StandardCharsets.UTF_8));
            enc.writeMapEnd();
            byte[] sync = new byte[16];
            for (int i = 0; i < sync.length; i++) {
                sync[i] = (byte) (0x5A ^ i);
            }
            enc.writeFixed(sync);
            enc.writeLong(records);
            enc.writeLong(blockData.length);
            enc.writeFixed(blockData);
            enc.writeFixed(sync);
            enc.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A gzip bomb stamp: a valid FITS header declaring a 16384 x 16384 float32 image (1 GiB), then 1024 gzip members
     * of 1 MiB of zeros each (RFC 1952 2.2 multi-member stream); under 4 MiB compressed, 1 GiB inflated.
     *
     * @return the gzip bytes
     */
    public static byte[] gzipBomb() {
        StringBuilder h = new StringBuilder();
        for (String card : new String[] {"SIMPLE  =                    T", "BITPIX  =                  -32",
                "NAXIS   =                    2", "NAXIS1  =                16384", "NAXIS2  =                16384", "END"}) {
            h.append(String.format("%-80s", card));
        }
        while (h.length() % 2880 != 0) {
            h.append(' ');
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(gzip(h.toString().getBytes(StandardCharsets.US_ASCII)));
        byte[] mebibyte = gzip(new byte[1 << 20]);
        for (int i = 0; i < 1024; i++) {
            out.writeBytes(mebibyte);
        }
        return out.toByteArray();
    }

    private static byte[] gzip(byte[] b) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream z = new GZIPOutputStream(out)) {
                z.write(b);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
