package org.deepmerge.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.deepmerge.core.io.NpyFile;
import org.deepmerge.core.testing.TestData;
import org.junit.jupiter.api.Test;

/** The authors' HLSP .npy files read by the project's .npy codec ({@link NpyFile}) and the HLSP label reader. */
class HlspNpyFilesTest {
    @Test
    void realSubsamplesYHasTheHlspShapeAndMergersFirst() throws Exception {
        Path y = TestData.require("hlsp-metadata/subsamples_y.npy");
        NpyFile a = NpyFile.open(y);
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
        NpyFile m = NpyFile.open(TestData.require("hlsp-metadata/logMstar.npy"));
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
}
