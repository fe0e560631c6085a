package org.deepmerge.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import nom.tam.fits.Fits;
import nom.tam.fits.Header;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.DeepMergeException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HlspReaderTest {
    @TempDir
    Path tmp;

    private static final int[] LABELS = {1, 1, 1, 0, 0, 0, 0};

    private static void assertImage(ImageDataset d, int i, int channel, int fileFilter) {
        float[] p = d.pixels();
        int base = (int) d.offset(i) + channel * d.height() * d.width();
        for (int y = 0; y < d.height(); y++) {
            for (int x = 0; x < d.width(); x++) {
                assertEquals(HlspFixtures.value(i, fileFilter, y, x), p[base + y * d.width() + x],
                        "image " + i + " channel " + channel + " pixel (" + x + "," + y + ")");
            }
        }
    }

    @Test
    void fitsInTheRealLayoutLoadsShapesChannelsAndLabels() throws Exception {
        Path f = tmp.resolve("hlsp_deepmerge_hst-jwst_acs-wfc3-nircam_illustris-z2_f814w-f160w-f356w_v1_sim-noisy.fits");
        HlspFixtures.writeFits(f, LABELS.length, 3, 75, 75, LABELS);
        try (Fits fits = new Fits(f.toFile())) {
            Header h = fits.getHDU(0).getHeader();
            assertEquals(75, h.getIntValue("NAXIS1"));
            assertEquals(3, h.getIntValue("NAXIS3"));
            assertEquals(LABELS.length, h.getIntValue("NAXIS4"));
        }
        ImageDataset all = HlspReader.readFits(f, null);
        assertEquals(List.of("F814W", "F160W", "F356W"), all.channelNames());
        assertEquals(LABELS.length, all.size());
        assertEquals(75, all.height());
        assertEquals(75, all.width());
        assertArrayEquals(LABELS, all.labels());
        for (int i = 0; i < LABELS.length; i++) {
            for (int c = 0; c < 3; c++) {
                assertImage(all, i, c, c);
            }
        }
        ImageDataset two = HlspReader.readFits(f, List.of("f160w", "F814W"));
        assertEquals(List.of("F160W", "F814W"), two.channelNames());
        assertEquals(LABELS.length * 2 * 75 * 75, two.pixels().length);
        assertImage(two, 4, 0, 1);
        assertImage(two, 4, 1, 0);
    }

    @Test
    void nonSquareFitsKeepsNaxis1AsWidth() throws Exception {
        Path f = tmp.resolve("cube.fits");
        HlspFixtures.writeFits(f, 2, 2, 5, 7, new int[] {0, 1});
        ImageDataset d = HlspReader.readFits(f, null);
        assertEquals(5, d.height());
        assertEquals(7, d.width());
        assertEquals(HlspReader.FILTERS_2, d.channelNames());
        assertImage(d, 1, 1, 1);
    }

    @Test
    void labelColumnMayBeAnyNumericOrLogicalType() throws Exception {
        Object[] columns = {new long[] {1, 0, 0}, new double[] {1.0, 0.0, 0.0}, new short[] {1, 0, 0}, new boolean[] {true, false, false}};
        for (Object col : columns) {
            Path f = tmp.resolve("labels-" + col.getClass().getSimpleName().replace("[]", "") + ".fits");
            HlspFixtures.writeFits(f, 3, 2, 8, 8, col);
            assertArrayEquals(new int[] {1, 0, 0}, HlspReader.readFits(f, null).labels(), col.getClass().getSimpleName());
        }
        Path bad = tmp.resolve("bad-label.fits");
        HlspFixtures.writeFits(bad, 2, 2, 8, 8, new double[] {1.0, 0.5});
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> HlspReader.readFits(bad, null));
        assertEquals(Reason.WRONG_SHAPE, e.reason());
        assertTrue(e.getMessage().contains("row 1"), e.getMessage());
    }

    @Test
    void unknownFilterIsAClearError() throws Exception {
        Path f = tmp.resolve("hlsp_deepmerge_hst_acs-wfc3_illustris-z2_f814w-f160w_v1_sim-pristine.fits");
        HlspFixtures.writeFits(f, 2, 2, 75, 75, new int[] {1, 0});
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> HlspReader.readFits(f, List.of("F356W")));
        assertEquals(Reason.INVALID_CONFIG, e.getMessage().contains("F356W") ? e.reason() : null);
    }

    @Test
    void npyPairInTheMastNamesLoads() throws Exception {
        Path x = tmp.resolve("hlsp_deepmerge_hst_acs-wfc3_illustris-z2_f814w-f160w_v1_sim-pristine-x.npy");
        Path y = tmp.resolve("hlsp_deepmerge_hst_acs-wfc3_illustris-z2_f814w-f160w_v1_sim-pristine-y.npy");
        HlspFixtures.writeNpyImages(x, LABELS.length, 2, 75, 75);
        HlspFixtures.writeNpyLabels(y, LABELS);
        ImageDataset d = HlspReader.readNpy(x, null, null);
        assertEquals(List.of("F814W", "F160W"), d.channelNames());
        assertArrayEquals(LABELS, d.labels());
        assertImage(d, 0, 0, 0);
        assertImage(d, 6, 1, 1);
        ImageDataset one = HlspReader.readNpy(x, null, List.of("F160W"));
        assertEquals(1, one.channels());
        assertImage(one, 3, 0, 1);
    }

    @Test
    void npyPairInTheGithubNamesLoads() throws Exception {
        Path x = tmp.resolve("pristine_2filt_X.npy");
        HlspFixtures.writeNpyImages(x, 3, 2, 75, 75);
        HlspFixtures.writeNpyLabels(tmp.resolve("pristine_2filt_y.npy"), new int[] {1, 0, 1});
        ImageDataset d = Datasets.open(x, null, ImageFolderReader.Options.defaults());
        assertArrayEquals(new int[] {1, 0, 1}, d.labels());
        assertEquals(HlspReader.FILTERS_2, d.channelNames());
        assertImage(d, 2, 1, 1);
    }

    @Test
    void missingLabelFileIsNamed() throws Exception {
        Path x = tmp.resolve("lonely_X.npy");
        HlspFixtures.writeNpyImages(x, 1, 2, 4, 4);
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> HlspReader.readNpy(x, null, null));
        assertEquals(Reason.INVALID_CONFIG, e.reason());
        assertTrue(e.getMessage().contains("lonely_X.npy"));
    }

    @Test
    void labelCountMismatchIsRejected() throws Exception {
        Path x = tmp.resolve("a-x.npy");
        HlspFixtures.writeNpyImages(x, 3, 2, 4, 4);
        HlspFixtures.writeNpyLabels(tmp.resolve("a-y.npy"), new int[] {1, 0});
        assertEquals(Reason.WRONG_SHAPE, assertThrows(DeepMergeException.class, () -> HlspReader.readNpy(x, null, null)).reason());
    }

    @Test
    void datasetsRejectsUnknownPaths() throws Exception {
        Path p = Files.writeString(tmp.resolve("notes.txt"), "x");
        assertEquals(Reason.IO_ERROR, assertThrows(DeepMergeException.class,
                () -> Datasets.open(p, null, ImageFolderReader.Options.defaults())).reason());
    }
}
