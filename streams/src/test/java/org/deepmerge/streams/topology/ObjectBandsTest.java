package org.deepmerge.streams.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.util.List;
import org.deepmerge.core.alert.AlertFormat;
import org.deepmerge.core.alert.CutoutStamp;
import org.junit.jupiter.api.Test;

/** The assembly entry keeps its first stamp's arrival across merges and encodings, and reads pre-issue-19 v1 entries. */
class ObjectBandsTest {
    private static final CutoutStamp G = new CutoutStamp("science", "g", 1.0, new byte[] {1, 2, 3});

    @Test
    void deadlineCountsFromTheFirstArrivalThroughEncodeAndDecode() {
        ObjectBands e = new ObjectBands(AlertFormat.values()[0], "ZTF", "s", "o", 1, 2, 3, 4, false, 1_000L,
                List.of(new ObjectBands.BandStamp(G, 9_000L)));
        ObjectBands back = ObjectBands.decode(e.encode());
        assertEquals(1_000L, back.firstArrivalWallMs());
        assertEquals(31_000L, back.deadlineWallMs(30_000L), "first arrival + timeout, not the newest stamp's");
        assertEquals(Long.MAX_VALUE, back.deadlineWallMs(Long.MAX_VALUE), "saturates instead of overflowing");
        assertEquals(1_000L, ObjectBands.decode(back.markScored().encode()).firstArrivalWallMs(), "kept when scored");
    }

    @Test
    void versionOneEntriesTakeTheOldestStampAsTheFirstArrival() throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bos);
        out.writeByte(1);
        out.writeUTF(AlertFormat.values()[0].name());
        out.writeUTF("ZTF");
        out.writeUTF("s");
        out.writeUTF("o");
        out.writeDouble(1);
        out.writeDouble(2);
        out.writeDouble(3);
        out.writeLong(4);
        out.writeBoolean(false);
        out.writeShort(2);
        for (long wall : new long[] {7_000L, 5_000L}) {
            out.writeUTF("science");
            out.writeUTF(wall == 7_000L ? "g" : "r");
            out.writeDouble(1.0);
            out.writeLong(wall);
            out.writeInt(3);
            out.write(new byte[] {1, 2, 3});
        }
        out.flush();
        ObjectBands v1 = ObjectBands.decode(bos.toByteArray());
        assertEquals(5_000L, v1.firstArrivalWallMs());
        assertEquals(2, v1.stamps().size());
    }
}
