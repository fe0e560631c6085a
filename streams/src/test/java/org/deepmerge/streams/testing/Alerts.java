package org.deepmerge.streams.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.deepmerge.core.testing.TestData;

/** The real alert files of {@code ../shared/data}, in name order. */
public final class Alerts {
    private Alerts() {
    }

    /** @return the 87 ZTF alert files */
    public static List<Path> ztf() {
        return list("alerts/ztf");
    }

    /** @return the 288 Rubin alert files */
    public static List<Path> rubin() {
        return list("alerts/rubin-v9_0");
    }

    private static List<Path> list(String rel) {
        Path dir = TestData.require(rel);
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @param p a file @return its bytes */
    public static byte[] bytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param schemaId the id to frame it with (900 is its own schema, lsst.v9_0)
     * @return the official Rubin v9.0 {@code fakeAlert.avro} record (its cutouts are null) in Confluent wire format
     */
    public static byte[] rubinFakeAlertFramed(int schemaId) {
        try (DataFileStream<GenericRecord> in = new DataFileStream<>(
                Files.newInputStream(TestData.require("schemas/lsst/v9_0/fakeAlert.avro")), new GenericDatumReader<>())) {
            GenericRecord fake = in.next();
            ByteArrayOutputStream framed = new ByteArrayOutputStream();
            framed.write(new byte[] {0, (byte) (schemaId >>> 24), (byte) (schemaId >>> 16), (byte) (schemaId >>> 8),
                    (byte) schemaId});
            BinaryEncoder enc = EncoderFactory.get().binaryEncoder(framed, null);
            new GenericDatumWriter<GenericRecord>(fake.getSchema()).write(fake, enc);
            enc.flush();
            return framed.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
