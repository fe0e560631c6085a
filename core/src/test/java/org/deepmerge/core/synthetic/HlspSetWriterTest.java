package org.deepmerge.core.synthetic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import nom.tam.fits.BinaryTableHDU;
import nom.tam.fits.Fits;
import nom.tam.fits.ImageHDU;
import org.deepmerge.core.DeepMergeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HlspSetWriterTest {

    /** A minimal .npy v1 parser: dtype, shape and the raw little-endian data. */
    record Npy(String descr, boolean fortran, long[] shape, ByteBuffer data, int headerLength) {
        static Npy read(Path p) throws IOException {
            byte[] b = Files.readAllBytes(p);
            assertEquals((byte) 0x93, b[0]);
            assertEquals("NUMPY", new String(b, 1, 5, StandardCharsets.US_ASCII));
            assertEquals(1, b[6], "major version");
            assertEquals(0, b[7], "minor version");
            int len = (b[8] & 0xff) | (b[9] & 0xff) << 8;
            String dict = new String(b, 10, len, StandardCharsets.US_ASCII);
            assertTrue(dict.endsWith("\n"), "header ends with newline");
            Matcher d = Pattern.compile("'descr': '([^']+)'").matcher(dict);
            Matcher f = Pattern.compile("'fortran_order': (True|False)").matcher(dict);
            Matcher s = Pattern.compile("'shape': \\(([^)]*)\\)").matcher(dict);
            assertTrue(d.find() && f.find() && s.find(), "header dict " + dict);
            String[] dims = s.group(1).split(",");
            long[] shape = java.util.Arrays.stream(dims).map(String::trim).filter(x -> !x.isEmpty())
                    .mapToLong(Long::parseLong).toArray();
            ByteBuffer data = ByteBuffer.wrap(b, 10 + len, b.length - 10 - len).slice().order(ByteOrder.LITTLE_ENDIAN);
            return new Npy(d.group(1), f.group(1).equals("True"), shape, data, 10 + len);
        }
    }

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

        Npy x = Npy.read(w.npyImages());
        assertEquals("<f4", x.descr());
        assertEquals(false, x.fortran());
        assertArrayEquals(new long[] {7, 3, 75, 75}, x.shape());
        assertEquals(0, x.headerLength() % 64, "data aligned to 64 bytes");
        assertEquals(7 * 3 * 75 * 75 * 4, x.data().remaining());
        for (int i = 0; i < 7; i++) {
            for (int k = 0; k < expected[i].length; k += 97) {
                assertEquals(expected[i][k], x.data().getFloat((i * expected[i].length + k) * 4), "image " + i);
            }
        }
        Npy y = Npy.read(w.npyLabels());
        assertEquals("<i8", y.descr());
        assertArrayEquals(new long[] {7}, y.shape());
        long[] yv = new long[7];
        y.data().asLongBuffer().get(yv);
        assertArrayEquals(new long[] {1, 1, 1, 1, 0, 0, 0}, yv);
    }

    @Test
    void npyHeaderFormatsShapesLikeNumpy() {
        String one = new String(NpyWriter.header("<i8", 15426), StandardCharsets.US_ASCII);
        assertTrue(one.contains("{'descr': '<i8', 'fortran_order': False, 'shape': (15426,), }"), one);
        assertEquals(128, NpyWriter.header("<i8", 15426).length);
        String four = new String(NpyWriter.header("<f4", 15426, 2, 75, 75), StandardCharsets.US_ASCII);
        assertTrue(four.contains("'shape': (15426, 2, 75, 75), }"), four);
    }

    @Test
    void incompleteOrMisshapenWritesFail(@TempDir Path dir) throws Exception {
        HlspFitsWriter w = HlspFitsWriter.open(dir.resolve("a.fits"), 2, List.of("F814W", "F160W"), 5, 0.1875);
        DeepMergeException e = assertThrows(DeepMergeException.class, () -> w.append(new float[49], true));
        assertEquals(DeepMergeException.Reason.WRONG_SHAPE, e.reason());
        w.append(new float[50], true);
        e = assertThrows(DeepMergeException.class, w::close);
        assertTrue(e.getMessage().contains("1 images appended"), e.getMessage());

        NpyWriter n = NpyWriter.open(dir.resolve("a.npy"), NpyWriter.FLOAT32, 2, 2);
        e = assertThrows(DeepMergeException.class, () -> n.writeLongs(new long[] {1}));
        assertEquals(DeepMergeException.Reason.INVALID_CONFIG, e.reason());
        n.writeFloats(new float[3]);
        assertThrows(DeepMergeException.class, () -> n.writeFloats(new float[2]));
        assertThrows(DeepMergeException.class, n::close);

        e = assertThrows(DeepMergeException.class, () -> HlspSetWriter.mastName(SurveyPreset.ZTF, true));
        assertEquals(DeepMergeException.Reason.INVALID_CONFIG, e.reason());
    }
}
