package org.deepmerge.core.synthetic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import nom.tam.fits.BinaryTableHDU;
import nom.tam.fits.Fits;
import nom.tam.fits.ImageHDU;
import org.deepmerge.core.DeepMergeException;
import org.deepmerge.core.io.NpyFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HlspSetWriterTest {

    @Test
    void fitsAndNpyMatchTheHlspLayout(@TempDir Path dir) throws Exception {
        SyntheticGalaxyGenerator gen = new SyntheticGalaxyGenerator(11, SyntheticGalaxyGenerator.Config.hlsp());
        Observation obs = SurveyPreset.HLSP_HST_JWST.observation(true);
        String name = HlspSetWriter.mastName(SurveyPreset.HLSP_HST_JWST, true);
        assertEquals("hlsp_deepmerge_hst-jwst_acs-wfc3-nircam_illustris-z2_f814w-f160w-f356w_v1_sim-noisy", name);
        HlspSetWriter.Written w = HlspSetWriter.write(dir, name, gen, obs, 4, 3, EnumSet.allOf(HlspSetWriter.Format.class));
        assertEquals(7, w.nTotal());
        assertEquals(0, Files.size(w.fits()) % 2880, "FITS files are whole 2880-byte blocks");

        float[][] expected = new float[7][];
        for (int i = 0; i < 7; i++) {
            expected[i] = gen.render(gen.sample(i < 4, i < 4 ? i : i - 4), obs);
        }

        try (Fits fits = new Fits(w.fits().toFile())) {
            ImageHDU images = (ImageHDU) fits.getHDU(0);
            assertEquals("Images", images.getHeader().getStringValue("EXTNAME"));
            assertEquals(75, images.getHeader().getIntValue("NAXIS1"));
            assertEquals(75, images.getHeader().getIntValue("NAXIS2"));
            assertEquals(3, images.getHeader().getIntValue("NAXIS3"));
            assertEquals(7, images.getHeader().getIntValue("NAXIS4"));
            assertEquals("F356W", images.getHeader().getStringValue("FILTER3"));
            assertArrayEquals(new int[] {7, 3, 75, 75}, images.getAxes(), "numpy order (N, F, 75, 75)");
            float[][][][] cube = (float[][][][]) images.getKernel();
            for (int i = 0; i < 7; i++) {
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < 75; y++) {
                        for (int x = 0; x < 75; x += 7) {
                            assertEquals(expected[i][(c * 75 + y) * 75 + x], cube[i][c][y][x]);
                        }
                    }
                }
            }
            BinaryTableHDU labels = (BinaryTableHDU) fits.getHDU(1);
            assertEquals("MergerLabels", labels.getHeader().getStringValue("EXTNAME"));
            assertEquals(7, labels.getNRows());
            assertEquals("MergerLabel", labels.getColumnName(0));
            assertArrayEquals(new int[] {1, 1, 1, 1, 0, 0, 0}, (int[]) labels.getColumn(0), "mergers first");
        }

        NpyFile x = NpyFile.open(w.npyImages());
        assertEquals(NpyFile.FLOAT32, x.descr());
        assertArrayEquals(new long[] {7, 3, 75, 75}, x.shape());
        assertEquals(0, x.dataOffset() % 64, "data aligned to 64 bytes");
        assertEquals(x.dataOffset() + 7 * 3 * 75 * 75 * 4, Files.size(w.npyImages()));
        float[] xv = x.readAllFloats();
        for (int i = 0; i < 7; i++) {
            for (int k = 0; k < expected[i].length; k += 97) {
                assertEquals(expected[i][k], xv[i * expected[i].length + k], "image " + i);
            }
        }
        NpyFile y = NpyFile.open(w.npyLabels());
        assertEquals(NpyFile.INT64, y.descr());
        assertArrayEquals(new long[] {7}, y.shape());
        assertArrayEquals(new float[] {1, 1, 1, 1, 0, 0, 0}, y.readAllFloats(), "mergers first");
    }

    @Test
    void incompleteOrMisshapenWritesFail(@TempDir Path dir) throws Exception {
        HlspFitsWriter w = HlspFitsWriter.open(dir.resolve("a.fits"), 2, List.of("F814W", "F160W"), 5, 0.1875);
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> w.append(new float[49], true));
        assertEquals(DeepMergeException.Reason.WRONG_SHAPE, e.reason());
        w.append(new float[50], true);
        e = assertThrows(DeepMergeException.class, w::close);
        assertTrue(e.getMessage().contains("1 images appended"), e.getMessage());

        e = assertThrows(DeepMergeException.class, () -> HlspSetWriter.mastName(SurveyPreset.ZTF, true));
        assertEquals(DeepMergeException.Reason.INVALID_CONFIG, e.reason());
    }
}
