package org.deepmerge.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyArrayTest {
    @TempDir
    Path tmp;

    @Test
    void realSubsamplesYHasTheHlspShapeAndMergersFirst() throws Exception {
        Path y = TestData.require("hlsp-metadata/subsamples_y.npy");
        NpyArray a = NpyArray.open(y);
        assertEquals("<i8", a.descr());
        assertArrayEquals(new long[] {15426, 3}, a.shape());
        int[] labels = HlspReader.readNpyLabels(y, 15426);
        int mergers = 0;
        for (int l : labels) {
            mergers += l;
        }
        assertTrue(mergers > 0 && mergers < labels.length, "both classes present: " + mergers);
        for (int i = 0; i < labels.length; i++) {
            assertEquals(i < mergers ? 1 : 0, labels[i], "HLSP files list mergers first; row " + i);
        }
        float[] all = a.readAllFloats();
        assertEquals(15426 * 3, all.length);
        for (int i = 0; i < labels.length; i++) {
            assertEquals(labels[i], all[i * 3], "column 0 of row " + i);
        }
    }

    @Test
    void realFloat64MetadataReads() throws Exception {
        NpyArray m = NpyArray.open(TestData.require("hlsp-metadata/logMstar.npy"));
        assertEquals("<f8", m.descr());
        assertArrayEquals(new long[] {15426}, m.shape());
        float[] v = m.readAllFloats();
        int finite = 0;
        for (float x : v) {
            if (Float.isFinite(x)) {
                finite++;
                assertTrue(x > 5 && x < 14, "log stellar mass " + x);
            }
        }
        assertTrue(finite > 15000, "finite masses: " + finite);
        assertEquals(Reason.WRONG_SHAPE, assertThrows(DeepMergeException.class,
                () -> HlspReader.readNpyLabels(TestData.require("hlsp-metadata/logMstar.npy"), 15426)).reason(),
                "masses are not 0/1 labels");
    }

    @Test
    void allSupportedDtypesAndVersion2Headers() throws Exception {
        ByteBuffer u1 = ByteBuffer.wrap(new byte[] {0, 1, (byte) 255});
        Path pu = tmp.resolve("u1.npy");
        HlspFixtures.writeNpy(pu, 1, "|u1", new long[] {3}, u1.array());
        assertArrayEquals(new float[] {0, 1, 255}, NpyArray.open(pu).readAllFloats());

        ByteBuffer i4 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(-7).putInt(9);
        Path pi = tmp.resolve("i4.npy");
        HlspFixtures.writeNpy(pi, 2, "<i4", new long[] {1, 2}, i4.array());
        NpyArray ai = NpyArray.open(pi);
        assertArrayEquals(new long[] {1, 2}, ai.shape());
        assertArrayEquals(new float[] {-7, 9}, ai.readAllFloats());

        ByteBuffer f8 = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN).putDouble(1.5).putDouble(-2.25);
        Path pf = tmp.resolve("f8.npy");
        HlspFixtures.writeNpy(pf, 1, ">f8", new long[] {2}, f8.array());
        assertArrayEquals(new float[] {1.5f, -2.25f}, NpyArray.open(pf).readAllFloats());
    }

    @Test
    void badFilesAreRejectedWithTheirName() throws Exception {
        Path junk = Files.write(tmp.resolve("junk.npy"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13});
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> NpyArray.open(junk));
        assertEquals(Reason.WRONG_SHAPE, e.reason());
        assertTrue(e.getMessage().contains("junk.npy"));

        Path c16 = tmp.resolve("c16.npy");
        HlspFixtures.writeNpy(c16, 1, "<c16", new long[] {1}, new byte[16]);
        assertEquals(Reason.WRONG_SHAPE, assertThrows(DeepMergeException.class, () -> NpyArray.open(c16)).reason());

        Path truncated = tmp.resolve("short.npy");
        HlspFixtures.writeNpy(truncated, 1, "<f4", new long[] {10}, new byte[8]);
        assertTrue(assertThrows(DeepMergeException.class, () -> NpyArray.open(truncated)).getMessage().contains("truncated"));
    }
}
