package org.deepmerge.core.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deepmerge.avro.v1.Cutout;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.testing.HostileInputs;
import org.junit.jupiter.api.Test;

/** The cap on records decoded from one container file. */
class ContainerRecordCapTest {

    @Test
    void aContainerDeclaring2To40RecordsDecodesOnlyUpToTheCapAndCountsTheRest() throws Exception {
        byte[] bomb = HostileInputs.zeroByteRecords(1L << 40);
        AvroContainer.Parsed parsed = new AvroContainer().read(bomb, 5, "bomb", s -> { });
        assertEquals(5, parsed.records().size());
        assertEquals((1L << 40) - 5, parsed.beyondCap());
        assertFalse(parsed.atLeast());
    }

    @Test
    void readAllRejectsAContainerBeyondTheDefaultCapWithTheCountBeforeMappingAnyRecord() {
        byte[] bomb = HostileInputs.zeroByteRecords(1L << 40);
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> new AlertReader(null).readAll(bomb));
        assertEquals(Reason.INPUT_TOO_LARGE, e.reason(), e.getMessage());
        assertEquals("Avro container declares 1099511627776 records, more than the limit of 1000 per file: the "
                + "1099511626776 records after the first 1000 are not decoded", e.getMessage());
    }

    @Test
    void aCappedReadWhoseRecordsFailNamesTheCountToo() {
        byte[] bomb = HostileInputs.zeroByteRecords(1L << 40);
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> new AlertReader(null).readAll(bomb, 10));
        assertTrue(e.getMessage().contains("declares 1099511627776 records, more than the limit of 10"), e.getMessage());
    }

    @Test
    void realRecordsWithinTheCapAreKeptAndTheRestCounted() throws Exception {
        List<Cutout> records = new ArrayList<>();
        AlertReader reader = new AlertReader(null);
        for (Path f : RealAlertsTest.files("alerts/ztf").subList(0, 3)) {
            records.add(CutoutRecords.fromAlert(reader.read(Files.readAllBytes(f))));
        }
        byte[] container = CutoutRecords.toContainerFile(records);
        AlertReader.Capped capped = reader.readAll(container, 2);
        assertEquals(2, capped.alerts().size());
        assertEquals(1, capped.beyondCap());
        assertEquals("declares 3 records, more than the limit of 2 per file: the 1 records after the first 2 are not"
                + " decoded", capped.describeBeyond());
        assertEquals(3, reader.readAll(container, 3).alerts().size());
        assertEquals(0, reader.readAll(container, 3).beyondCap());
    }
}
