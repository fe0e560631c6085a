package org.deepmerge.core.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.junit.jupiter.api.Test;

/**
 * A real ZTF alert whose position is present but unusable: the reason must say the value is invalid (and name it),
 * not that the field is missing.
 */
class AlertPositionTest {

    /** @return the first real ZTF alert with {@code candidate.<field>} set to {@code value}, in its own writer schema */
    private static byte[] ztfWith(String field, Object value) throws Exception {
        byte[] original = Files.readAllBytes(RealAlertsTest.files("alerts/ztf").get(0));
        try (DataFileStream<GenericRecord> in = new DataFileStream<>(new ByteArrayInputStream(original),
                new GenericDatumReader<>())) {
            GenericRecord alert = in.next();
            ((GenericRecord) alert.get("candidate")).put(field, value);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (DataFileWriter<GenericRecord> w = new DataFileWriter<>(new GenericDatumWriter<>(alert.getSchema()))) {
                w.create(alert.getSchema(), out);
                w.append(alert);
            }
            return out.toByteArray();
        }
    }

    private static DeepMergeException rejected(String field, Object value) throws Exception {
        byte[] mutant = ztfWith(field, value);
        return assertThrows(DeepMergeException.class, () -> new AlertReader(null).read(mutant), field + " = " + value);
    }

    @Test
    void aNanOrInfinitePositionIsAnInvalidFieldNamingTheValue() throws Exception {
        DeepMergeException e = rejected("ra", Double.NaN);
        assertEquals(Reason.INVALID_FIELD, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("candidate.ra") && e.getMessage().contains("NaN"), e.getMessage());

        e = rejected("dec", Double.NEGATIVE_INFINITY);
        assertEquals(Reason.INVALID_FIELD, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("candidate.dec") && e.getMessage().contains("-Infinity"), e.getMessage());
    }

    @Test
    void aPositionOutOfRangeIsAnInvalidFieldToo() throws Exception {
        DeepMergeException e = rejected("ra", 400.0);
        assertEquals(Reason.INVALID_FIELD, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("candidate.ra") && e.getMessage().contains("400.0"), e.getMessage());

        e = rejected("dec", -90.5);
        assertEquals(Reason.INVALID_FIELD, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("candidate.dec") && e.getMessage().contains("-90.5"), e.getMessage());
    }

    @Test
    void theUnmutatedAlertReadsAndTheEdgesOfTheRangesAreValid() throws Exception {
        assertEquals(0.0, new AlertReader(null).read(ztfWith("ra", 360.0)).ra(), "RA 360 wraps to 0");
        assertEquals(-90.0, new AlertReader(null).read(ztfWith("dec", -90.0)).dec());
    }
}
