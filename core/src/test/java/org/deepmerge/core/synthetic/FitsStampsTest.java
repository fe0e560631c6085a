package org.deepmerge.core.synthetic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.util.zip.GZIPInputStream;
import nom.tam.fits.Fits;
import nom.tam.fits.Header;
import nom.tam.fits.ImageHDU;
import org.deepmerge.core.DeepMergeException;
import org.junit.jupiter.api.Test;

class FitsStampsTest {

    @Test
    void stampReadsBackWithShapeWcsAndValues() throws Exception {
        SyntheticGalaxyGenerator gen = new SyntheticGalaxyGenerator(5, SurveyPreset.ZTF.generatorConfig());
        Observation obs = SurveyPreset.ZTF.observation(true);
        float[] img = gen.render(gen.sample(true), obs);
        for (boolean gzip : new boolean[] {false, true}) {
            byte[] bytes = FitsStamps.write(img, 0, 63, 63, 1.012, 150.25, -2.5, "r", 60123.25, gzip);
            assertEquals(gzip ? 0x1f : 'S', bytes[0] & 0xff, "gzip magic or FITS SIMPLE");
            ByteArrayInputStream in = new ByteArrayInputStream(bytes);
            try (Fits fits = new Fits(gzip ? new GZIPInputStream(in) : in)) {
                ImageHDU hdu = (ImageHDU) fits.getHDU(0);
                Header h = hdu.getHeader();
                assertEquals(-32, h.getIntValue("BITPIX"));
                assertEquals(63, h.getIntValue("NAXIS1"));
                assertEquals(63, h.getIntValue("NAXIS2"));
                assertEquals("RA---TAN", h.getStringValue("CTYPE1"));
                assertEquals("DEC--TAN", h.getStringValue("CTYPE2"));
                assertEquals(32.0, h.getDoubleValue("CRPIX1"), 0);
                assertEquals(32.0, h.getDoubleValue("CRPIX2"), 0);
                assertEquals(150.25, h.getDoubleValue("CRVAL1"), 0);
                assertEquals(-2.5, h.getDoubleValue("CRVAL2"), 0);
                assertEquals(-1.012 / 3600, h.getDoubleValue("CD1_1"), 1e-15);
                assertEquals(1.012 / 3600, h.getDoubleValue("CD2_2"), 1e-15);
                assertEquals(0.0, h.getDoubleValue("CD1_2"), 0);
                assertEquals("uJy/arcsec**2", h.getStringValue("BUNIT"));
                assertEquals("r", h.getStringValue("FILTER"));
                assertEquals(60123.25, h.getDoubleValue("MJD-OBS"), 0);
                float[][] data = (float[][]) hdu.getKernel();
                assertEquals(63, data.length);
                for (int y = 0; y < 63; y++) {
                    float[] row = new float[63];
                    System.arraycopy(img, y * 63, row, 0, 63);
                    assertArrayEquals(row, data[y], "row " + y);
                }
            }
        }
    }

    @Test
    void wrongShapeIsRejected() {
        DeepMergeException e = assertThrows(DeepMergeException.class,
                () -> FitsStamps.write(new float[10], 0, 3, 3, 1, 0, 0, "r", null, false));
        assertEquals(DeepMergeException.Reason.WRONG_SHAPE, e.reason());
        e = assertThrows(DeepMergeException.class,
                () -> FitsStamps.write(new float[18], 2, 3, 3, 1, 0, 0, "r", null, false));
        assertEquals(DeepMergeException.Reason.WRONG_SHAPE, e.reason());
    }
}
