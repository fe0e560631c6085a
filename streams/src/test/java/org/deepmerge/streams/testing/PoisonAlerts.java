package org.deepmerge.streams.testing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;

/** Poison messages made from real alerts: valid by their Avro schema, hostile by size. */
public final class PoisonAlerts {
    private PoisonAlerts() {
    }

    /**
     * @param ztfAlert a real ZTF alert (Avro container, one record)
     * @param objectId the objectId to put in it
     * @return the same alert, same writer schema, with that objectId
     */
    public static byte[] withObjectId(byte[] ztfAlert, String objectId) {
        try (DataFileStream<GenericRecord> in = new DataFileStream<>(new ByteArrayInputStream(ztfAlert),
                new GenericDatumReader<>())) {
            GenericRecord r = in.next();
            r.put("objectId", objectId);
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            try (DataFileWriter<GenericRecord> w = new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(in.getSchema()))) {
                w.create(in.getSchema(), bos);
                w.append(r);
            }
            return bos.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param size bytes
     * @return deterministic garbage of that size (no alert magic)
     */
    public static byte[] garbage(int size) {
        byte[] b = new byte[size];
        java.util.Random rnd = new java.util.Random(size);
        rnd.nextBytes(b);
        b[0] = 'X';
        return b;
    }
}
