package org.deepmerge.core.fits;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.GZIPOutputStream;
import nom.tam.fits.BasicHDU;
import nom.tam.fits.Fits;
import nom.tam.fits.FitsException;
import nom.tam.fits.Header;
import nom.tam.util.FitsOutputStream;

/**
 * Writes float32 images as FITS stamps (nom-tam-fits), optionally gzipped, with a TAN WCS whose CD matrix gives
 * the pixel scale: what the Cutout record carries. For tests, demos and the synthetic generator.
 */
public final class StampEncoder {
    private StampEncoder() {
    }

    /**
     * @param width            NAXIS1, pixels
     * @param height           NAXIS2, pixels
     * @param pixels           row-major values, pixel (x, y) at {@code y * width + x}
     * @param pixelScaleArcsec pixel scale written as CD1_1 = -scale/3600, CD2_2 = scale/3600 (deg/px), arcsec/px;
     *                         NaN writes no WCS
     * @param ra               CRVAL1, degrees (image centre)
     * @param dec              CRVAL2, degrees
     * @param gzip             gzip the FITS file
     * @return the FITS file bytes (BITPIX -32, one primary HDU)
     */
    public static byte[] encode(int width, int height, float[] pixels, double pixelScaleArcsec, double ra, double dec,
                                boolean gzip) {
        if (width <= 0 || height <= 0 || pixels.length != width * height) {
            throw new IllegalArgumentException("image " + width + "x" + height + " has " + pixels.length + " pixels");
        }
        float[][] kernel = new float[height][width];
        for (int y = 0; y < height; y++) {
            System.arraycopy(pixels, y * width, kernel[y], 0, width);
        }
        try {
            BasicHDU<?> hdu = Fits.makeHDU(kernel);
            Header h = hdu.getHeader();
            if (!Double.isNaN(pixelScaleArcsec)) {
                addTanWcs(h, width, height, pixelScaleArcsec, ra, dec);
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (Fits fits = new Fits()) {
                fits.addHDU(hdu);
                FitsOutputStream out = new FitsOutputStream(bytes);
                fits.write(out);
                out.flush();
            }
            return gzip ? gzip(bytes.toByteArray()) : bytes.toByteArray();
        } catch (FitsException | IOException e) {
            throw new IllegalStateException("in-memory FITS write failed: " + e.getMessage(), e);
        }
    }

    /**
     * @param data bytes
     * @return their gzip compression (RFC 1952)
     */
    public static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException("in-memory gzip failed", e);
        }
        return out.toByteArray();
    }

    /**
     * Adds a north-up, east-left gnomonic (TAN) WCS centred on the image: CRPIX at the centre (1-based), CD matrix
     * from the pixel scale (arcsec/px converted to deg/px), ICRS. One writer for every stamp this project makes.
     *
     * @param h                the header
     * @param width            NAXIS1, pixels
     * @param height           NAXIS2, pixels
     * @param pixelScaleArcsec pixel scale, arcsec/px
     * @param raDeg            right ascension at the centre, degrees
     * @param decDeg           declination at the centre, degrees
     * @throws FitsException when nom-tam-fits refuses a card
     */
    public static void addTanWcs(Header h, int width, int height, double pixelScaleArcsec, double raDeg, double decDeg)
            throws FitsException {
        h.addValue("WCSAXES", 2, "number of WCS axes");
        h.addValue("CTYPE1", "RA---TAN", "gnomonic projection");
        h.addValue("CTYPE2", "DEC--TAN", "gnomonic projection");
        h.addValue("CUNIT1", "deg", "");
        h.addValue("CUNIT2", "deg", "");
        h.addValue("CRPIX1", (width + 1) / 2.0, "reference pixel (stamp centre), 1-based");
        h.addValue("CRPIX2", (height + 1) / 2.0, "reference pixel (stamp centre), 1-based");
        h.addValue("CRVAL1", raDeg, "[deg] RA at the reference pixel, ICRS");
        h.addValue("CRVAL2", decDeg, "[deg] Dec at the reference pixel, ICRS");
        h.addValue("CD1_1", -pixelScaleArcsec / 3600, "[deg/px] east to the left");
        h.addValue("CD1_2", 0.0, "");
        h.addValue("CD2_1", 0.0, "");
        h.addValue("CD2_2", pixelScaleArcsec / 3600, "[deg/px] north up");
        h.addValue("RADESYS", "ICRS", "");
    }
}
